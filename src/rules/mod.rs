//! The rules engine: declarative, versioned rule sets for the visa routes, evaluated against
//! facts v1 with an explanation per rule.
//!
//! Owns: the rule-set file format (`rules/*.toml`, see `docs/rules.md`), its validation and
//! embedded tests, effective-dated versions and parameters, condition compilation
//! (zen-expression behind `ConditionEngine`), evaluation and outcomes, and dry runs of drafts.
//! Must not touch the database, HTTP or anything in kitdesk beyond the I/O-free `domain`: callers store rule-set
//! sources and hashes and pass facts in; this module only computes.
//!
//! Files by role: `model` (the file format, kinds, statuses, outcomes), `compiler` (a file
//! checked and compiled into a `RuleSet`), `condition` (the expression engine), `book` (all
//! versions by date, publishing, dry runs), `evaluator` (facts in, explanation out), `json`
//! (the fast explanation writer), `testing` (the tests embedded in rule files).
//!
//! ```ignore
//! let book = RuleBook::builtin()?;                       // the shipped rule sets
//! let facts: serde_json::Value = serde_json::from_str(body)?;
//! let ctx = EvalContext::new().with_e4_cap_used(1234);   // ledger values
//! let evaluation = book.evaluate(&facts, &ctx)?;         // every route at once
//! let json = serde_json::to_string(&evaluation)?;
//! ```

mod book;
mod compiler;
mod condition;
mod evaluator;
mod json;
mod model;
mod report;
mod testing;

#[cfg(test)]
mod tests;

pub use book::{check_dir, DryRunCase, DryRunReport, OutcomeChange, RuleBook};
pub use compiler::{DatedValue, Derived, Months, Parameter, Rule, RuleSet};
pub use condition::{
    Binding, ConditionEngine, ConditionError, Origin, ZenEngine, COMPILE_STACK_BYTES, MAX_CHARS,
    MAX_DEPTH, MAX_TOKENS,
};
pub use evaluator::{
    add_months_clamped, days_inclusive, document_name_en, document_name_ko, fiscal_year,
    outcome_of, EvalContext, Evaluation, FactsError, ParamValues, ReadValues, RouteResult,
    RuleResult, RuleSetRef, DAYS_IN_US_LAST_365, E4_CAP_USED, ESTA_ADMISSION_DAYS,
};
pub use model::{
    BaseType, DocumentKind, Outcome, RuleKind, RuleSetStatus, RuleStatus, ValueType, ValuedAt,
    COMMON_ROUTE,
};
pub use report::{Problem, ValidationReport};
pub use testing::{test_book, TestCaseReport, TestReport};
