DROP TABLE administrative_processing;
DROP TABLE case_refusals;
