DROP TABLE audit_log;
DROP TABLE case_notes;
DROP TABLE cases;
DROP TABLE receipt_counters;
DROP TABLE filings;
DROP TABLE projects;
