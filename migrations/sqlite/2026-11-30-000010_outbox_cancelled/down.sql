UPDATE outbox SET state = 'dead' WHERE state = 'cancelled';
CREATE TABLE outbox_old (
    id TEXT PRIMARY KEY,
    -- which message (filing_received, evidence_requested, employer_batch, employer_digest…)
    kind TEXT NOT NULL,
    -- applicant or employer
    audience TEXT NOT NULL CHECK (audience IN ('applicant', 'employer')),
    recipient TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    sponsor_id TEXT REFERENCES sponsors (id),
    -- stable across resends, so that a copy sent twice after a crash can be recognised
    message_id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- pending → sending (claimed, under a lease) → sent | pending (retry) | dead
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    lease_expires_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
INSERT INTO outbox_old SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_lease_idx ON outbox (state, lease_expires_at);
CREATE INDEX outbox_created_idx ON outbox (created_at, id);
