DROP FUNCTION audit_chain_head(BIGINT);
