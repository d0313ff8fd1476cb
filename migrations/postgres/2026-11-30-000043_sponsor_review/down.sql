DROP TABLE sponsor_decisions;
DROP TABLE sponsor_checks;
