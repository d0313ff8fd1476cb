use std::fmt;

use super::InvalidValue;

/// An e-mail address as typed (trimmed), plus its lower-cased form used for uniqueness.
/// The check is deliberately modest (one `@`, a dotted domain, no spaces, 254 characters at
/// most): the real test of an address is the mail that reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(InvalidValue::new("is required"));
        }
        if value.chars().count() > 254 {
            return Err(InvalidValue::new("must be at most 254 characters"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(InvalidValue::new(
                "must be an e-mail address like name@example.com",
            ));
        };
        let well_formed = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(InvalidValue::new(
                "must be an e-mail address like name@example.com",
            ));
        }
        Ok(EmailAddress(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form stored in the unique column: addresses differing only by case are one.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    /// `k***@example.com`: enough to tell mails apart in logs without exposing the address.
    pub fn masked(&self) -> String {
        mask_email(&self.0)
    }
}

/// Masks the local part of any address-like string, for logs.
pub fn mask_email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        let e = EmailAddress::parse("  Kim.Minjun@Example.CO.KR ").unwrap();
        assert_eq!(e.as_str(), "Kim.Minjun@Example.CO.KR");
        assert_eq!(e.normalized(), "kim.minjun@example.co.kr");
        assert_eq!(e.masked(), "K***@Example.CO.KR");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.com",
            "@b.com",
            "a b@c.com",
            "a@.com",
            "a@com.",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
