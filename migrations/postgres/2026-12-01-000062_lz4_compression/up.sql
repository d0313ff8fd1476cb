-- The large text columns are compressed with lz4 instead of pglz, PostgreSQL's default:
-- several times faster to compress, for a similar size on mail bodies and JSON. pglz was
-- about a tenth of PostgreSQL's CPU while the demo seed filed cases (docs/benchmarks.md),
-- most of it on the outbox's mail bodies. Values already stored keep their compression.
-- A server built without lz4 (or older than 14) keeps pglz: nothing else depends on it.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        ALTER TABLE outbox
            ALTER COLUMN body_text SET COMPRESSION lz4,
            ALTER COLUMN body_html SET COMPRESSION lz4,
            ALTER COLUMN calendar SET COMPRESSION lz4;
        ALTER TABLE cases ALTER COLUMN facts_json SET COMPRESSION lz4;
        ALTER TABLE case_evaluations
            ALTER COLUMN context_json SET COMPRESSION lz4,
            ALTER COLUMN summary_json SET COMPRESSION lz4;
        ALTER TABLE filings ALTER COLUMN response_json SET COMPRESSION lz4;
        ALTER TABLE audit_log ALTER COLUMN summary SET COMPRESSION lz4;
    END IF;
EXCEPTION
    WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available on this server: the default compression stays';
END
$$;
