-- Colleagues: an employer user's rights for its sponsor (`file`, `manage`, comma-separated;
-- empty for desk staff), and invitations a manager sends to colleagues.
ALTER TABLE users ADD COLUMN rights TEXT NOT NULL DEFAULT '';
-- Until now each sponsor had one user, who did everything.
UPDATE users SET rights = 'file,manage' WHERE role = 'employer';

-- One row per invitation, keyed by id; the link's token is stored only as its SHA-256. It
-- works once, for 72 hours.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL,
    rights TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_user_id TEXT REFERENCES users (id)
);
CREATE INDEX invitations_sponsor_idx ON invitations (sponsor_id, accepted_at);
