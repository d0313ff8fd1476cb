DROP TABLE cap_reservations;
DROP TABLE cap_counters;
DROP TABLE case_evaluations;
DROP TABLE rulesets;
