-- The desk's verification checklist per sponsor: one row per item, the latest finding with
-- its note and, where it fits, a document of the sponsor. Items: business_registration,
-- korean_ownership, treaty_investor, authorised_signatory.
CREATE TABLE sponsor_checks (
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    item TEXT NOT NULL CHECK (item IN ('business_registration', 'korean_ownership',
        'treaty_investor', 'authorised_signatory')),
    outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'not_applicable', 'problem')),
    note TEXT NOT NULL,
    document_id TEXT REFERENCES documents (id),
    checked_by TEXT NOT NULL REFERENCES users (id),
    checked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sponsor_id, item)
);

-- Every decision on a sponsor (verified, rejected, information_requested) with its reason:
-- the latest one is what the sponsor is told. `sponsors.status` follows it.
CREATE TABLE sponsor_decisions (
    id TEXT PRIMARY KEY,
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    decision TEXT NOT NULL CHECK (decision IN ('verified', 'rejected', 'information_requested')),
    reason TEXT,
    decided_by TEXT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX sponsor_decisions_sponsor_idx ON sponsor_decisions (sponsor_id, decided_at);
