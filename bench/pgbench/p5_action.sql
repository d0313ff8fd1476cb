-- P5, the SQL of POST /api/v1/cases/{id}/actions {"action":"start_review"} with If-Match,
-- as captured by bench/capture-sql: the session look-up, then one transaction that reads
-- the case, updates it if still at the expected version, reads it back and, last, appends
-- the audit row under the audit chain's advisory lock (`audit_chain_head`: the lock and the
-- chain's newest row in one call, migration 000067). pgbench picks the case by receipt
-- number (the app by id: both are unique-index look-ups on text) to learn its id and
-- version. The audit hash is md5-based here (the app's SHA-256 is computed in Rust), so
-- `kitdesk audit verify` fails on a benchmarked database.
-- A random existing receipt: KIT + fiscal year (2 digits) + 7-digit sequence + Luhn digit,
-- computed here from a random sequence number (bench/run passes fy and maxseq).
\set seq random(1, :maxseq)
\set p (:fy * 10000000 + :seq)
\set d1 (:p % 10)
\set d2 ((:p / 10) % 10)
\set d3 ((:p / 100) % 10)
\set d4 ((:p / 1000) % 10)
\set d5 ((:p / 10000) % 10)
\set d6 ((:p / 100000) % 10)
\set d7 ((:p / 1000000) % 10)
\set d8 ((:p / 10000000) % 10)
\set d9 ((:p / 100000000) % 10)
\set sum (CASE WHEN :d1 * 2 > 9 THEN :d1 * 2 - 9 ELSE :d1 * 2 END) + :d2 + (CASE WHEN :d3 * 2 > 9 THEN :d3 * 2 - 9 ELSE :d3 * 2 END) + :d4 + (CASE WHEN :d5 * 2 > 9 THEN :d5 * 2 - 9 ELSE :d5 * 2 END) + :d6 + (CASE WHEN :d7 * 2 > 9 THEN :d7 * 2 - 9 ELSE :d7 * 2 END) + :d8 + (CASE WHEN :d9 * 2 > 9 THEN :d9 * 2 - 9 ELSE :d9 * 2 END)
\set receipt (:p * 10 + (10 - :sum % 10) % 10)
SELECT "sessions"."last_seen_at", "sessions"."expires_at", "users"."id", "users"."email", "users"."role", "users"."sponsor_id", "users"."disabled" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE ("sessions"."token_hash" = :session) LIMIT 1;
BEGIN;
SELECT "cases"."id", "cases"."receipt_number", "cases"."filing_id", "cases"."sponsor_id", "cases"."project_id", "cases"."status", "cases"."version", "cases"."assignee_id", "cases"."given_name", "cases"."family_name", "cases"."name_ko", "cases"."email", "cases"."date_of_birth", "cases"."nationality", "cases"."passport_ciphertext", "cases"."passport_last4", "cases"."passport_index", "cases"."duplicate_passport", "cases"."facts_json", "cases"."filing_date", "cases"."suggested_route", "cases"."evidence_due", "cases"."interview_at", "cases"."decision_route", "cases"."decision_reason", "cases"."annotation", "cases"."decided_by", "cases"."decided_at", "cases"."created_at", "cases"."updated_at" FROM "cases" WHERE ("cases"."receipt_number" = 'KIT' || :receipt) LIMIT 1 \gset c_
UPDATE "cases" SET "status" = 'in_review', "version" = :c_version + 1, "updated_at" = (now() AT TIME ZONE 'utc') WHERE (("cases"."id" = :c_id) AND ("cases"."version" = :c_version));
SELECT "cases"."id", "cases"."receipt_number", "cases"."filing_id", "cases"."sponsor_id", "cases"."project_id", "cases"."status", "cases"."version", "cases"."assignee_id", "cases"."given_name", "cases"."family_name", "cases"."name_ko", "cases"."email", "cases"."date_of_birth", "cases"."nationality", "cases"."passport_ciphertext", "cases"."passport_last4", "cases"."passport_index", "cases"."duplicate_passport", "cases"."facts_json", "cases"."filing_date", "cases"."suggested_route", "cases"."evidence_due", "cases"."interview_at", "cases"."decision_route", "cases"."decision_reason", "cases"."annotation", "cases"."decided_by", "cases"."decided_at", "cases"."created_at", "cases"."updated_at" FROM "cases" WHERE ("cases"."id" = :c_id) LIMIT 1;
SELECT seq, hash FROM audit_chain_head(7739845409160522497) \gset a_
INSERT INTO "audit_log" ("seq", "occurred_at", "actor_id", "actor_role", "action", "case_id", "subject_id", "summary", "prev_hash", "hash") VALUES (:a_seq + 1, (now() AT TIME ZONE 'utc'), :user_id, 'officer', 'case.start_review', :c_id, DEFAULT, '{"after":{"status":"in_review","version":2},"before":{"status":"filed","version":1},"details":{}}', :a_hash, md5(:a_hash) || md5(:c_id));
COMMIT;
