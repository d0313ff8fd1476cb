-- Audit rows written from now on are chained with HMAC-SHA256 under a key derived from
-- KITDESK_SECRET_KEY (version 2); rows already written keep their plain SHA-256 links
-- (version 1) and are verified as before. docs/security.md, "Audit trail".
ALTER TABLE audit_log ADD COLUMN chain_version INTEGER NOT NULL DEFAULT 1;
