DROP TRIGGER IF EXISTS users_auth_changed ON users;
DROP TRIGGER IF EXISTS sessions_auth_changed ON sessions;
DROP FUNCTION IF EXISTS kitdesk_auth_changed();
