-- Rule-set versions published at run time (the shipped ones are in the binary). Texts are
-- kept exactly as published: their hash is what evaluations record.
CREATE TABLE rulesets (
    id TEXT PRIMARY KEY,
    route TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    source TEXT NOT NULL,
    published_by TEXT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL,
    UNIQUE (route, version)
);

-- Every evaluation of a case: the context it used and, per route, the outcome with the exact
-- rule-set versions and hashes, so the explanation can be replayed.
CREATE TABLE case_evaluations (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    evaluated_at TIMESTAMP NOT NULL,
    trigger TEXT NOT NULL,
    context_json TEXT NOT NULL,
    summary_json TEXT NOT NULL
);
CREATE INDEX case_evaluations_case_idx ON case_evaluations (case_id, evaluated_at);

-- Yearly caps (E-4: 15,000 principals per fiscal year). The CHECK makes over-reservation
-- impossible whatever the interleaving of concurrent approvals.
CREATE TABLE cap_counters (
    route TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    cap BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (route, fiscal_year),
    CHECK (used >= 0 AND used <= cap)
);

CREATE TABLE cap_reservations (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    route TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    reserved_at TIMESTAMP NOT NULL
);
