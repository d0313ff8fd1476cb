-- The queue's search by name at a million cases (issue 18, P8). search_names holds the
-- romanised name in both orders ("kim minjun", "minjun kim") and the Hangul name, lower-cased
-- and separated by tabs (a search box's text never holds a tab, so no match spans two of them); a trigram index answers
-- `LIKE '%…%'` on it. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE cases ADD COLUMN search_names TEXT GENERATED ALWAYS AS (
    lower(family_name || ' ' || given_name || E'\t' || given_name || ' ' || family_name)
    || E'\t' || coalesce(name_ko, '')
) STORED;
CREATE INDEX cases_search_names_trgm_idx ON cases USING gin (search_names gin_trgm_ops);
-- The Hangul given name (a name of two syllables yields no trigram to search by) and the
-- other things a search box can hold.
ALTER TABLE cases ADD COLUMN given_name_ko TEXT GENERATED ALWAYS AS (substr(name_ko, 2)) STORED;
CREATE INDEX cases_given_name_ko_idx ON cases (given_name_ko);
CREATE INDEX cases_passport_last4_idx ON cases (passport_last4);
CREATE INDEX cases_project_idx ON cases (project_id, created_at, id);
