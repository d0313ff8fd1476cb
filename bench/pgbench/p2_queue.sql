-- P2, the SQL of GET /api/v1/cases?status=filed&limit=50&cursor=… for an officer, as
-- captured by bench/capture-sql: the session look-up (the AuthUser extractor), then the
-- keyset page (limit 51: a page of 50 plus one to know whether there is a next), reading the
-- seventeen columns of db::cases::QueueRow.
-- The cursor is one of the filed cases in bench_p2_cursors, at random: the rows whose API
-- cursors the app's run is given (bench/run). The app sends the cursor's instant and id as
-- parameters; here each is read by a sub-query on that table's primary key, computed once
-- before the index scan (an InitPlan), which costs PostgreSQL a few microseconds more a page
-- than the app's query.
\set k random(1, :ncursors)
SELECT "sessions"."last_seen_at", "sessions"."expires_at", "users"."id", "users"."email", "users"."role", "users"."sponsor_id", "users"."disabled" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE ("sessions"."token_hash" = :session) LIMIT 1;
SELECT "cases"."id", "cases"."receipt_number", "cases"."sponsor_id", "cases"."project_id", "cases"."status", "cases"."version", "cases"."assignee_id", "cases"."given_name", "cases"."family_name", "cases"."passport_last4", "cases"."duplicate_passport", "cases"."suggested_route", "cases"."evidence_due", "cases"."interview_at", "cases"."filing_date", "cases"."created_at", "cases"."overstay_open" FROM "cases" WHERE ((("cases"."status" = 'filed') AND ("cases"."created_at" >= (SELECT created_at FROM bench_p2_cursors WHERE n = :k))) AND (("cases"."created_at" > (SELECT created_at FROM bench_p2_cursors WHERE n = :k)) OR ("cases"."id" > (SELECT id FROM bench_p2_cursors WHERE n = :k)))) ORDER BY "cases"."created_at" ASC, "cases"."id" ASC LIMIT 51;
