CREATE INDEX outbox_case_kind_idx ON outbox (case_id, kind);
DROP INDEX outbox_case_kind_state_idx;
