-- Interview windows a supervisor opens on a working day (Seoul time), cut into slots of a
-- fixed length, each with a capacity. Times are stored in UTC like every other timestamp.
CREATE TABLE interview_windows (
    id TEXT PRIMARY KEY,
    window_date DATE NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    slot_minutes INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    location TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    closed_by TEXT REFERENCES users (id),
    closed_reason TEXT
);
CREATE INDEX interview_windows_date_idx ON interview_windows (window_date);

-- booked never passes capacity: bookings take a place by a conditional update
-- (booked < capacity), and the check is the last line of defence.
CREATE TABLE interview_slots (
    id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL REFERENCES interview_windows (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    location TEXT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT 0,
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX interview_slots_starts_idx ON interview_slots (starts_at);
CREATE INDEX interview_slots_window_idx ON interview_slots (window_id);

-- A case's interview: its slot (none once cancelled), the iCalendar SEQUENCE of the
-- invitation (rises with every change), and how often it was rescheduled.
CREATE TABLE interview_bookings (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    slot_id TEXT REFERENCES interview_slots (id),
    sequence INTEGER NOT NULL DEFAULT 0,
    reschedules INTEGER NOT NULL DEFAULT 0,
    booked_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX interview_bookings_slot_idx ON interview_bookings (slot_id);
