CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    name TEXT NOT NULL,
    worksite_address TEXT NOT NULL,
    state TEXT NOT NULL,
    sector TEXT NOT NULL,
    investment_usd BIGINT NOT NULL,
    equipment_purchased_abroad BOOLEAN NOT NULL,
    contract_requires_seller_services BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_sponsor_idx ON projects (sponsor_id, created_at);

-- One batch of workers filed together; keeps the answer for Idempotency-Key replays.
CREATE TABLE filings (
    id TEXT PRIMARY KEY,
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    filed_by TEXT NOT NULL REFERENCES users (id),
    idempotency_key TEXT,
    request_hash TEXT NOT NULL,
    response_json TEXT NOT NULL,
    worker_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (filed_by, idempotency_key)
);

-- Receipt sequences per U.S. fiscal year; the row lock makes numbers gapless under
-- concurrency (a rolled-back filing rolls its increment back too).
CREATE TABLE receipt_counters (
    fiscal_year INTEGER PRIMARY KEY,
    last_sequence BIGINT NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    receipt_number TEXT NOT NULL UNIQUE,
    filing_id TEXT NOT NULL REFERENCES filings (id),
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    assignee_id TEXT REFERENCES users (id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    name_ko TEXT,
    email TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    nationality TEXT NOT NULL,
    -- XChaCha20-Poly1305 of the passport number (base64 of nonce || ciphertext)
    passport_ciphertext TEXT NOT NULL,
    passport_last4 TEXT NOT NULL,
    -- HMAC-SHA256 blind index: equal for equal passport numbers, reveals nothing else
    passport_index TEXT NOT NULL,
    duplicate_passport BOOLEAN NOT NULL,
    facts_json TEXT NOT NULL,
    filing_date DATE NOT NULL,
    suggested_route TEXT,
    evidence_due DATE,
    interview_at TIMESTAMP,
    decision_route TEXT,
    decision_reason TEXT,
    annotation TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Keyset pagination: every queue filter has an index ending in (created_at, id).
CREATE INDEX cases_queue_idx ON cases (created_at, id);
CREATE INDEX cases_status_idx ON cases (status, created_at, id);
CREATE INDEX cases_sponsor_idx ON cases (sponsor_id, created_at, id);
CREATE INDEX cases_assignee_idx ON cases (assignee_id, created_at, id);
CREATE INDEX cases_route_idx ON cases (suggested_route, created_at, id);
CREATE INDEX cases_evidence_due_idx ON cases (status, evidence_due);
CREATE INDEX cases_passport_idx ON cases (passport_index);
CREATE INDEX cases_filing_idx ON cases (filing_id);

CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    -- internal: desk only; shared: also the employer
    visibility TEXT NOT NULL CHECK (visibility IN ('internal', 'shared')),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, created_at);

-- Append-only audit trail. Each row's hash covers the previous row's hash and its own
-- content, so altering or deleting a row breaks the chain from there on.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id TEXT,
    subject_id TEXT,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_case_idx ON audit_log (case_id, seq);
