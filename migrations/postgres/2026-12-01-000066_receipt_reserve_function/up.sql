-- The receipt counter's upsert as a function, so that the service can call it as a prepared
-- statement (diesel prepares no upsert and no raw SQL): it runs inside the window in which a
-- filing holds the counter's row lock, and a parse and plan on every filing lengthened every
-- other filing's wait (docs/benchmarks.md, P1). PL/pgSQL keeps the insert's plan for the
-- session. Same statement, same lock, same transaction as before.
CREATE FUNCTION receipt_reserve(for_year INTEGER, how_many BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    last BIGINT;
BEGIN
    INSERT INTO receipt_counters AS c (fiscal_year, last_sequence) VALUES (for_year, how_many)
    ON CONFLICT (fiscal_year) DO UPDATE SET last_sequence = c.last_sequence + how_many
    RETURNING c.last_sequence INTO last;
    RETURN last;
END
$$;
