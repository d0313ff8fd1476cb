-- PostgreSQL announces session and user changes to other instances (kitdesk_auth); SQLite
-- serves one instance, which drops its session cache itself. Kept so that both backends
-- share one list of migrations.
SELECT 1;
