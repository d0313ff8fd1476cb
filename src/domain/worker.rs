//! The vocabularies of a worker's facts (facts v1 in docs/domain.md) and their checks.

/// Each list is the contract's vocabulary, in its order.
pub const EDUCATION: &[&str] = &[
    "none",
    "high_school",
    "vocational",
    "associate",
    "bachelor",
    "master",
    "doctorate",
];
pub const JOB_ROLES: &[&str] = &[
    "installer",
    "technician",
    "engineer",
    "trainer",
    "supervisor",
    "manager",
];
pub const PAY_SOURCES: &[&str] = &["foreign", "us", "mixed"];
/// Facts v2's activities (the business visitor's four are new in v2).
pub const ACTIVITIES: &[&str] = &[
    "install",
    "service",
    "repair",
    "train_us_workers",
    "supervise_construction",
    "meetings",
    "negotiate_contracts",
    "consult",
    "conference",
    "site_visit",
    "construction_labor",
    "productive_work",
];
pub const RELATIONSHIPS: &[&str] = &["parent", "branch", "subsidiary", "affiliate", "none"];
pub const SECTORS: &[&str] = &[
    "shipbuilding",
    "energy",
    "batteries",
    "semiconductors",
    "pharmaceuticals",
    "critical_minerals",
    "ai_quantum",
    "automotive",
    "other",
];
pub const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// `Err` naming the allowed values when `value` is not one of them.
pub fn one_of(value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("must be one of {}", allowed.join(", ")))
    }
}

/// Passport numbers compared and indexed in one form: upper case, letters and digits only.
pub fn normalize_passport(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Country codes compared in one form: ISO 3166-1 alpha-2, upper case, trimmed.
pub fn normalize_country(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}
