-- The notes the system writes when an action is taken (an interview booked, evidence
-- requested, facts amended…) carry a Korean text beside the English one, so that a Korean
-- employer reads them in Korean. A note a person types has one text, as typed: NULL here.
ALTER TABLE case_notes ADD COLUMN body_ko TEXT;
