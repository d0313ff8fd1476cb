ALTER TABLE outbox DROP COLUMN calendar;
