DROP INDEX outbox_case_kind_idx;
UPDATE outbox SET state = 'dead' WHERE state = 'cancelled';
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead'));
