-- A search by a Hangul given name (two syllables, too short for trigrams) reads its page in
-- the queue's order straight from this index: a common given name matches one case in
-- sixteen, which collecting every match (the index on the name alone) made the slowest
-- search at a million cases (docs/benchmarks.md, P8).
DROP INDEX cases_given_name_ko_idx;
CREATE INDEX cases_given_name_ko_idx ON cases (given_name_ko, created_at, id);
