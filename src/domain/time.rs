//! Time values as stored: UTC, truncated to microseconds (PostgreSQL `timestamp` keeps
//! microseconds, SQLite text would keep nanoseconds; truncating makes both read back equal).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, Timelike, Utc};

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

/// The desk works on Seoul time: UTC+9 all year (Korea has no daylight saving time).
const DESK_UTC_OFFSET_HOURS: i64 = 9;

/// Seoul wall-clock time of an instant.
pub fn desk_time(at: DateTime<Utc>) -> NaiveDateTime {
    (at + Duration::hours(DESK_UTC_OFFSET_HOURS)).naive_utc()
}

/// Seoul's offset from UTC, +09:00.
pub fn seoul_offset() -> FixedOffset {
    FixedOffset::east_opt((DESK_UTC_OFFSET_HOURS * 3600) as i32).unwrap_or_else(|| Utc.fix())
}

/// An instant as Seoul time with its offset (`2026-12-01T09:00:00+09:00`): what the API
/// shows for interview times.
pub fn in_seoul(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&seoul_offset())
}

/// `2026-12-01 09:00 KST`: how pages and mails write a Seoul time.
pub fn seoul_label(at: DateTime<Utc>) -> String {
    format!("{} KST", desk_time(at).format("%Y-%m-%d %H:%M"))
}

/// Today's date in Seoul: a filing made at 08:00 in Seoul is filed on that Seoul date.
pub fn desk_today() -> NaiveDate {
    desk_time(Utc::now()).date()
}

/// The desk's calendar: Seoul's date, or a rehearsal's date that advances with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeskClock {
    offset_days: i64,
}

impl DeskClock {
    /// A calendar on which today is `date` (and tomorrow the day after).
    pub fn starting_on(date: NaiveDate) -> DeskClock {
        DeskClock {
            offset_days: (date - desk_today()).num_days(),
        }
    }

    pub fn today(&self) -> NaiveDate {
        desk_today() + Duration::days(self.offset_days)
    }

    pub fn is_rehearsal(&self) -> bool {
        self.offset_days != 0
    }
}

/// The instant of a Seoul wall-clock time.
pub fn from_desk_time(local: NaiveDateTime) -> DateTime<Utc> {
    (local - Duration::hours(DESK_UTC_OFFSET_HOURS)).and_utc()
}
