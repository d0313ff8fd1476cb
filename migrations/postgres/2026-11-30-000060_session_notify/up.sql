-- Instances cache signed-in sessions for a moment (service::session_cache). A change that
-- ends or narrows a session's authority -- a session deleted (sign-out, purge) or re-keyed, a
-- user changed (disabled, rights, password, second factor) or deleted -- is announced on the
-- channel kitdesk_auth, so that every instance drops its cache when the change commits,
-- whoever made it (another instance, the CLI, an administrator's SQL).
CREATE FUNCTION kitdesk_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kitdesk_auth', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_auth_changed
  AFTER DELETE OR UPDATE OF expires_at, user_id, token_hash ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION kitdesk_auth_changed();

CREATE TRIGGER users_auth_changed
  AFTER UPDATE OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION kitdesk_auth_changed();
