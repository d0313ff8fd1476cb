DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        ALTER TABLE outbox
            ALTER COLUMN body_text SET COMPRESSION DEFAULT,
            ALTER COLUMN body_html SET COMPRESSION DEFAULT,
            ALTER COLUMN calendar SET COMPRESSION DEFAULT;
        ALTER TABLE cases ALTER COLUMN facts_json SET COMPRESSION DEFAULT;
        ALTER TABLE case_evaluations
            ALTER COLUMN context_json SET COMPRESSION DEFAULT,
            ALTER COLUMN summary_json SET COMPRESSION DEFAULT;
        ALTER TABLE filings ALTER COLUMN response_json SET COMPRESSION DEFAULT;
        ALTER TABLE audit_log ALTER COLUMN summary SET COMPRESSION DEFAULT;
    END IF;
END
$$;
