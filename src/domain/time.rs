//! Time values as stored: UTC, truncated to microseconds (PostgreSQL `timestamp` keeps
//! microseconds, SQLite text would keep nanoseconds; truncating makes both read back equal).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, Timelike, Utc,
};

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

/// A date as a Korean reader writes it: `2026년 12월 14일`.
pub fn date_ko(date: &NaiveDate) -> String {
    date.format("%Y년 %-m월 %-d일").to_string()
}

/// A date as an English reader at the desk writes it: `14 Dec 2026`.
pub fn date_en(date: &NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// An instant in Seoul time with the zone, as a Korean reader writes it:
/// `2026년 12월 1일 09:30 KST`.
pub fn seoul_ko(at: DateTime<Utc>) -> String {
    let seoul = desk_time(at);
    format!("{} {} KST", date_ko(&seoul.date()), seoul.format("%H:%M"))
}

/// An instant in Seoul time with the zone, as an English reader writes it:
/// `1 Dec 2026 09:30 KST`.
pub fn seoul_en(at: DateTime<Utc>) -> String {
    let seoul = desk_time(at);
    format!("{} {} KST", date_en(&seoul.date()), seoul.format("%H:%M"))
}

/// Korean weekdays from Monday, as written after a date: `12월 3일 (목)`.
const WEEKDAYS_KO: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];

/// An appointment (a Seoul wall-clock time) as a Korean reader writes it, with its weekday:
/// `2026년 12월 3일 (목) 09:30`.
pub fn appointment_ko(at: &NaiveDateTime) -> String {
    let weekday = WEEKDAYS_KO[at.weekday().num_days_from_monday() as usize];
    format!("{} ({weekday}) {}", date_ko(&at.date()), at.format("%H:%M"))
}

/// An appointment (a Seoul wall-clock time) as an English reader writes it, with its
/// weekday: `Thu 3 Dec 2026, 09:30`.
pub fn appointment_en(at: &NaiveDateTime) -> String {
    at.format("%a %-d %b %Y, %H:%M").to_string()
}

/// Serializers for answers that carry many dates (a queue page: fifty cases, four each).
/// They write what chrono's own `Serialize` writes (RFC 3339 in UTC with `Z` and as many
/// fractional digits as the value needs; a date as `YYYY-MM-DD`), without going through
/// `fmt` one character at a time, which was a twentieth of a queue page's CPU. Values outside
/// the years 0–9999 (or a leap second) are left to chrono.
pub mod json {
    use std::borrow::Cow;

    use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
    use serde::Serializer;

