-- The audit chain's lock and its newest row in one call, so that a writer of the chain makes
-- one round trip to PostgreSQL where it made two: everything from the lock to the commit
-- holds every other writer back (each filing and each case action), so the window is
-- shorter by a round trip (docs/benchmarks.md, P1 and P5). The function is VOLATILE: its
-- SELECT takes its own snapshot after the lock is granted, and so sees the row the previous
-- holder committed. A single statement that took the lock and read the row would read
-- with a snapshot taken before the wait, and could miss it.
CREATE FUNCTION audit_chain_head(lock_key BIGINT, OUT seq BIGINT, OUT hash TEXT)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT a.seq, a.hash INTO seq, hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
END
$$;
