-- The overstay check (issue 16). A trip may carry the I-94's admit-until date; when an exit
-- falls after it, or a trip stays open past it, an alert tells the desk. An alert never sets
-- a violation by itself: the officer records a finding with a reason (and may then amend the
-- worker's facts). One alert per trip.
ALTER TABLE trips ADD COLUMN admitted_until DATE;
CREATE TABLE overstay_alerts (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    trip_id TEXT NOT NULL UNIQUE REFERENCES trips (id),
    admitted_until DATE NOT NULL,
    -- 'exit_after': the recorded exit is after admitted_until; 'open_past': no exit recorded
    -- and admitted_until has passed
    kind TEXT NOT NULL,
    detected_on DATE NOT NULL,
    -- 'open' until the desk records a finding: 'no_violation' or 'violation'
    status TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK (kind IN ('exit_after', 'open_past')),
    CHECK (status IN ('open', 'no_violation', 'violation')),
    CHECK ((status = 'open') = (decided_at IS NULL))
);
CREATE INDEX overstay_alerts_case_idx ON overstay_alerts (case_id, status);
CREATE INDEX overstay_alerts_open_idx ON overstay_alerts (status, created_at);
-- the queue's flag: an alert awaits the desk's finding (kept with the alerts)
ALTER TABLE cases ADD COLUMN overstay_open BOOLEAN NOT NULL DEFAULT FALSE;
-- the daily sweep: open trips with an admit-until date
CREATE INDEX trips_open_admitted_idx ON trips (admitted_until) WHERE exit_date IS NULL;
