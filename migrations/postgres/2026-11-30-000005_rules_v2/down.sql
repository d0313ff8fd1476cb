DROP TABLE reevaluation_runs;
DROP TABLE evidence_confirmations;
