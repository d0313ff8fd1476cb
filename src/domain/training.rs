//! The training ledger's values: a session's length, and the months its figures are shown by.
//!
//! A session's length is kept as whole minutes, so that it is exact on every backend and sums
//! without rounding; people write it in hours, in tenths (7.5, 0.1) or quarters (1.25) of an
//! hour, and read it back in hours. Every such value is a whole number of minutes (a tenth is
//! 6 minutes, a quarter 15), and a total of them converts back to hours exactly enough to print
//! with two decimals at most.

use chrono::{Datelike, NaiveDate};

use super::InvalidValue;

/// The longest session: a day.
pub const MAX_MINUTES: i32 = 24 * 60;

/// The length of one training session: more than 0 and at most 24 hours, in tenths or quarters
/// of an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SessionLength(i32);

impl SessionLength {
    /// From hours as a number (`7.5`).
    pub fn from_hours(hours: f64) -> Result<SessionLength, InvalidValue> {
        if !hours.is_finite() || hours <= 0.0 || hours > 24.0 {
            return Err(InvalidValue::new(
                "must be more than 0 and at most 24 hours",
            ));
        }
        let minutes = (hours * 60.0).round();
        // 7.5 h is 450 min exactly; 7.55 h would be 453 min, which is no tenth or quarter
        let whole = (hours * 60.0 - minutes).abs() < 1e-6;
        let minutes = minutes as i32;
        if !whole || (minutes % 6 != 0 && minutes % 15 != 0) {
            return Err(InvalidValue::new(
                "write hours with one decimal (7.5) or in quarters of an hour (1.25)",
            ));
        }
        Ok(SessionLength(minutes))
    }

    /// From hours as written in a spreadsheet cell: `7.5`, `7,5`, `7.5h`, `7.5시간`.
    pub fn parse(text: &str) -> Result<SessionLength, InvalidValue> {
        let text = text.trim();
        let number = text
            .strip_suffix("시간")
            .or_else(|| text.strip_suffix(['h', 'H']))
            .unwrap_or(text)
            .trim()
            .replace(',', ".");
        let hours: f64 = number
            .parse()
            .map_err(|_| InvalidValue::new("must be a number of hours such as 7.5"))?;
        SessionLength::from_hours(hours)
    }

    /// As stored.
    pub fn from_minutes(minutes: i32) -> Option<SessionLength> {
        (minutes > 0 && minutes <= MAX_MINUTES).then_some(SessionLength(minutes))
    }

    pub fn minutes(self) -> i32 {
        self.0
    }

    pub fn hours(self) -> f64 {
        hours(i64::from(self.0))
    }
}

/// Minutes as hours: the nearest number to the exact quotient, which prints as the hours
/// people wrote (`450` → `7.5`, `21` → `0.35`).
pub fn hours(minutes: i64) -> f64 {
    minutes as f64 / 60.0
}

/// A calendar month, the unit of the ledger's charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn next(self) -> Month {
        if self.month >= 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn before(self) -> Month {
        if self.month <= 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// `2026-11`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// Every month from `first` to `last`, both included; at most the last `cap` of them.
    pub fn range(first: Month, last: Month, cap: usize) -> Vec<Month> {
        let mut months = Vec::new();
        let mut m = first;
        while m <= last {
            months.push(m);
            m = m.next();
        }
        let skip = months.len().saturating_sub(cap);
        months.split_off(skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_tenths_or_quarters_of_an_hour_up_to_a_day() {
        assert_eq!(SessionLength::from_hours(7.5).unwrap().minutes(), 450);
        assert_eq!(SessionLength::from_hours(0.1).unwrap().minutes(), 6);
        assert_eq!(SessionLength::from_hours(1.25).unwrap().minutes(), 75);
        assert_eq!(SessionLength::from_hours(24.0).unwrap().minutes(), 1440);
        for bad in [0.0, -1.0, 24.1, f64::NAN, 7.55, 0.05, 1.333] {
            assert!(SessionLength::from_hours(bad).is_err(), "{bad}");
        }
        assert_eq!(SessionLength::parse(" 7,5 ").unwrap().minutes(), 450);
        assert_eq!(SessionLength::parse("3시간").unwrap().minutes(), 180);
        assert_eq!(SessionLength::parse("2.25h").unwrap().minutes(), 135);
        assert!(SessionLength::parse("half a day").is_err());
        assert!(SessionLength::from_minutes(0).is_none());
    }

    #[test]
    fn totals_print_as_the_hours_people_wrote() {
        assert_eq!(hours(450).to_string(), "7.5");
        assert_eq!(hours(6 + 15).to_string(), "0.35");
        assert_eq!(hours(6 * 7).to_string(), "0.7");
        assert_eq!(hours(0).to_string(), "0");
    }

    #[test]
    fn month_ranges_cross_years_and_keep_the_latest() {
        let m = |y, m| Month { year: y, month: m };
        let all = Month::range(m(2025, 11), m(2026, 2), 12);
        let labels: Vec<String> = all.iter().map(|m| m.label()).collect();
        assert_eq!(labels, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(
            Month::range(m(2025, 11), m(2026, 2), 2),
            [m(2026, 1), m(2026, 2)]
        );
        assert!(Month::range(m(2026, 3), m(2026, 2), 12).is_empty());
        assert_eq!(m(2026, 1).before(), m(2025, 12));
    }
}
