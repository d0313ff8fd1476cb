-- A scheduled mail (an evidence reminder) that no longer applies is `cancelled`: final, never
-- sent, kept as the record that it was due.
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled'));
CREATE INDEX outbox_case_kind_idx ON outbox (case_id, kind);
