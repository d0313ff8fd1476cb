DROP TRIGGER cases_names_kept_update;
DROP TRIGGER cases_names_kept_insert;
DROP INDEX cases_search_names_queue_idx;
DROP TABLE case_names;
