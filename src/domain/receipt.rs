//! Receipt numbers: `KIT` + the two-digit U.S. fiscal year of filing + a 7-digit sequence
//! within that year + one Luhn check digit over those 9 digits (13 characters,
//! e.g. `KIT2700000017`).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::InvalidValue;

pub const PREFIX: &str = "KIT";
pub const MAX_SEQUENCE: u32 = 9_999_999;

/// The U.S. federal fiscal year a date falls in: it starts on October 1 of the year before
/// (2026-10-01 … 2027-09-30 is FY2027).
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 10 {
        date.year() + 1
    } else {
        date.year()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptNumber(String);

impl ReceiptNumber {
    /// The receipt for `sequence` (1-based) in `fiscal_year`.
    pub fn new(fiscal_year: i32, sequence: u32) -> Result<Self, InvalidValue> {
        if sequence == 0 || sequence > MAX_SEQUENCE {
            return Err(InvalidValue::new("receipt sequence out of range"));
        }
        let payload = format!("{:02}{:07}", fiscal_year.rem_euclid(100), sequence);
        let check = luhn_check_digit(&payload);
        Ok(ReceiptNumber(format!("{PREFIX}{payload}{check}")))
    }

    /// Parses what a person typed: case, spaces and hyphens do not matter; the check digit
    /// must be right.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let invalid = || InvalidValue::new("must be a receipt number like KIT2700000017");
        let digits = cleaned.strip_prefix(PREFIX).ok_or_else(invalid)?;
        if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        let (payload, check) = digits.split_at(9);
        if !check.starts_with(luhn_check_digit(payload)) {
            return Err(InvalidValue::new(
                "is not a valid receipt number (check digit does not match)",
            ));
        }
        Ok(ReceiptNumber(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReceiptNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Luhn (mod 10) check digit for a string of ASCII digits.
fn luhn_check_digit(payload: &str) -> char {
    let sum: u32 = payload
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            // Doubling starts with the rightmost payload digit, since the check digit will
            // stand to its right.
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap_or('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example() {
        assert_eq!(
            ReceiptNumber::new(2027, 1).unwrap().as_str(),
            "KIT2700000017"
        );
    }

    #[test]
    fn fiscal_year_starts_in_october() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(fiscal_year(d("2026-11-27")), 2027);
        assert_eq!(fiscal_year(d("2026-10-01")), 2027);
        assert_eq!(fiscal_year(d("2026-09-30")), 2026);
        assert_eq!(fiscal_year(d("2027-01-01")), 2027);
    }

    #[test]
    fn parsing_is_tolerant_of_case_spaces_and_hyphens() {
        for typed in [
            "KIT2700000017",
            "kit2700000017",
            "KIT-27-0000001-7",
            " kit 27 0000001 7 ",
        ] {
            assert_eq!(
                ReceiptNumber::parse(typed).unwrap().as_str(),
                "KIT2700000017"
            );
        }
    }

    #[test]
    fn parsing_rejects_bad_check_digits_and_shapes() {
        for bad in [
            "KIT2700000018",
            "KIT270000001",
            "ABC2700000017",
            "KIT27000000170",
            "",
        ] {
            assert!(ReceiptNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_single_digit_error_is_caught() {
        let good = ReceiptNumber::new(2027, 1234567).unwrap();
        let digits: Vec<char> = good.as_str()[3..].chars().collect();
        for pos in 0..digits.len() {
            for d in '0'..='9' {
                if d == digits[pos] {
                    continue;
                }
                let mut changed = digits.clone();
                changed[pos] = d;
                let typed: String = format!("KIT{}", changed.iter().collect::<String>());
                assert!(ReceiptNumber::parse(&typed).is_err(), "{typed}");
            }
        }
    }
}
