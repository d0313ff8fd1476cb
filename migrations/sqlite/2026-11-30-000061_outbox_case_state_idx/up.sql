-- A case's pending mails of one kind (cancel_pending, delete_pending_for_case) are found in
-- one index. With (case_id, kind) alone, PostgreSQL's planner ANDed it with the state index,
-- and that half read every pending row of the outbox: 73,000 index entries per call during a
-- seed (issue 18), and as many in production whenever a backlog is waiting.
CREATE INDEX outbox_case_kind_state_idx ON outbox (case_id, kind, state);
DROP INDEX outbox_case_kind_idx;
