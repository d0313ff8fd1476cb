ALTER TABLE cases ADD CONSTRAINT cases_receipt_number_key UNIQUE (receipt_number);
DROP INDEX cases_receipt_lookup_idx;