    /// For `#[serde(serialize_with)]` on a `DateTime<Utc>`.
    pub fn instant<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 30];
        match write_instant(at, &mut buf) {
            Some(text) => s.serialize_str(text),
            None => serde::Serialize::serialize(at, s),
        }
    }

    /// For `#[serde(serialize_with)]` on an `Option<DateTime<Utc>>`.
    pub fn instant_opt<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => instant(at, s),
            None => s.serialize_none(),
        }
    }

    /// For `#[serde(serialize_with)]` on a `NaiveDate`.
    pub fn date<S: Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 10];
        match write_date(day, &mut buf) {
            Some(text) => s.serialize_str(text),
            None => serde::Serialize::serialize(day, s),
        }
    }

    /// For `#[serde(serialize_with)]` on an `Option<NaiveDate>`.
    pub fn date_opt<S: Serializer>(day: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match day {
            Some(day) => date(day, s),
            None => s.serialize_none(),
        }
    }

    /// `day` as JSON writes it (`2026-12-01`), in `buf` when it has four-digit year.
    pub fn date_text<'b>(day: &NaiveDate, buf: &'b mut [u8; 10]) -> Cow<'b, str> {
        match write_date(day, buf) {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(format!("{day:?}")),
        }
    }

    /// `at` as JSON writes it (`2026-12-01T04:05:06.123456Z`), in `buf` when it has a
    /// four-digit year and is no leap second.
    pub fn instant_text<'b>(at: &DateTime<Utc>, buf: &'b mut [u8; 30]) -> Cow<'b, str> {
        match write_instant(at, buf) {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(format!("{at:?}")),
        }
    }

    /// `value` in `out` as `out.len()` decimal digits, zero-padded.
    fn digits(out: &mut [u8], mut value: u32) {
        for place in out.iter_mut().rev() {
            *place = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }

    fn write_date<'b>(day: &NaiveDate, buf: &'b mut [u8; 10]) -> Option<&'b str> {
        let year = u32::try_from(day.year()).ok().filter(|y| *y <= 9999)?;
        digits(&mut buf[0..4], year);
        buf[4] = b'-';
        digits(&mut buf[5..7], day.month());
        buf[7] = b'-';
        digits(&mut buf[8..10], day.day());
        std::str::from_utf8(&buf[..]).ok()
    }

    fn write_instant<'b>(at: &DateTime<Utc>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
        let naive = at.naive_utc();
        let nanos = naive.nanosecond();
        if nanos >= 1_000_000_000 {
            return None;
        }
        let mut day = [0u8; 10];
        buf[..10].copy_from_slice(write_date(&naive.date(), &mut day)?.as_bytes());
        buf[10] = b'T';
        digits(&mut buf[11..13], naive.hour());
        buf[13] = b':';
        digits(&mut buf[14..16], naive.minute());
        buf[16] = b':';
        digits(&mut buf[17..19], naive.second());
        let mut end = 19;
        let (fraction, width) = if nanos == 0 {
            (0, 0)
        } else if nanos % 1_000_000 == 0 {
            (nanos / 1_000_000, 3)
        } else if nanos % 1_000 == 0 {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        if width > 0 {
            buf[end] = b'.';
            digits(&mut buf[end + 1..end + 1 + width], fraction);
            end += 1 + width;
        }
        buf[end] = b'Z';
        std::str::from_utf8(&buf[..end + 1]).ok()
    }

    #[cfg(test)]
    mod tests {
        use chrono::{DateTime, NaiveDate, TimeZone, Utc};

        #[derive(serde::Serialize)]
        struct Ours {
            #[serde(serialize_with = "super::instant")]
            at: DateTime<Utc>,
            #[serde(serialize_with = "super::instant_opt")]
            maybe_at: Option<DateTime<Utc>>,
            #[serde(serialize_with = "super::date")]
            day: NaiveDate,
            #[serde(serialize_with = "super::date_opt")]
            maybe_day: Option<NaiveDate>,
        }

        #[derive(serde::Serialize)]
        struct Chronos {
            at: DateTime<Utc>,
            maybe_at: Option<DateTime<Utc>>,
            day: NaiveDate,
            maybe_day: Option<NaiveDate>,
        }

        #[test]
        fn writes_what_chrono_writes() {
            let base = Utc.with_ymd_and_hms(2026, 12, 1, 4, 5, 6).unwrap();
            let mut instants = vec![
                base,
                Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
                Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(-1, 6, 30, 12, 0, 0).unwrap(),
            ];
            for nanos in [
                1,
                999,
                1_000,
                123_456_000,
                5_000_000,
                999_999_999,
                1_000_000_500,
            ] {
                instants.push(base + chrono::Duration::nanoseconds(nanos));
                // a leap second
                instants.push(
                    NaiveDate::from_ymd_opt(2016, 12, 31)
                        .unwrap()
                        .and_hms_nano_opt(23, 59, 59, 1_000_000_000 + nanos as u32 % 1_000)
                        .unwrap()
                        .and_utc(),
                );
            }
            for (i, at) in instants.into_iter().enumerate() {
                let day = at.date_naive();
                let ours = Ours {
                    at,
                    maybe_at: (i % 2 == 0).then_some(at),
                    day,
                    maybe_day: (i % 3 != 0).then_some(day),
                };
                let theirs = Chronos {
                    at,
                    maybe_at: ours.maybe_at,
                    day,
                    maybe_day: ours.maybe_day,
                };
                assert_eq!(
                    serde_json::to_string(&ours).unwrap(),
                    serde_json::to_string(&theirs).unwrap(),
                    "{at:?}"
                );
                assert_eq!(
                    format!("\"{}\"", super::instant_text(&at, &mut [0; 30])),
                    serde_json::to_string(&at).unwrap()
                );
                assert_eq!(
                    format!("\"{}\"", super::date_text(&day, &mut [0; 10])),
                    serde_json::to_string(&day).unwrap()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointments_read_as_each_language_writes_them() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        assert_eq!(appointment_ko(&at), "2026년 12월 3일 (목) 09:30");
        assert_eq!(appointment_en(&at), "Thu 3 Dec 2026, 09:30");
        // Every weekday, Monday to Sunday.
        let days: Vec<String> = (0..7)
            .map(|n| appointment_ko(&(at + Duration::days(n + 4))))
            .collect();
        assert_eq!(
            days.iter()
                .map(|d| d.split(['(', ')']).nth(1).unwrap())
                .collect::<String>(),
            "월화수목금토일"
        );
    }
}
