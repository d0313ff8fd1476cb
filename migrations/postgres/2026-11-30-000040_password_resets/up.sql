-- Password reset links: one row per link, keyed by the SHA-256 of its token (the token itself
-- is only ever in the mail). A link is good for 30 minutes and once.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Account mails (password reset, invitations) also go to desk staff, who are neither
-- applicants nor employers.
ALTER TABLE outbox DROP CONSTRAINT outbox_audience_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_audience_check
    CHECK (audience IN ('applicant', 'employer', 'staff'));
