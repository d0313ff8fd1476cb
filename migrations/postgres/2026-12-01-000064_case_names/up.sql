-- The distinct names of the cases (each case's search_names: the romanised name in both
-- orders and the Hangul name), kept by a trigger. A search by name first finds the few
-- distinct names that contain the text (a small table, its own trigram index), then reads
-- each name's cases in the queue's order from cases_search_names_queue_idx, a page at most
-- each: a common name at a million cases is a page of index look-ups instead of a heap read
-- for each of its thousands of cases (docs/benchmarks.md, P8). Names no case holds any more
-- stay: they only lead to no cases.
CREATE TABLE case_names (search_names TEXT PRIMARY KEY);
INSERT INTO case_names (search_names)
    SELECT DISTINCT search_names FROM cases WHERE search_names IS NOT NULL;
CREATE INDEX case_names_trgm_idx ON case_names USING gin (search_names gin_trgm_ops);
CREATE INDEX cases_search_names_queue_idx ON cases (search_names, created_at, id);
CREATE FUNCTION case_names_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.search_names IS NOT NULL THEN
        INSERT INTO case_names (search_names) VALUES (NEW.search_names) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER cases_names_kept AFTER INSERT OR UPDATE OF family_name, given_name, name_ko
    ON cases FOR EACH ROW EXECUTE FUNCTION case_names_keep();
