//! The interview calendar: the days the embassy is closed (weekends, Korean public holidays,
//! U.S. federal holidays: `closed_days.toml`, dated, with its sources) and how a window of a
//! working day is cut into slots. Pure values; times are Seoul wall-clock times here, turned
//! into UTC instants by the caller (`time::from_desk_time`).

use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Deserialize;

/// One holiday of one country, as listed in `closed_days.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    /// `KR` or `US`.
    pub country: String,
    pub en: String,
    pub ko: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosedDaysFile {
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    days: Vec<Holiday>,
}

const CLOSED_DAYS_TOML: &str = include_str!("closed_days.toml");

/// Parses the list compiled into the binary.
fn parse_closed_days(source: &str) -> Result<ClosedDaysFile, toml::de::Error> {
    toml::from_str(source)
}

#[allow(clippy::expect_used)]
static CLOSED_DAYS: LazyLock<ClosedDaysFile> = LazyLock::new(|| {
    // The file is compiled in; `the_closed_days_file_parses_and_is_dated` proves it parses.
    parse_closed_days(CLOSED_DAYS_TOML).expect("closed_days.toml is valid")
});

/// The years the holiday list covers, `(from, to)`: outside them only weekends close.
pub fn closed_days_coverage() -> (NaiveDate, NaiveDate) {
    (CLOSED_DAYS.valid_from, CLOSED_DAYS.valid_to)
}

/// Why the embassy is closed on `date`, if it is: the weekend, or each holiday of that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closure {
    Weekend,
    Holidays(Vec<Holiday>),
}

impl Closure {
    /// `(English, Korean)` words for a message.
    pub fn describe(&self) -> (String, String) {
        match self {
            Closure::Weekend => ("a weekend day".into(), "주말".into()),
            Closure::Holidays(days) => (
                days.iter()
                    .map(|d| format!("{} ({})", d.en, d.country))
                    .collect::<Vec<_>>()
                    .join(", "),
                days.iter()
                    .map(|d| d.ko.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    }
}

pub fn closure_on(date: NaiveDate) -> Option<Closure> {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return Some(Closure::Weekend);
    }
    let days: Vec<Holiday> = CLOSED_DAYS
        .days
        .iter()
        .filter(|d| d.date == date)
        .cloned()
        .collect();
    (!days.is_empty()).then_some(Closure::Holidays(days))
}

pub const MIN_SLOT_MINUTES: i64 = 5;
pub const MAX_SLOT_MINUTES: i64 = 240;
pub const MAX_CAPACITY: i64 = 100;
/// A window is at most a working day of slots.
pub const MAX_SLOTS: usize = 96;

/// A slot's Seoul wall-clock start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTimes {
    pub starts: NaiveDateTime,
    pub ends: NaiveDateTime,
}

/// Parses `"09:00"` (Seoul time of day).
pub fn parse_time_of_day(raw: &str) -> Result<NaiveTime, super::InvalidValue> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| super::InvalidValue::new("must be a time of day as HH:MM (Seoul time)"))
}

/// Cuts `start`..`end` of `date` into slots of `slot_minutes`. The window must hold a whole
/// number of slots. Errors name the field at fault.
pub fn cut_window(
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    slot_minutes: i64,
) -> Result<Vec<SlotTimes>, (&'static str, String)> {
    if !(MIN_SLOT_MINUTES..=MAX_SLOT_MINUTES).contains(&slot_minutes) {
        return Err((
            "slot_minutes",
            format!("must be between {MIN_SLOT_MINUTES} and {MAX_SLOT_MINUTES}"),
        ));
    }
    if end <= start {
        return Err(("end", "must be after start".into()));
    }
    let length = (end - start).num_minutes();
    if length % slot_minutes != 0 {
        return Err((
            "end",
            format!("the window ({length} minutes) must hold a whole number of {slot_minutes}-minute slots"),
        ));
    }
    let count = (length / slot_minutes) as usize;
    if count > MAX_SLOTS {
        return Err((
            "slot_minutes",
            format!("at most {MAX_SLOTS} slots a window"),
        ));
    }
    let first = date.and_time(start);
    Ok((0..count as i64)
        .map(|i| SlotTimes {
            starts: first + Duration::minutes(i * slot_minutes),
            ends: first + Duration::minutes((i + 1) * slot_minutes),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_closed_days_file_parses_and_is_dated() {
        let file = parse_closed_days(CLOSED_DAYS_TOML).unwrap();
        assert_eq!(file.valid_from, d("2026-01-01"));
        assert_eq!(file.valid_to, d("2027-12-31"));
        for day in &file.days {
            assert!(day.country == "KR" || day.country == "US", "{day:?}");
            assert!(
                (file.valid_from..=file.valid_to).contains(&day.date),
                "{day:?}"
            );
            assert!(!day.en.is_empty() && !day.ko.is_empty());
        }
        // Eleven U.S. federal holidays a year (2027 also carries 1 January 2028, observed).
        let us = |y: i32| {
            file.days
                .iter()
                .filter(|h| h.country == "US" && h.date.year() == y)
                .count()
        };
        assert_eq!((us(2026), us(2027)), (11, 12));
    }

    #[test]
    fn weekends_and_both_countries_holidays_close() {
        assert_eq!(closure_on(d("2026-12-05")), Some(Closure::Weekend));
        // Thanksgiving is a U.S. holiday only; Chuseok a Korean one.
        let thanksgiving = closure_on(d("2026-11-26")).unwrap();
        assert!(thanksgiving.describe().0.contains("Thanksgiving"));
        assert!(closure_on(d("2026-09-25"))
            .unwrap()
            .describe()
            .1
            .contains("추석"));
        // Observed U.S. holidays and Korean substitute holidays.
        assert!(closure_on(d("2026-07-03")).is_some());
        assert!(closure_on(d("2027-02-09")).is_some());
        // 16 February 2026 is both Washington's Birthday and the eve of Seollal.
        match closure_on(d("2026-02-16")).unwrap() {
            Closure::Holidays(days) => assert_eq!(days.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(closure_on(d("2026-12-01")), None);
        assert_eq!(closure_on(d("2027-03-02")), None);
    }

    #[test]
    fn a_window_is_cut_into_whole_slots() {
        let t = |s| parse_time_of_day(s).unwrap();
        let slots = cut_window(d("2026-12-01"), t("09:00"), t("11:00"), 15).unwrap();
        assert_eq!(slots.len(), 8);
        assert_eq!(slots[0].starts.to_string(), "2026-12-01 09:00:00");
        assert_eq!(slots[7].ends.to_string(), "2026-12-01 11:00:00");
        assert_eq!(
            cut_window(d("2026-12-01"), t("09:00"), t("09:50"), 15)
                .unwrap_err()
                .0,
            "end"
        );
        assert_eq!(
            cut_window(d("2026-12-01"), t("11:00"), t("09:00"), 15)
                .unwrap_err()
                .0,
            "end"
        );
        assert_eq!(
            cut_window(d("2026-12-01"), t("09:00"), t("11:00"), 0)
                .unwrap_err()
                .0,
            "slot_minutes"
        );
        assert!(parse_time_of_day("9h").is_err());
    }
}
