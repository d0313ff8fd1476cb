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
    Hard,
    Evidence,
    Discretion,
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
    pub values: Vec<DatedValueFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedValueFile {
    pub from: NaiveDate,
    pub value: toml::Value,
    pub citation: String,
}

/// A value computed in Rust from dates, so that calendar rounding is explicit and tested.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum DerivedFile {
    /// Days from `from` to `to`, both days counted (`to - from + 1`).
    DaysInclusive { from: String, to: String },
    /// `date` plus whole calendar months, clamped to the last day of the target month.
    AddMonths { date: String, months: MonthsFile },
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
    pub message_en: String,
    pub message_ko: String,
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
    pub outcome: super::eval::Outcome,
    #[serde(default)]
    pub failed: Vec<String>,
    #[serde(default)]
    pub errors: Vec<String>,
}
