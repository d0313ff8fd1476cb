-- Rules v2: evidence rules an officer confirmed on a case (read by every later evaluation of
-- the case), and the background re-evaluations of undecided cases after a publish.
CREATE TABLE evidence_confirmations (
    case_id TEXT NOT NULL REFERENCES cases (id),
    rule_id TEXT NOT NULL,
    note TEXT NOT NULL,
    confirmed_by TEXT NOT NULL REFERENCES users (id),
    confirmed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, rule_id)
);

CREATE TABLE reevaluation_runs (
    id TEXT PRIMARY KEY,
    trigger TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    failed BIGINT NOT NULL
);
