-- A second factor for sign-in. `second_factor` is true once a factor is confirmed: sign-in
-- then asks for a code after the password.
ALTER TABLE users ADD COLUMN second_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- One TOTP authenticator per user (RFC 6238: SHA-1, 6 digits, 30-second steps). The secret
-- is encrypted (XChaCha20-Poly1305, key derived from KITDESK_SECRET_KEY, the user id as
-- associated data). `last_step` is the last 30-second step whose code was accepted: a code
-- is never taken twice, nor one older than it.
CREATE TABLE totp_factors (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT
);

-- Ten single-use recovery codes per enrolment, stored as HMAC-SHA256 under a server key.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id, code_hash);

-- A sign-in that passed the password and waits for the code: the token given to the client
-- is stored only as its SHA-256, for five minutes.
CREATE TABLE mfa_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id);
