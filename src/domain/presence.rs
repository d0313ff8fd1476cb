//! Days present in the United States, from a worker's trips: the arithmetic behind
//! `GET /cases/{id}/presence`, the derived fact `days_in_us_last_365` and the overstay check.
//! No I/O.
//!
//! Counting (desk practice, as CBP counts a stay): every calendar day on which the worker was
//! in the U.S. counts once, the day of entry and the day of exit both included; days covered
//! by two overlapping trips (a record entered twice, or imported and entered) count once; an
//! open trip (no exit yet) runs to the day of the count. Windows are in days, not years: "the
//! last 365 days" is the day of the count and the 364 before it, leap year or not.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// An I-94 class of admission as CBP writes it (`B1`, `B2`, `WB`, `WT`, `E2`, `L1`, `H1B`…):
/// 1 to 6 capital letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AdmissionClass(String);

impl AdmissionClass {
    pub fn parse(raw: &str) -> Result<AdmissionClass, String> {
        let value: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '/' | ' '))
            .collect::<String>()
            .to_ascii_uppercase();
        if (1..=6).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(AdmissionClass(value))
        } else {
            Err("a class of admission as on the I-94, such as B1, WB or E2".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Admitted under the Visa Waiver Program (ESTA): `WB` (business) or `WT` (tourism).
    pub fn is_visa_waiver(&self) -> bool {
        matches!(self.0.as_str(), "WB" | "WT")
    }
}

impl TryFrom<String> for AdmissionClass {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AdmissionClass::parse(&value)
    }
}

impl From<AdmissionClass> for String {
    fn from(value: AdmissionClass) -> String {
        value.0
    }
}

/// One stay in the U.S.: entry, and exit once the worker has left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub class: AdmissionClass,
    pub entry: NaiveDate,
    pub exit: Option<NaiveDate>,
}

/// Days present in a window, overall and by class of admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceCount {
    pub days: i64,
    /// A day under two classes (overlapping records) counts for the later entry's class, so
    /// the classes add up to `days`.
    pub by_class: BTreeMap<String, i64>,
    /// A stay without an exit that has begun by the window's last day.
    pub open: bool,
}

/// Days present from `first` to `last`, both included. Open stays run to `last`.
pub fn days_present(stays: &[Stay], first: NaiveDate, last: NaiveDate) -> PresenceCount {
    let mut days: BTreeMap<NaiveDate, &AdmissionClass> = BTreeMap::new();
    let mut ordered: Vec<&Stay> = stays.iter().collect();
    ordered.sort_by_key(|s| s.entry);
    let mut open = false;
    for stay in ordered {
        if stay.entry > last {
            continue;
        }
        let end = match stay.exit {
            Some(exit) => exit.min(last),
            None => {
                open = true;
                last
            }
        };
        let mut day = stay.entry.max(first);
        while day <= end {
            days.insert(day, &stay.class);
            day += Duration::days(1);
        }
    }
    let mut by_class = BTreeMap::new();
    for class in days.values() {
        *by_class.entry(class.as_str().to_owned()).or_insert(0) += 1;
    }
    PresenceCount {
        days: days.len() as i64,
        by_class,
        open,
    }
}

/// Days present in the 365 days that end on `on` (that day included).
pub fn last_365(stays: &[Stay], on: NaiveDate) -> PresenceCount {
    days_present(stays, on - Duration::days(364), on)
}

/// What the rules read of a worker's presence for a planned stay (`ctx.days_in_us_last_365`,
/// `ctx.esta_admission_days`), from the recorded stays as known on `today` (open stays run to
/// `today`, never into the future).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedStayPresence {
    /// Recorded days in the 365 days that end on the planned exit, before the planned entry:
    /// the past presence that shares the planned stay's window (the stay itself is counted by
    /// the rule, so no day counts twice).
    pub days_before_stay: i64,
    /// Days from the entry of an ESTA admission that is still open (no departure recorded:
    /// the worker is in the U.S. or on a side trip to Canada, Mexico or the adjacent islands)
    /// to the day before the planned entry: a return within it continues the admission.
    pub esta_admission_days: i64,
}

