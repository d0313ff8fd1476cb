-- The queue's search by name at a million cases (issue 18, P8). search_names holds the
-- romanised name in both orders ("kim minjun", "minjun kim") and the Hangul name, lower-cased
-- and separated by tabs (a search box's text never holds a tab, so no match spans two of them). An FTS5 table with the
-- trigram tokenizer indexes it (external content: the text stays in cases), kept in step by
-- triggers; `search_names LIKE '%…%'` on it is answered from the index.
ALTER TABLE cases ADD COLUMN search_names TEXT GENERATED ALWAYS AS (
    lower(family_name || ' ' || given_name || char(9) || given_name || ' ' || family_name)
    || char(9) || coalesce(name_ko, '')
) VIRTUAL;
CREATE VIRTUAL TABLE cases_search USING fts5(
    search_names, content = 'cases', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO cases_search (rowid, search_names) SELECT rowid, search_names FROM cases;
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_search (rowid, search_names) VALUES (new.rowid, new.search_names);
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_search (cases_search, rowid, search_names) VALUES ('delete', old.rowid, old.search_names);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF family_name, given_name, name_ko ON cases BEGIN
    INSERT INTO cases_search (cases_search, rowid, search_names) VALUES ('delete', old.rowid, old.search_names);
    INSERT INTO cases_search (rowid, search_names) VALUES (new.rowid, new.search_names);
END;
-- The Hangul given name (two syllables are too short for trigrams) and the other things a
-- search box can hold.
ALTER TABLE cases ADD COLUMN given_name_ko TEXT GENERATED ALWAYS AS (substr(name_ko, 2)) VIRTUAL;
CREATE INDEX cases_given_name_ko_idx ON cases (given_name_ko);
CREATE INDEX cases_passport_last4_idx ON cases (passport_last4);
CREATE INDEX cases_project_idx ON cases (project_id, created_at, id);
