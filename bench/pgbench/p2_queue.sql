-- P2, the SQL of GET /api/v1/cases?status=filed&limit=50&cursor=… for an officer, as
-- captured by bench/capture-sql: the session look-up (the AuthUser extractor), then the
-- keyset page (limit 51: a page of 50 plus one to know whether there is a next), reading the
-- seventeen columns of db::cases::QueueRow on the HTTP worker's own connection
-- (db::async_reads::QUEUE_PAGES; the pool's read, db::cases::page, has the same conditions).
-- Every value the app binds is a parameter here too (with -M prepared), so that PostgreSQL
-- plans both alike: the status, the cursor's instant (an expression of one parameter), its
-- id (the smallest: the instant alone selects the index range) and the limit. The instant is drawn
-- at random between the first and the last of the filed cases that bench/run draws the
-- app's cursors from (the demo's, not the ones P1 files later: those come after a gap in
-- time, and instants in the gap would all read the same page); bench/run passes t0 and
-- span in microseconds since the epoch.
\set at random(:t0, :t0 + :span)
SELECT "sessions"."last_seen_at", "sessions"."expires_at", "users"."id", "users"."email", "users"."role", "users"."sponsor_id", "users"."disabled" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE ("sessions"."token_hash" = :session) LIMIT 1;
SELECT id, receipt_number, sponsor_id, project_id, status, version, assignee_id, given_name, family_name, passport_last4, duplicate_passport, suggested_route, evidence_due, interview_at, filing_date, created_at, overstay_open FROM cases WHERE status = :status AND created_at >= ('epoch'::timestamp + :at * interval '1 microsecond') AND (created_at > ('epoch'::timestamp + :at * interval '1 microsecond') OR id > :after_id) ORDER BY created_at, id LIMIT :limit;
