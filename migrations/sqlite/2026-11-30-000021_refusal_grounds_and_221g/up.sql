-- The legal ground of a refusal (an INA section from domain::refusal), kept beside the
-- decision's reason.
CREATE TABLE case_refusals (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    ground TEXT NOT NULL,
    refused_at TIMESTAMP NOT NULL
);

-- INA 221(g) administrative processing after the interview: its own clock (started, ended)
-- and what it waits on.
CREATE TABLE administrative_processing (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    started_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    documents TEXT NOT NULL,
    ended_at TIMESTAMP,
    outcome TEXT
);
