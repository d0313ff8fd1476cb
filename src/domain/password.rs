//! Passwords chosen by people, checked as NIST SP 800-63B asks: a length range, a blocklist of
//! passwords known to be common, and no composition rules (no "one digit and one symbol").

use std::fmt;

use super::InvalidValue;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Passwords that lead every breach corpus, plus words an attacker would try here first.
/// Compared case-insensitively.
const BLOCKLIST: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "87654321",
    "11111111",
    "00000000",
    "88888888",
    "99999999",
    "123123123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "qwertyui",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "iloveyou",
    "iloveyou1",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "trustno1",
    "welcome1",
    "welcome123",
    "letmein1",
    "abc12345",
    "abcd1234",
    "monkey12",
    "dragon12",
    "master12",
    "starwars",
    "whatever",
    "computer",
    "internet",
    "changeme",
    "changeme1",
    "admin123",
    "administrator",
    "default1",
    "secret12",
    "access14",
    "mustang1",
    "shadow12",
    "michael1",
    "jennifer",
    "samsung1",
    "samsung123",
    "hyundai1",
    "hyundai123",
    "koreakorea",
    "korea123",
    "seoul123",
    "sarang12",
    "saranghae",
    "kitdesk1",
    "kitdesk123",
    "embassy1",
    "embassy123",
    "visa1234",
    "qwer1234",
    "asdf1234",
    "zxcv1234",
    "q1w2e3r4",
    "a1b2c3d4",
    "aa123456",
    "a1234567",
    "password!",
    "passwort",
    "motdepasse",
];

/// A password that passed the policy. Its `Debug` never shows the value, so it cannot leak
/// into logs through a `{:?}`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(InvalidValue::new(format!(
                "must be at least {MIN_CHARS} characters"
            )));
        }
        if chars > MAX_CHARS {
            return Err(InvalidValue::new(format!(
                "must be at most {MAX_CHARS} characters"
            )));
        }
        let lowered = raw.to_lowercase();
        if BLOCKLIST.contains(&lowered.as_str()) {
            return Err(InvalidValue::new(
                "is too common; choose a longer phrase that others would not guess",
            ));
        }
        if raw.chars().all(|c| raw.starts_with(c)) {
            return Err(InvalidValue::new("must not repeat one character"));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert!(Password::parse("short12").is_err());
        assert!(Password::parse("long enough phrase").is_ok());
        assert!(Password::parse(&"ab".repeat(64)).is_ok());
        assert!(Password::parse(&"ab".repeat(65)).is_err());
        // characters, not bytes: eight Hangul syllables are eight characters
        assert!(Password::parse("한국기술인력비자").is_ok());
    }

    #[test]
    fn blocklist_ignores_case() {
        assert!(Password::parse("Password123").is_err());
        assert!(Password::parse("QWERTYUIOP").is_err());
        assert!(Password::parse("aaaaaaaaaa").is_err());
    }

    #[test]
    fn debug_hides_value() {
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
