DROP INDEX cases_given_name_ko_idx;
CREATE INDEX cases_given_name_ko_idx ON cases (given_name_ko);