/// Presence for a stay planned from `entry` to `exit` (both included).
pub fn for_planned_stay(
    stays: &[Stay],
    today: NaiveDate,
    entry: NaiveDate,
    exit: NaiveDate,
) -> PlannedStayPresence {
    let known: Vec<Stay> = stays
        .iter()
        .filter(|s| s.entry <= today)
        .map(|s| Stay {
            class: s.class.clone(),
            entry: s.entry,
            exit: Some(s.exit.unwrap_or(today).min(today)),
        })
        .collect();
    let first = exit - Duration::days(364);
    let last = entry - Duration::days(1);
    let days_before_stay = if last >= first {
        days_present(&known, first, last).days
    } else {
        0
    };
    let esta_admission_days = stays
        .iter()
        .filter(|s| s.exit.is_none() && s.class.is_visa_waiver() && s.entry <= today)
        .filter(|s| s.entry < entry)
        .map(|s| (entry - s.entry).num_days())
        .max()
        .unwrap_or(0);
    PlannedStayPresence {
        days_before_stay,
        esta_admission_days,
    }
}

/// The last day of a Visa Waiver (ESTA) admission when the I-94's own date is not at hand:
/// the program admits for 90 days (INA 217(a)(1); 8 CFR 217.2), counted like every stay here,
/// the day of entry as the first, so the 90th is entry + 89. For every other class CBP writes
/// the date on each I-94 (a B-1 admission's length is the officer's), so it is read from the
/// record and never guessed: `None`.
pub fn default_admitted_until(class: &AdmissionClass, entry: NaiveDate) -> Option<NaiveDate> {
    class
        .is_visa_waiver()
        .then(|| entry + Duration::days(ESTA_ADMISSION_DAYS - 1))
}

/// Days of one Visa Waiver admission.
pub const ESTA_ADMISSION_DAYS: i64 = 90;

/// How a trip went past its admit-until date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverstayKind {
    /// The recorded exit is after the admit-until date.
    ExitAfter,
    /// No exit is recorded and the admit-until date has passed.
    OpenPast,
}

impl OverstayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OverstayKind::ExitAfter => "exit_after",
            OverstayKind::OpenPast => "open_past",
        }
    }
}

/// A trip past its admit-until date, as the desk is told of it (never a finding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overstay {
    pub kind: OverstayKind,
    /// Days after the admit-until date: to the exit, or to today for an open trip.
    pub days_over: i64,
}

/// Did the trip from `entry` (exit `exit`, `None` while open) stay past `admitted_until`, as
/// known on `today`? The admit-until day itself is still lawful.
pub fn overstay(
    exit: Option<NaiveDate>,
    admitted_until: NaiveDate,
    today: NaiveDate,
) -> Option<Overstay> {
    match exit {
        Some(exit) if exit > admitted_until => Some(Overstay {
            kind: OverstayKind::ExitAfter,
            days_over: (exit - admitted_until).num_days(),
        }),
        Some(_) => None,
        None if today > admitted_until => Some(Overstay {
            kind: OverstayKind::OpenPast,
            days_over: (today - admitted_until).num_days(),
        }),
        None => None,
    }
}

