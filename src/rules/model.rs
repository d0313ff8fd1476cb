//! The rule-set file format as written in `rules/*.toml`, before validation.
//!
//! These types mirror the TOML one to one (serde does the parsing); nothing here is trusted
//! until `book::compile_rule_set` has checked it and turned it into a `RuleSet`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The route id of `common.toml`: its rules are evaluated with every route.
pub const COMMON_ROUTE: &str = "COMMON";

/// Route outcome (see `docs/rules.md`, "Outcome").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Eligible,
    NeedsReview,
    Ineligible,
    /// No version of the route is in force on the evaluation date.
    NotAvailable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Eligible => "eligible",
            Outcome::NeedsReview => "needs_review",
            Outcome::Ineligible => "ineligible",
            Outcome::NotAvailable => "not_available",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    Passed,
    Failed,
    NotApplicable,
    Error,
    /// An evidence rule declared true, awaiting the officer's confirmation of its document.
    Unconfirmed,
    /// An evidence rule whose document an officer confirmed on the case.
    Confirmed,
    /// A discretion rule (or a hard rule's `review_if`) asking for the officer's judgement.
    Flagged,
    /// A notice shown to the officer; it never changes the outcome.
    Noted,
}

impl RuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Passed => "passed",
            RuleStatus::Failed => "failed",
            RuleStatus::NotApplicable => "not_applicable",
            RuleStatus::Error => "error",
            RuleStatus::Unconfirmed => "unconfirmed",
            RuleStatus::Confirmed => "confirmed",
            RuleStatus::Flagged => "flagged",
            RuleStatus::Noted => "noted",
        }
    }

    /// Shown first in an explanation: what decides or holds up the outcome.
    pub(crate) fn rank(self) -> u8 {
        match self {
            RuleStatus::Failed | RuleStatus::Error => 0,
            RuleStatus::Flagged | RuleStatus::Unconfirmed => 1,
            RuleStatus::Noted => 2,
            _ => 3,
        }
    }
}

/// Whether a rule set is law (`in_force`) or a proposal run for information (`sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSetStatus {
    InForce,
    Sandbox,
}

/// How a failing rule weighs on the route outcome (see `docs/rules.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Decided by the facts: failed makes the route `ineligible`.
    Hard,
    /// A declared fact an officer confirms with a named document: declared false fails like a
    /// hard rule (format 2); declared true is `unconfirmed` until confirmed on the case.
    Evidence,
    /// An officer's judgement: when it flags, the route is at best `needs_review`.
    Discretion,
    /// Shown to the officer, never changes the outcome (format 2).
    Notice,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Hard => "hard",
            RuleKind::Evidence => "evidence",
            RuleKind::Discretion => "discretion",
            RuleKind::Notice => "notice",
        }
    }
}

/// The kinds of document evidence rules name: `crate::domain::document::DocumentKind`.
pub use crate::domain::document::DocumentKind;

/// Which date values a parameter: the evaluation date, or the planned entry when that is later
/// (admission parameters: the Visa Waiver list, the six-month club, the travel bars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValuedAt {
    #[default]
    Evaluation,
    Admission,
}

/// The declared type of an input a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ValueType {
    pub base: BaseType,
    /// `number?`: JSON `null` is accepted (an absent key is still an error).
    pub nullable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseType {
    String,
    Number,
    Bool,
    /// `YYYY-MM-DD`, no time, no zone.
    Date,
    ListString,
    /// A table of names to values (parameters only, e.g. country -> date of a travel bar):
    /// read by derived values in Rust, never declared as a rule input.
    Table,
}

impl ValueType {
    /// Parses `string`, `number`, `bool`, `date`, `list<string>`, each optionally ending in `?`.
    pub fn parse(text: &str) -> Option<Self> {
        let (body, nullable) = match text.strip_suffix('?') {
            Some(body) => (body, true),
            None => (text, false),
        };
        let base = match body {
            "string" => BaseType::String,
            "number" => BaseType::Number,
            "bool" => BaseType::Bool,
            "date" => BaseType::Date,
            "list<string>" => BaseType::ListString,
            _ => return None,
        };
        Some(Self { base, nullable })
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = match self.base {
            BaseType::String => "string",
            BaseType::Number => "number",
            BaseType::Bool => "bool",
            BaseType::Date => "date",
            BaseType::ListString => "list<string>",
            BaseType::Table => "table",
        };
        write!(f, "{base}{}", if self.nullable { "?" } else { "" })
    }
}

