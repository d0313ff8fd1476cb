ALTER TABLE case_notes DROP COLUMN body_ko;
