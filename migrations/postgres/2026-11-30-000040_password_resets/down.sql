DELETE FROM outbox WHERE audience = 'staff';
ALTER TABLE outbox DROP CONSTRAINT outbox_audience_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_audience_check
    CHECK (audience IN ('applicant', 'employer'));
DROP TABLE password_resets;
