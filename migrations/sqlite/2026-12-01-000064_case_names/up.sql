-- The distinct names of the cases (each case's search_names), kept by triggers: a search by
-- name finds the few distinct names that contain the text, then reads each name's cases in
-- the queue's order from cases_search_names_queue_idx (see the PostgreSQL migration).
CREATE TABLE case_names (search_names TEXT PRIMARY KEY NOT NULL);
INSERT OR IGNORE INTO case_names (search_names)
    SELECT DISTINCT search_names FROM cases WHERE search_names IS NOT NULL;
CREATE INDEX cases_search_names_queue_idx ON cases (search_names, created_at, id);
CREATE TRIGGER cases_names_kept_insert AFTER INSERT ON cases WHEN new.search_names IS NOT NULL BEGIN
    INSERT OR IGNORE INTO case_names (search_names) VALUES (new.search_names);
END;
CREATE TRIGGER cases_names_kept_update AFTER UPDATE OF family_name, given_name, name_ko ON cases
    WHEN new.search_names IS NOT NULL BEGIN
    INSERT OR IGNORE INTO case_names (search_names) VALUES (new.search_names);
END;
