-- P2, the SQL of GET /api/v1/cases?status=filed&limit=50&cursor=… for an officer, as
-- captured by bench/capture-sql: the session look-up (the AuthUser extractor), then the
-- keyset page (limit 51: a page of 50 plus one to know whether there is a next), reading the
-- seventeen columns of db::cases::QueueRow.
-- Every value the app binds is a parameter here too (with -M prepared), so that PostgreSQL
-- plans both alike: the status, the cursor's instant (an expression of one parameter) and
-- its id (the smallest: the instant alone selects the index range). The instant is drawn
-- at random between the first and the last of the filed cases that bench/run draws the
-- app's cursors from (the demo's, not the ones P1 files later: those come after a gap in
-- time, and instants in the gap would all read the same page); bench/run passes t0 and
-- span in microseconds since the epoch.
\set at random(:t0, :t0 + :span)
SELECT "sessions"."last_seen_at", "sessions"."expires_at", "users"."id", "users"."email", "users"."role", "users"."sponsor_id", "users"."disabled" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE ("sessions"."token_hash" = :session) LIMIT 1;
SELECT "cases"."id", "cases"."receipt_number", "cases"."sponsor_id", "cases"."project_id", "cases"."status", "cases"."version", "cases"."assignee_id", "cases"."given_name", "cases"."family_name", "cases"."passport_last4", "cases"."duplicate_passport", "cases"."suggested_route", "cases"."evidence_due", "cases"."interview_at", "cases"."filing_date", "cases"."created_at", "cases"."overstay_open" FROM "cases" WHERE ((("cases"."status" = :status) AND ("cases"."created_at" >= ('epoch'::timestamp + :at * interval '1 microsecond'))) AND (("cases"."created_at" > ('epoch'::timestamp + :at * interval '1 microsecond')) OR ("cases"."id" > :after_id))) ORDER BY "cases"."created_at" ASC, "cases"."id" ASC LIMIT 51;
