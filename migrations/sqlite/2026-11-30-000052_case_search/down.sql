DROP INDEX cases_project_idx;
DROP INDEX cases_passport_last4_idx;
DROP INDEX cases_given_name_ko_idx;
ALTER TABLE cases DROP COLUMN given_name_ko;
DROP TRIGGER cases_search_update;
DROP TRIGGER cases_search_delete;
DROP TRIGGER cases_search_insert;
DROP TABLE cases_search;
ALTER TABLE cases DROP COLUMN search_names;
