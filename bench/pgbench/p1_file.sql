-- P1, the SQL of POST /api/v1/filings with one worker (service::filing::file_batch), as
-- captured by bench/capture-sql: the session look-up (the AuthUser extractor), then one
-- transaction: idempotency check, project and sponsor, the duplicate passport check, the
-- worker's earlier trips (the rules' stay history), the rules' cap read, the sponsor's users,
-- the receipt counter, the filing, the case, its evaluation, three mails in the outbox
-- (applicant + two employer users) and two audit rows under the audit chain's advisory lock
-- (`audit_chain_head`: the lock and the chain's newest row in one call).
-- Values the app computes in Rust (UUIDs, receipt number, passport index and ciphertext,
-- audit hashes) are made here from random numbers (so the rows stay valid for the app); the
-- long texts (facts, evaluation, mail bodies) are the captured ones, passed as variables by
-- bench/run from bench/pgbench/p1_values/. The audit hash is md5-based here, so
-- `kitdesk audit verify` fails on a benchmarked database.
\set r1 random(1, 999999999999)
\set r2 random(1, 999999999999)
SELECT "sessions"."last_seen_at", "sessions"."expires_at", "users"."id", "users"."email", "users"."role", "users"."sponsor_id", "users"."disabled" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE ("sessions"."token_hash" = :session) LIMIT 1;
BEGIN;
SELECT "filings"."id", "filings"."sponsor_id", "filings"."project_id", "filings"."filed_by", "filings"."idempotency_key", "filings"."request_hash", "filings"."response_json", "filings"."worker_count", "filings"."created_at" FROM "filings" WHERE (("filings"."filed_by" = :user_id) AND ("filings"."idempotency_key" = 'pgbench-' || :client_id || '-' || :r1)) LIMIT 1;
SELECT "projects"."id", "projects"."sponsor_id", "projects"."name", "projects"."worksite_address", "projects"."state", "projects"."sector", "projects"."investment_usd", "projects"."equipment_purchased_abroad", "projects"."contract_requires_seller_services", "projects"."created_by", "projects"."created_at" FROM "projects" WHERE ("projects"."id" = :project_id) LIMIT 1;
SELECT "sponsors"."id", "sponsors"."legal_name", "sponsors"."legal_name_ko", "sponsors"."business_registration_no", "sponsors"."korean_ownership_pct", "sponsors"."treaty_investor", "sponsors"."qualifying_relationship", "sponsors"."labor_attestation_filed", "sponsors"."strike_or_lockout", "sponsors"."prime_sponsor_id", "sponsors"."status", "sponsors"."notify_mode", "sponsors"."verified_by", "sponsors"."verified_at", "sponsors"."created_at", "sponsors"."updated_at" FROM "sponsors" WHERE ("sponsors"."id" = :sponsor_id) LIMIT 1;
SELECT "cases"."passport_index", "cases"."receipt_number" FROM "cases" WHERE ("cases"."passport_index" = ANY(ARRAY[md5('p' || :r1) || md5('p' || :r2)]));
SELECT COUNT(*) FROM "rulesets";
SELECT "trips"."id", "trips"."case_id", "trips"."passport_index", "trips"."admission_class", "trips"."entry_date", "trips"."exit_date", "trips"."port", "trips"."source", "trips"."created_by", "trips"."created_at", "trips"."admitted_until" FROM "trips" WHERE ("trips"."passport_index" = ANY(ARRAY[md5('p' || :r1) || md5('p' || :r2)])) ORDER BY "trips"."passport_index" ASC, "trips"."entry_date" ASC, "trips"."id" ASC;
SELECT "cap_counters"."cap", "cap_counters"."used" FROM "cap_counters" WHERE (("cap_counters"."route" = 'E4-PWK') AND ("cap_counters"."fiscal_year" = :fyear)) LIMIT 1;
SELECT "users"."id", "users"."email", "users"."email_normalized", "users"."display_name", "users"."password_hash", "users"."role", "users"."sponsor_id", "users"."disabled", "users"."created_at", "users"."updated_at" FROM "users" WHERE (("users"."sponsor_id" = :sponsor_id) AND ("users"."disabled" = false)) ORDER BY "users"."created_at" ASC;
SELECT receipt_reserve(:fyear, 1) AS last_sequence \gset
-- The receipt number of the reserved sequence: KIT + fiscal year + 7 digits + Luhn digit.
\set p (:fy * 10000000 + :last_sequence)
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
INSERT INTO "filings" ("id", "sponsor_id", "project_id", "filed_by", "idempotency_key", "request_hash", "response_json", "worker_count", "created_at") VALUES (md5('f' || :r1 || '-' || :r2)::uuid::text, :sponsor_id, :project_id, :user_id, 'pgbench-' || :client_id || '-' || :r1, md5('h' || :r1) || md5('h' || :r2), :response_json, 1, (now() AT TIME ZONE 'utc'));
INSERT INTO "cases" ("id", "receipt_number", "filing_id", "sponsor_id", "project_id", "status", "version", "assignee_id", "given_name", "family_name", "name_ko", "email", "date_of_birth", "nationality", "passport_ciphertext", "passport_last4", "passport_index", "duplicate_passport", "facts_json", "filing_date", "suggested_route", "evidence_due", "interview_at", "decision_route", "decision_reason", "annotation", "decided_by", "decided_at", "created_at", "updated_at") VALUES (md5('c' || :r1 || '-' || :r2)::uuid::text, 'KIT' || :receipt, md5('f' || :r1 || '-' || :r2)::uuid::text, :sponsor_id, :project_id, 'filed', 1, DEFAULT, 'Minjun', 'Kim', '김민준', 'minjun.kim.' || :r1 || '@example.com', '1988-04-12', 'KR', '8PlChOjBAq99q6YjQOjTDSdSwLRpnzq5lWmQEpk+nCIlUONk/7/SE+1sA9rBP+jw4noCLvQ=', '7041', md5('p' || :r1) || md5('p' || :r2), false, :facts_json, (now() AT TIME ZONE 'utc')::date, 'ESTA-CIW', DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, (now() AT TIME ZONE 'utc'), (now() AT TIME ZONE 'utc'));
INSERT INTO "case_evaluations" ("id", "case_id", "evaluated_at", "trigger", "context_json", "summary_json") VALUES (md5('e' || :r1 || '-' || :r2)::uuid::text, md5('c' || :r1 || '-' || :r2)::uuid::text, (now() AT TIME ZONE 'utc'), 'filing', :eval_context, :eval_summary);
INSERT INTO "outbox" ("id", "kind", "audience", "recipient", "case_id", "sponsor_id", "message_id", "subject", "body_text", "body_html", "state", "attempts", "next_attempt_at", "claimed_by", "lease_expires_at", "last_error", "created_at", "updated_at", "sent_at") VALUES (md5('o1' || :r1 || '-' || :r2)::uuid::text, 'filing_received', 'applicant', 'minjun.kim.' || :r1 || '@example.com', md5('c' || :r1 || '-' || :r2)::uuid::text, :sponsor_id, '<outbox-' || md5('o1' || :r1 || '-' || :r2)::uuid::text || '@kitdesk>', :applicant_subject, :applicant_text, :applicant_html, 'pending', 0, (now() AT TIME ZONE 'utc'), DEFAULT, DEFAULT, DEFAULT, (now() AT TIME ZONE 'utc'), (now() AT TIME ZONE 'utc'), DEFAULT), (md5('o2' || :r1 || '-' || :r2)::uuid::text, 'employer_batch', 'employer', 'employer@hanbit.demo.kr', DEFAULT, :sponsor_id, '<outbox-' || md5('o2' || :r1 || '-' || :r2)::uuid::text || '@kitdesk>', :employer_subject, :employer_text, :employer_html, 'pending', 0, (now() AT TIME ZONE 'utc'), DEFAULT, DEFAULT, DEFAULT, (now() AT TIME ZONE 'utc'), (now() AT TIME ZONE 'utc'), DEFAULT), (md5('o3' || :r1 || '-' || :r2)::uuid::text, 'employer_batch', 'employer', 'bench-employer@example.com', DEFAULT, :sponsor_id, '<outbox-' || md5('o3' || :r1 || '-' || :r2)::uuid::text || '@kitdesk>', :employer_subject, :employer_text, :employer_html, 'pending', 0, (now() AT TIME ZONE 'utc'), DEFAULT, DEFAULT, DEFAULT, (now() AT TIME ZONE 'utc'), (now() AT TIME ZONE 'utc'), DEFAULT);
SELECT seq, hash FROM audit_chain_head(7739845409160522497) \gset a_
INSERT INTO "audit_log" ("seq", "occurred_at", "actor_id", "actor_role", "action", "case_id", "subject_id", "summary", "prev_hash", "hash") VALUES (:a_seq + 1, (now() AT TIME ZONE 'utc'), :user_id, 'employer', 'filing.created', DEFAULT, md5('f' || :r1 || '-' || :r2)::uuid::text, '{"project_id":"' || :project_id || '","sponsor_id":"' || :sponsor_id || '","workers":1}', :a_hash, md5('a' || :r1) || md5('a' || :r2)), (:a_seq + 2, (now() AT TIME ZONE 'utc'), :user_id, 'employer', 'case.filed', md5('c' || :r1 || '-' || :r2)::uuid::text, md5('f' || :r1 || '-' || :r2)::uuid::text, '{"after":{"receipt_number":"KIT' || :receipt || '","status":"filed"},"duplicate_passport":' || 'false}', md5('a' || :r1) || md5('a' || :r2), md5('b' || :r1) || md5('b' || :r2));
COMMIT;
