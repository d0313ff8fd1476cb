-- The transactional outbox: every mail that a case change owes someone is written here in
-- the same transaction as the change, already rendered, and a worker delivers it later.
-- A row is never deleted by the worker: `sent` and `dead` rows stay as the delivery record.
CREATE TABLE outbox (
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
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_lease_idx ON outbox (state, lease_expires_at);
CREATE INDEX outbox_created_idx ON outbox (created_at, id);

-- Events for sponsors that asked for a daily digest instead of a mail per event; the digest
-- sender gathers the undigested ones once a day per sponsor.
CREATE TABLE digest_items (
    id TEXT PRIMARY KEY,
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    case_id TEXT REFERENCES cases (id),
    kind TEXT NOT NULL,
    line_ko TEXT NOT NULL,
    line_en TEXT NOT NULL,
    digest_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX digest_items_pending_idx ON digest_items (sponsor_id, digest_id, created_at);

-- One row per sponsor and Seoul calendar day on which a digest went out: the unique key
-- makes "once a day" hold across instances.
CREATE TABLE digests (
    id TEXT PRIMARY KEY,
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    digest_date DATE NOT NULL,
    item_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (sponsor_id, digest_date)
);
