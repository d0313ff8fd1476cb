-- P3, the SQL of POST /api/v1/status: one look-up by receipt number, the six columns that
-- the look-up's own connection reads on PostgreSQL (db::async_reads::FIND_STATUS; the pool's
-- fallback, service::status::lookup, reads the same). The date of birth is compared in Rust.
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
SELECT id, receipt_number, status, date_of_birth, interview_at, updated_at FROM cases WHERE receipt_number = 'KIT' || :receipt LIMIT 1;
