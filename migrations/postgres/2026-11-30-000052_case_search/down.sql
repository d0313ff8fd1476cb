DROP INDEX cases_project_idx;
DROP INDEX cases_passport_last4_idx;
DROP INDEX cases_given_name_ko_idx;
ALTER TABLE cases DROP COLUMN given_name_ko;
DROP INDEX cases_search_names_trgm_idx;
ALTER TABLE cases DROP COLUMN search_names;
