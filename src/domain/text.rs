//! Free text typed by people: limits, and the one-line form used where text lands in a
//! single-line document (the visa annotation, a mail subject).

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
