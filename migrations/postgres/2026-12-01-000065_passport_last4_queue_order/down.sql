DROP INDEX cases_passport_last4_idx;
CREATE INDEX cases_passport_last4_idx ON cases (passport_last4);