/// One rule-set file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetFile {
    pub route: String,
    pub version: u32,
    /// Semantics of kinds and statuses: 1 (the first rule sets, kept for replay) or 2
    /// (contract v2: evidence declared false fails, unconfirmed/confirmed, flagged, notice).
    #[serde(default = "format_one")]
    pub format: u32,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    pub status: RuleSetStatus,
    pub title_en: String,
    pub title_ko: String,
    /// FAM/CFR basis, printed in approval annotations.
    pub basis: String,
    #[serde(default)]
    pub note: Option<String>,
    /// A caution shown on every evaluation and page (format 2): the route's legal status is
    /// uncertain, and only a supervisor may approve it.
    #[serde(default)]
    pub caution_en: Option<String>,
    #[serde(default)]
    pub caution_ko: Option<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, ParameterFile>,
    #[serde(default)]
    pub derived: BTreeMap<String, DerivedFile>,
    #[serde(default)]
    pub rules: Vec<RuleFile>,
    #[serde(default)]
    pub base_facts: Option<toml::Table>,
    #[serde(default)]
    pub tests: Vec<TestFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterFile {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub valued_at: ValuedAt,
    pub values: Vec<DatedValueFile>,
}

fn format_one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedValueFile {
    pub from: NaiveDate,
    pub value: toml::Value,
    pub citation: String,
    /// When the value was last checked against its source.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// A value computed in Rust from dates, so that calendar rounding is explicit and tested.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum DerivedFile {
    /// Days from `from` to `to`, both days counted (`to - from + 1`).
    DaysInclusive { from: String, to: String },
    /// `date` plus whole calendar months, clamped to the last day of the target month.
    AddMonths { date: String, months: MonthsFile },
    /// The countries of `trips` (a list of `{country, from, to, official_duty}`) whose trip
    /// ended on or after that country's date in the table parameter `bars`; `official`
    /// selects the trips on official duty (true) or the others (false).
    BarredTravel {
        trips: String,
        bars: String,
        official: bool,
    },
}

/// A month count: a literal or the name of an integer parameter (`"param.x"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MonthsFile {
    Literal(u32),
    Parameter(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: String,
    pub kind: RuleKind,
    pub title_en: String,
    pub title_ko: String,
    pub citation: String,
    #[serde(default)]
    pub reads: BTreeMap<String, String>,
    #[serde(default)]
    pub applies_if: Option<String>,
    pub condition: String,
    /// When the condition passes and this holds, the rule is `flagged` for the officer
    /// instead of passing (format 2; e.g. travel to a barred country on official duty).
    #[serde(default)]
    pub review_if: Option<String>,
    /// The document an evidence rule is confirmed with (format 2: required for evidence).
    #[serde(default)]
    pub document: Option<String>,
    /// Common rules only: routes this rule is not evaluated with.
    #[serde(default)]
    pub except_routes: Vec<String>,
    /// Failed (or flagged, noted) message.
    pub message_en: String,
    pub message_ko: String,
    /// Passed message; for an evidence rule, what the officer checks in the document
    /// (format 2: required).
    #[serde(default)]
    pub passed_en: Option<String>,
    #[serde(default)]
    pub passed_ko: Option<String>,
    /// Message when `review_if` flags.
    #[serde(default)]
    pub review_en: Option<String>,
    #[serde(default)]
    pub review_ko: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    pub name: String,
    /// Dotted path → value, applied over `base_facts`.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// Dotted paths deleted from `base_facts` (to test missing facts).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Ledger values (`e4_cap_used`, …) given to the evaluation.
    #[serde(default)]
    pub context: BTreeMap<String, toml::Value>,
    pub outcome: Outcome,
    /// The evaluation date (default: the filing date).
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// Evidence rules confirmed on the case.
    #[serde(default)]
    pub confirmed_rules: Vec<String>,
    #[serde(default)]
    pub failed: Vec<String>,
    #[serde(default)]
    pub errors: Vec<String>,
    /// Exact sets, checked only when given (format 2 statuses).
    #[serde(default)]
    pub flagged: Option<Vec<String>>,
    #[serde(default)]
    pub unconfirmed: Option<Vec<String>>,
    #[serde(default)]
    pub confirmed: Option<Vec<String>>,
    #[serde(default)]
    pub noted: Option<Vec<String>>,
}