/// For each day from `first` to `last` (both included), was the worker in the U.S.? The
/// series the presence plot draws; open stays run to `last`.
pub fn daily(stays: &[Stay], first: NaiveDate, last: NaiveDate) -> Vec<bool> {
    let len = ((last - first).num_days() + 1).max(0) as usize;
    let mut present = vec![false; len];
    for stay in stays.iter().filter(|s| s.entry <= last) {
        let end = stay.exit.map_or(last, |exit| exit.min(last));
        let mut day = stay.entry.max(first);
        while day <= end {
            present[(day - first).num_days() as usize] = true;
            day += Duration::days(1);
        }
    }
    present
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn stay(class: &str, entry: &str, exit: Option<&str>) -> Stay {
        Stay {
            class: AdmissionClass::parse(class).unwrap(),
            entry: d(entry),
            exit: exit.map(d),
        }
    }

    #[test]
    fn entry_and_exit_days_both_count() {
        let stays = [stay("B1", "2026-03-02", Some("2026-03-02"))];
        assert_eq!(last_365(&stays, d("2026-11-30")).days, 1);
        let stays = [stay("B1", "2026-03-02", Some("2026-03-31"))];
        assert_eq!(last_365(&stays, d("2026-11-30")).days, 30);
    }

    #[test]
    fn overlapping_trips_count_once_and_by_the_later_class() {
        let stays = [
            stay("B1", "2026-03-01", Some("2026-03-10")),
            stay("WB", "2026-03-06", Some("2026-03-15")),
            stay("B1", "2026-03-01", Some("2026-03-10")),
        ];
        let count = last_365(&stays, d("2026-11-30"));
        assert_eq!(count.days, 15);
        assert_eq!(count.by_class["B1"], 5);
        assert_eq!(count.by_class["WB"], 10);
        assert!(!count.open);
    }

    #[test]
    fn an_open_trip_runs_to_the_day_of_the_count() {
        let stays = [stay("E2", "2026-11-21", None)];
        let count = last_365(&stays, d("2026-11-30"));
        assert_eq!((count.days, count.open), (10, true));
        // a trip that begins after the day of the count is not counted
        assert_eq!(last_365(&stays, d("2026-11-20")).days, 0);
    }

    #[test]
    fn the_window_is_365_days_in_leap_years_too() {
        // 2028 is a leap year: 2027-03-02 … 2028-02-29 is 365 days
        let stays = [stay("B1", "2027-01-01", Some("2028-12-31"))];
        assert_eq!(last_365(&stays, d("2028-02-29")).days, 365);
        let stays = [stay("B1", "2028-02-28", Some("2028-03-01"))];
        assert_eq!(last_365(&stays, d("2028-06-01")).days, 3);
        let stays = [stay("B1", "2027-02-28", Some("2027-03-01"))];
        assert_eq!(last_365(&stays, d("2027-06-01")).days, 2);
        // a day just outside the window
        let stays = [stay("B1", "2027-03-01", Some("2027-03-01"))];
        assert_eq!(last_365(&stays, d("2028-02-29")).days, 0);
    }

    #[test]
    fn a_side_trip_inside_an_esta_admission_leaves_the_days_in_the_us_only() {
        // admitted on ESTA on 1 March, to Canada 20-24 March, back until 15 April: the days
        // in Canada are not days in the U.S. (ESTA-SIDETRIP counts the admission, not these)
        let stays = [
            stay("WB", "2026-03-01", Some("2026-03-20")),
            stay("WB", "2026-03-24", Some("2026-04-15")),
        ];
        let count = last_365(&stays, d("2026-11-30"));
        assert_eq!(count.days, 20 + 23);
        assert_eq!(count.by_class["WB"], 43);
    }

    #[test]
    fn classes_are_read_as_the_i94_writes_them() {
        assert_eq!(AdmissionClass::parse(" b-1 ").unwrap().as_str(), "B1");
        assert_eq!(AdmissionClass::parse("H1B").unwrap().as_str(), "H1B");
        assert!(AdmissionClass::parse("").is_err());
        assert!(AdmissionClass::parse("VISITOR1").is_err());
        assert!(AdmissionClass::parse("WB").unwrap().is_visa_waiver());
    }

    #[test]
    fn planned_stay_counts_past_days_in_the_window_ending_at_exit_only() {
        // 2026-03-01..2026-05-29 (90 days), 2026-09-01..2026-09-30 (30 days): a stay planned
        // 2027-01-04..2027-03-04 has the window 2026-03-05..2027-03-04, so 4 days of the first
        // trip fall out of it.
        let stays = [
            stay("B1", "2026-03-01", Some("2026-05-29")),
            stay("B1", "2026-09-01", Some("2026-09-30")),
        ];
        let p = for_planned_stay(&stays, d("2026-11-30"), d("2027-01-04"), d("2027-03-04"));
        assert_eq!(p.days_before_stay, 86 + 30);
        assert_eq!(p.esta_admission_days, 0);
        // no trips: 0
        let none = for_planned_stay(&[], d("2026-11-30"), d("2027-01-04"), d("2027-03-04"));
        assert_eq!(none.days_before_stay, 0);
    }

    #[test]
    fn planned_stay_runs_an_open_trip_to_today_and_never_counts_the_stay_twice() {
        // in the U.S. since 2026-11-01 on WB, no departure recorded (a side trip to Canada on
        // the way): 30 days to today; the planned re-entry on 2026-12-10 is 39 days into the
        // admission.
        let stays = [stay("WB", "2026-11-01", None)];
        let p = for_planned_stay(&stays, d("2026-11-30"), d("2026-12-10"), d("2027-01-20"));
        assert_eq!(p.days_before_stay, 30);
        assert_eq!(p.esta_admission_days, 39);
        // a recorded trip inside the planned stay itself is the stay, not past presence
        let inside = [stay("B1", "2026-11-20", Some("2026-11-28"))];
        let q = for_planned_stay(&inside, d("2026-11-30"), d("2026-11-20"), d("2026-12-20"));
        assert_eq!(q.days_before_stay, 0);
        // a closed ESTA trip ended the admission; a B-1 open trip is no ESTA admission
        let closed = [
            stay("WB", "2026-10-01", Some("2026-10-20")),
            stay("B1", "2026-11-01", None),
        ];
        let r = for_planned_stay(&closed, d("2026-11-30"), d("2026-12-10"), d("2027-01-20"));
        assert_eq!(r.esta_admission_days, 0);
        assert_eq!(r.days_before_stay, 20 + 30);
    }

    #[test]
    fn an_esta_admission_ends_on_its_90th_day_and_other_classes_are_read_from_the_i94() {
        let wb = AdmissionClass::parse("WB").unwrap();
        assert_eq!(
            default_admitted_until(&wb, d("2026-01-01")),
            Some(d("2026-03-31"))
        );
        // a leap year's February is one day more
        assert_eq!(
            default_admitted_until(&wb, d("2028-01-01")),
            Some(d("2028-03-30"))
        );
        let b1 = AdmissionClass::parse("B1").unwrap();
        assert_eq!(default_admitted_until(&b1, d("2026-01-01")), None);
    }

    #[test]
    fn an_overstay_is_an_exit_after_the_admit_until_day_or_an_open_trip_past_it() {
        let until = d("2026-03-31");
        // leaving on the last day is lawful
        assert_eq!(overstay(Some(until), until, d("2026-11-30")), None);
        assert_eq!(
            overstay(Some(d("2026-04-03")), until, d("2026-11-30")),
            Some(Overstay {
                kind: OverstayKind::ExitAfter,
                days_over: 3
            })
        );
        // still in the U.S.: on the last day nothing, the day after one day over
        assert_eq!(overstay(None, until, until), None);
        assert_eq!(
            overstay(None, until, d("2026-04-01")),
            Some(Overstay {
                kind: OverstayKind::OpenPast,
                days_over: 1
            })
        );
    }

    #[test]
    fn the_daily_series_marks_each_day_present_once() {
        let stays = [
            stay("B1", "2026-03-02", Some("2026-03-03")),
            stay("B1", "2026-03-03", Some("2026-03-04")),
            stay("WB", "2026-03-09", None),
        ];
        let days = daily(&stays, d("2026-03-01"), d("2026-03-10"));
        let marks: String = days.iter().map(|p| if *p { '#' } else { '.' }).collect();
        assert_eq!(marks, ".###....##");
        assert_eq!(
            days.iter().filter(|p| **p).count() as i64,
            days_present(&stays, d("2026-03-01"), d("2026-03-10")).days
        );
    }
}
