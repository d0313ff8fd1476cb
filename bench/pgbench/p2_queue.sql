-- P2, the SQL of GET /api/v1/cases?status=filed&limit=50&cursor=… for an officer, as
-- captured by bench/capture-sql: the session look-up (the AuthUser extractor), then the
-- keyset page (limit 51: a page of 50 plus one to know whether there is a next).
-- The cursor position is a random instant between the first and the last filed case
-- (bench/run passes t0 and span in microseconds since the epoch); the id part is the
-- smallest, which selects the same index range as a cursor taken from a row.
\set at random(:t0, :t0 + :span)
SELECT "sessions"."last_seen_at", "sessions"."expires_at", "users"."id", "users"."email", "users"."role", "users"."sponsor_id", "users"."disabled" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE ("sessions"."token_hash" = :session) LIMIT 1;
SELECT "cases"."id", "cases"."receipt_number", "cases"."sponsor_id", "cases"."project_id", "cases"."status", "cases"."version", "cases"."assignee_id", "cases"."given_name", "cases"."family_name", "cases"."passport_last4", "cases"."duplicate_passport", "cases"."suggested_route", "cases"."evidence_due", "cases"."filing_date", "cases"."created_at" FROM "cases" WHERE ((("cases"."status" = 'filed') AND ("cases"."created_at" >= ('epoch'::timestamp + :at * interval '1 microsecond'))) AND (("cases"."created_at" > ('epoch'::timestamp + :at * interval '1 microsecond')) OR ("cases"."id" > '00000000-0000-0000-0000-000000000000'))) ORDER BY "cases"."created_at" ASC, "cases"."id" ASC LIMIT 51;
