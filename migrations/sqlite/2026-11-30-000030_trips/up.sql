-- After the visa (issue 16): the worker's trips to the United States, entered by the employer
-- or the desk, or imported from the I-94 travel history. A trip belongs to the case it was
-- recorded on; passport_index (the case's blind index) links one worker's trips across cases
-- and sponsors, for the desk only. exit_date is empty while the worker is in the U.S.
CREATE TABLE trips (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    passport_index TEXT NOT NULL,
    admission_class TEXT NOT NULL,
    entry_date DATE NOT NULL,
    exit_date DATE,
    port TEXT,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (exit_date IS NULL OR exit_date >= entry_date),
    CHECK (source IN ('entered', 'i94_import'))
);
CREATE INDEX trips_case_idx ON trips (case_id, entry_date);
CREATE INDEX trips_passport_idx ON trips (passport_index, entry_date);
