-- Passkeys (WebAuthn) of desk accounts: the phishing-resistant second factor. `credential`
-- is webauthn-rs's Passkey as JSON (public key, credential id, counter); no secret is kept.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- A WebAuthn ceremony between its two requests: the server's state (the challenge) as
-- JSON, keyed by the SHA-256 of a token the client holds, for five minutes, used once.
CREATE TABLE passkey_ceremonies (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign_in')),
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
