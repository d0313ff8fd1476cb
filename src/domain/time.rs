//! Time values as stored: UTC, truncated to microseconds (PostgreSQL `timestamp` keeps
//! microseconds, SQLite text would keep nanoseconds; truncating makes both read back equal).

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

pub fn to_stored(at: DateTime<Utc>) -> NaiveDateTime {
    let naive = at.naive_utc();
    let micros = naive.nanosecond() / 1_000 * 1_000;
    naive.with_nanosecond(micros).unwrap_or(naive)
}

pub fn now() -> NaiveDateTime {
    to_stored(Utc::now())
}

pub fn from_stored(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
