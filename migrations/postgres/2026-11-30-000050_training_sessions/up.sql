-- After the visa (issue 16): the training ledger. Korean technicians train the U.S. workers who
-- will run the equipment; each row is one training session given by the worker of a case.
-- sponsor_id and project_id are copied from the case (reports group by them without a join
-- through cases); passport_index is the case's passport blind index, so one trainer counts
-- once across cases and sponsors. Duration is kept as whole minutes (exact on both backends;
-- the API speaks hours such as 7.5, in tenths or quarters of an hour). us_workers_trained
-- counts trainee places: a U.S. worker trained in two sessions counts twice.
CREATE TABLE training_sessions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    passport_index TEXT NOT NULL,
    session_date DATE NOT NULL,
    minutes INTEGER NOT NULL,
    us_workers_trained INTEGER NOT NULL,
    skill TEXT NOT NULL,
    equipment TEXT,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (minutes > 0 AND minutes <= 1440),
    CHECK (us_workers_trained BETWEEN 1 AND 500),
    CHECK (length(skill) BETWEEN 1 AND 200),
    CHECK (equipment IS NULL OR length(equipment) <= 200),
    CHECK (source IN ('entered', 'csv_import'))
);
CREATE INDEX training_sessions_case_idx ON training_sessions (case_id, session_date);
CREATE INDEX training_sessions_sponsor_idx ON training_sessions (sponsor_id, session_date);
CREATE INDEX training_sessions_project_idx ON training_sessions (project_id, session_date);
CREATE INDEX training_sessions_date_idx ON training_sessions (session_date);
-- one worker's sessions on every case (the desk's case page)
CREATE INDEX training_sessions_passport_idx ON training_sessions (passport_index, session_date);
