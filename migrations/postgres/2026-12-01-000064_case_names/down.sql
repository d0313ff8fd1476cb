DROP TRIGGER cases_names_kept ON cases;
DROP FUNCTION case_names_keep();
DROP INDEX cases_search_names_queue_idx;
DROP TABLE case_names;
