//! Free text typed by people: limits, the one-line form used where text lands in a
//! single-line document (the visa annotation, a mail subject), and yes or no as people write it.

/// The longest string any JSON field may hold; fields have their own, smaller limits where
/// they are stored (names 200, reasons and notes 4000, interview location 200).
pub const MAX_FIELD_CHARS: usize = 10_000;

/// The longest interview location.
pub const MAX_LOCATION_CHARS: usize = 200;

/// `text` on one line: every run of whitespace or control characters (newlines, tabs, NUL,
/// the Unicode line and paragraph separators) becomes one space, and the ends are trimmed.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A worksite's address on one line with its state (`"1 Metaplant Way, Ellabell, GA"`), the
/// state added only when the address does not already end with it, as most addresses do
/// (`"5195 S 16th St, Philadelphia, PA 19112"`).
pub fn address_with_state(address: &str, state: &str) -> String {
    let line = one_line(address);
    let state = state.trim();
    // The last word before the ZIP code, if any.
    let ends_with_state = line
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .find(|word| !word.bytes().all(|b| b.is_ascii_digit()))
        .is_some_and(|word| word.eq_ignore_ascii_case(state));
    if state.is_empty() || ends_with_state {
        line
    } else if line.is_empty() {
        state.to_owned()
    } else {
        format!("{line}, {state}")
    }
}

/// A single-line free-text field of at most `max` characters, or why not.
pub fn check_line(text: &str, max: usize) -> Result<String, super::InvalidValue> {
    let line = one_line(text);
    if line.is_empty() {
        return Err(super::InvalidValue::new("is required"));
    }
    if line.chars().count() > max {
        return Err(super::InvalidValue::new(format!(
            "must be at most {max} characters"
        )));
    }
    Ok(line)
}

/// Yes or no as a person writes it in a form or a spreadsheet cell: `true`/`false`,
/// `yes`/`no`, `y`/`n`, `1`/`0`, and as a Korean HR manager does, `예`/`네` and
/// `아니오`/`아니요`, or the `O`/`X` of Korean forms. Anything else is None.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "예" | "네" | "o" => Some(true),
        "false" | "no" | "n" | "0" | "아니오" | "아니요" | "x" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_read_as_people_write_them() {
        for yes in ["true", "Yes", " Y ", "1", "예", "네", "O"] {
            assert_eq!(yes_no(yes), Some(true), "{yes}");
        }
        for no in ["FALSE", "no", "n", "0", "아니오", "아니요", "x"] {
            assert_eq!(yes_no(no), Some(false), "{no}");
        }
        for neither in ["", "maybe", "2", "예정"] {
            assert_eq!(yes_no(neither), None, "{neither}");
        }
    }

    #[test]
    fn text_is_folded_onto_one_line() {
        assert_eq!(
            one_line(" Hanbit\r\nBattery\tSystems\u{2028}Ltd.\u{0} "),
            "Hanbit Battery Systems Ltd."
        );
        assert!(check_line(&"x".repeat(201), 200).is_err());
        assert!(check_line(" \n ", 200).is_err());
        assert_eq!(check_line("Room 3\nGate B", 200).unwrap(), "Room 3 Gate B");
    }

    #[test]
    fn the_state_is_added_to_an_address_only_once() {
        let cases = [
            (
                "5195 S 16th St, Philadelphia, PA 19112",
                "PA",
                "5195 S 16th St, Philadelphia, PA 19112",
            ),
            (
                "1 Metaplant Way, Ellabell, GA 31308-1234",
                "GA",
                "1 Metaplant Way, Ellabell, GA 31308-1234",
            ),
            (
                "1 Metaplant Way,\nEllabell, ga",
                "GA",
                "1 Metaplant Way, Ellabell, ga",
            ),
            (
                "1 Metaplant Way, Ellabell",
                "GA",
                "1 Metaplant Way, Ellabell, GA",
            ),
            // a street named like a state is not the state
            (
                "100 Pa Street, Austin 78701",
                "TX",
                "100 Pa Street, Austin 78701, TX",
            ),
            ("100 Pa Street", "PA", "100 Pa Street, PA"),
            ("12 Gate Rd, Athens", "", "12 Gate Rd, Athens"),
        ];
        for (address, state, line) in cases {
            assert_eq!(address_with_state(address, state), line, "{address}");
        }
    }
}
