-- A search by a passport's last four reads its page in the queue's order straight from this
-- index. Four digits are shared by one case in ten thousand at random, but a batch filed
-- with the same passport ending (or a test employer's) can make one ending common, and
-- collecting every match (the index on the ending alone) then cost one heap read each:
-- 17 ms for 6,862 matches (docs/benchmarks.md, P8).
DROP INDEX cases_passport_last4_idx;
CREATE INDEX cases_passport_last4_idx ON cases (passport_last4, created_at, id);
