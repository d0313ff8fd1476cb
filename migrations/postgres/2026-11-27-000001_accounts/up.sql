-- Sponsors (companies) exist from the start because employer accounts belong to one.
-- Ids are UUIDs stored as text and times are UTC `timestamp` so that one diesel schema
-- serves both backends.
CREATE TABLE sponsors (
    id TEXT PRIMARY KEY,
    legal_name TEXT NOT NULL,
    legal_name_ko TEXT,
    business_registration_no TEXT NOT NULL UNIQUE,
    korean_ownership_pct DOUBLE PRECISION NOT NULL,
    treaty_investor BOOLEAN NOT NULL,
    qualifying_relationship TEXT NOT NULL,
    labor_attestation_filed BOOLEAN NOT NULL,
    strike_or_lockout BOOLEAN NOT NULL,
    prime_sponsor_id TEXT REFERENCES sponsors (id),
    status TEXT NOT NULL,
    notify_mode TEXT NOT NULL DEFAULT 'per_event',
    verified_by TEXT,
    verified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sponsors_prime_idx ON sponsors (prime_sponsor_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    -- lower-cased copy: uniqueness and look-ups ignore case on both backends
    email_normalized TEXT NOT NULL UNIQUE,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'officer', 'employer')),
    sponsor_id TEXT REFERENCES sponsors (id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'employer') = (sponsor_id IS NOT NULL))
);
CREATE INDEX users_sponsor_idx ON users (sponsor_id);

CREATE TABLE sessions (
    -- SHA-256 of the bearer token, hex: the token itself is never stored
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
