//! Evaluating facts v1 against rule sets, and the explanation returned to officers.
//!
//! Owns: reading and type-checking declared inputs, derived values (date arithmetic with its
//! rounding), rule statuses and route outcomes. Must not parse rule files (that is `book`).

use super::compiler::{DatedValue, Derived, Months, Read, Rule, RuleSet, Source};
use super::condition::{
    next_evaluation_id, Binding, ConditionEngine, ConditionError, Origin, ZenEngine,
};
use super::model::{BaseType, Outcome, RuleKind, RuleSetStatus, RuleStatus, ValueType, ValuedAt};
use crate::domain::document::DocumentKind;
use chrono::{Months as ChronoMonths, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// Key of the E-4 cap usage in `EvalContext` (read by rules as `ctx.e4_cap_used`).
pub const E4_CAP_USED: &str = "e4_cap_used";

/// Key of the worker's recorded days in the U.S. (`ctx.days_in_us_last_365`): the days in the
/// 365 that end at the planned exit, before the planned entry (the past presence that shares
/// the stay's window). Derived from the trips, never declared; missing, it reads as 0.
pub const DAYS_IN_US_LAST_365: &str = "days_in_us_last_365";

/// Key of the days already spent on an open ESTA admission before the planned entry
/// (`ctx.esta_admission_days`): a return from a side trip to Canada, Mexico or the adjacent
/// islands continues that admission (8 CFR 217.3(b)). Missing, it reads as 0.
pub const ESTA_ADMISSION_DAYS: &str = "esta_admission_days";

/// Context values derived from records: a worker with no records has 0, never a missing fact.
const ZERO_WHEN_MISSING: [&str; 2] = [DAYS_IN_US_LAST_365, ESTA_ADMISSION_DAYS];

static ZERO: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| Value::from(0));

/// What an evaluation reads beside the facts: ledger values (read by rules as `ctx.<name>`),
/// the evidence rules an officer confirmed on the case, and the evaluation date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalContext {
    pub values: BTreeMap<String, Value>,
    /// Evidence rule ids whose documents an officer confirmed on the case.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub confirmed: BTreeSet<String>,
    /// The evaluation date: versions and parameters are chosen by it. `None`: the filing date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

impl EvalContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Evaluates on `date` (the decision date at approval, today on a re-evaluation).
    pub fn on(mut self, date: NaiveDate) -> Self {
        self.on = Some(date);
        self
    }

    /// Evidence rules confirmed on the case.
    pub fn with_confirmed<I, S>(mut self, rules: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.confirmed.extend(rules.into_iter().map(Into::into));
        self
    }

    /// Principals approved so far in the fiscal year of the evaluation (E-4 cap).
    pub fn with_e4_cap_used(mut self, used: u64) -> Self {
        self.values
            .insert(E4_CAP_USED.to_string(), Value::from(used));
        self
    }

    /// The worker's presence from the recorded trips (`ctx.days_in_us_last_365`,
    /// `ctx.esta_admission_days`).
    pub fn with_presence(mut self, days_in_us: u64, esta_admission_days: u64) -> Self {
        self.values
            .insert(DAYS_IN_US_LAST_365.to_string(), Value::from(days_in_us));
        self.values.insert(
            ESTA_ADMISSION_DAYS.to_string(),
            Value::from(esta_admission_days),
        );
        self
    }

    pub fn with_value(mut self, key: &str, value: Value) -> Self {
        self.values.insert(key.to_string(), value);
        self
    }
}

/// The facts document cannot be evaluated at all (every other problem is a rule `error`).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FactsError {
    #[error("facts have no filing_date")]
    MissingFilingDate,
    #[error("filing_date `{value}` is not a YYYY-MM-DD date")]
    InvalidFilingDate { value: String },
    #[error("no version of {route} is in force on {date}")]
    NoVersionInForce { route: String, date: NaiveDate },
}

/// Identifies the exact rule-set version used, so a decision can be replayed.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetRef<'a> {
    pub id: &'a str,
    pub route: &'a str,
    pub version: u32,
    pub status: RuleSetStatus,
    pub hash: &'a str,
}

impl<'a> RuleSetRef<'a> {
    fn of(set: &'a RuleSet) -> Self {
        Self {
            id: &set.id,
            route: &set.route,
            version: set.version,
            status: set.status,
            hash: &set.hash,
        }
    }
}

/// Values a rule read, by path, serialized as a JSON object in declaration order.
#[derive(Debug, Clone, Default)]
pub struct ReadValues<'a>(pub Vec<(&'a str, Cow<'a, Value>)>);

impl Serialize for ReadValues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v.as_ref())))
    }
}

impl ReadValues<'_> {
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| *k == path)
            .map(|(_, v)| v.as_ref())
    }
}

/// Parameters a rule used, name → the dated value in force (with its `from`, citation and
/// "as of" date), serialized as a JSON object.
#[derive(Debug, Clone, Default)]
pub struct ParamValues<'a>(pub Vec<(&'a str, &'a DatedValue)>);

impl Serialize for ParamValues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, *v)))
    }
}

impl ParamValues<'_> {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| &v.value)
    }
}

/// The explanation of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult<'a> {
    pub id: &'a str,
    pub kind: RuleKind,
    pub citation: &'a str,
    pub title_en: &'a str,
    pub title_ko: &'a str,
    /// The document an evidence rule is confirmed with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<&'a str>,
    pub status: RuleStatus,
    /// Why, for every status: the failure (or flag) message, the passed message (for evidence,
    /// what the officer checks in the document), or a short error text.
    pub message_en: Option<Cow<'a, str>>,
    pub message_ko: Option<Cow<'a, str>>,
    /// Inputs read (facts, derived values and their sources, context), path → value.
    /// A missing input is shown as null and the status is `error`.
    pub facts: ReadValues<'a>,
    /// Parameters used, name → value on the filing date.
    pub params: ParamValues<'a>,
    #[serde(skip)]
    pub(crate) rule: &'a Rule,
}

/// One route's result.
#[derive(Debug, Clone, Serialize)]
pub struct RouteResult<'a> {
    pub route: &'a str,
    pub outcome: Outcome,
    pub title_en: &'a str,
    pub title_ko: &'a str,
    /// The legal basis (FAM/CFR), `None` when the route is not available.
    pub basis: Option<&'a str>,
    /// Shown with every evaluation of the route; only a supervisor may approve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caution_en: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caution_ko: Option<&'a str>,
    /// The version evaluated (`status` says `in_force` or `sandbox`); `None` when the route
    /// is not available on the evaluation date.
    pub ruleset: Option<RuleSetRef<'a>>,
    /// The common (GEN) rule set evaluated with this route.
    pub common: Option<RuleSetRef<'a>>,
    /// Failed and error rules first, then the rest; each group in file order (route rules,
    /// then common rules).
    pub rules: Vec<RuleResult<'a>>,
}

impl RouteResult<'_> {
    pub fn rule(&self, id: &str) -> Option<&RuleResult<'_>> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn ids_with(&self, status: RuleStatus) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.id)
            .collect()
    }
}

/// The result of evaluating one facts document against every route.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation<'a> {
    pub filing_date: NaiveDate,
    /// The date versions and parameters were chosen by.
    pub evaluation_date: NaiveDate,
    /// Fiscal year of the evaluation date.
    pub fiscal_year: i32,
    pub routes: Vec<RouteResult<'a>>,
}

impl Evaluation<'_> {
    pub fn route(&self, route: &str) -> Option<&RouteResult<'_>> {
        self.routes.iter().find(|r| r.route == route)
    }
}

/// U.S. federal fiscal year of a date (one definition for the whole crate, in `domain`).
pub use crate::domain::receipt::fiscal_year;

/// Reads `filing_date` from facts: the one fact whose absence stops the whole evaluation.
pub(crate) fn filing_date(facts: &Value) -> Result<NaiveDate, FactsError> {
    match facts.get("filing_date") {
        None | Some(Value::Null) => Err(FactsError::MissingFilingDate),
        Some(Value::String(text)) => {
            parse_date(text).ok_or_else(|| FactsError::InvalidFilingDate {
                value: text.clone(),
            })
        }
        Some(other) => Err(FactsError::InvalidFilingDate {
            value: other.to_string(),
        }),
    }
}

/// Strict `YYYY-MM-DD` (no time, no zone): what facts v1 sends.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    // Hand-rolled: chrono's format-string parser was ~7% of an evaluation.
    let b = text.as_bytes();
    let &[y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = b else {
        return None;
    };
    let digit = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
    let year = digit(y1)? * 1000 + digit(y2)? * 100 + digit(y3)? * 10 + digit(y4)?;
    let month = digit(m1)? * 10 + digit(m2)?;
    let day = digit(d1)? * 10 + digit(d2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `YYYY-MM-DD` (chrono's `format` is a format-string interpreter: slow on the hot path).
pub(crate) fn iso_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// Days from `from` to `to` with both days counted: 2026-03-02 → 2026-05-30 is 90.
pub fn days_inclusive(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days() + 1
}

/// `date` plus calendar months, clamped to the month's last day: 31 Aug + 6 = 28 Feb (29 in a
/// leap year). chrono's `checked_add_months` clamps exactly so; `None` only past year 262143.
pub fn add_months_clamped(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(ChronoMonths::new(months))
}

/// What went wrong with one input; becomes the rule's `error` message.
#[derive(Debug, Clone)]
enum InputProblem {
    Missing(String),
    WrongType {
        path: String,
        expected: ValueType,
        found: &'static str,
    },
    Parameter(String),
    Derived(String),
}

impl InputProblem {
    fn message_en(&self) -> String {
        match self {
            InputProblem::Missing(path) => format!("missing fact `{path}`"),
            InputProblem::WrongType {
                path,
                expected,
                found,
            } => {
                format!("fact `{path}` should be {expected}, found {found}")
            }
            InputProblem::Parameter(name) => {
                format!("parameter `{name}` has no value on the evaluation date")
            }
            InputProblem::Derived(text) => text.clone(),
        }
    }

    fn message_ko(&self) -> String {
        match self {
            InputProblem::Missing(path) => format!("필수 정보 누락: `{path}`"),
            InputProblem::WrongType {
                path,
                expected,
                found,
            } => {
                format!("정보 형식 오류: `{path}`은(는) {expected}이어야 하나 {found}입니다")
            }
            InputProblem::Parameter(name) => format!("평가일 기준 `{name}` 기준값 없음"),
            InputProblem::Derived(text) => format!("계산 오류: {text}"),
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn type_matches(ty: ValueType, value: &Value) -> bool {
    match (ty.base, value) {
        (_, Value::Null) => ty.nullable,
        (BaseType::String, Value::String(_)) => true,
        (BaseType::Number, Value::Number(_)) => true,
        (BaseType::Bool, Value::Bool(_)) => true,
        (BaseType::Date, Value::String(s)) => parse_date(s).is_some(),
        (BaseType::ListString, Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    }
}

fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(root, |node, key| node.get(key))
}

fn lookup_segments<'v>(root: &'v Value, segments: &[String]) -> Option<&'v Value> {
    segments
        .iter()
        .try_fold(root, |node, key| node.get(key.as_str()))
}

/// Everything one evaluation reads, shared by all the rules of one facts document.
pub(crate) struct Inputs<'a> {
    pub facts: &'a Value,
    pub ctx: &'a EvalContext,
    /// Versions and parameters are chosen by this date.
    pub evaluation_date: NaiveDate,
    /// Admission parameters are valued at the planned entry when it is later.
    admission_date: NaiveDate,
    /// Identifies this evaluation's (immutable) facts and context to the condition engine,
    /// which converts each value once per evaluation rather than once per rule.
    evaluation: u64,
}

impl<'a> Inputs<'a> {
    pub fn new(facts: &'a Value, ctx: &'a EvalContext, filing_date: NaiveDate) -> Self {
        let evaluation_date = ctx.on.unwrap_or(filing_date);
        let entry = lookup(facts, "assignment.planned_entry")
            .and_then(Value::as_str)
            .and_then(parse_date);
        Self {
            facts,
            ctx,
            evaluation_date,
            admission_date: entry.map_or(evaluation_date, |e| e.max(evaluation_date)),
            evaluation: next_evaluation_id(),
        }
    }

    /// The date a parameter is valued on.
    pub(crate) fn parameter_date(&self, valued_at: ValuedAt) -> NaiveDate {
        match valued_at {
            ValuedAt::Evaluation => self.evaluation_date,
            ValuedAt::Admission => self.admission_date,
        }
    }

    fn parameter<'s>(&self, set: &'s RuleSet, name: &str) -> Option<&'s DatedValue> {
        set.parameters
            .get(name)
            .and_then(|p| p.value_on(self.parameter_date(p.valued_at)))
    }

    fn fact(&self, read: &Read) -> Result<&'a Value, InputProblem> {
        let found = match read.source {
            Source::Fact => lookup_segments(self.facts, &read.segments),
            Source::Context => {
                let key = read.path.strip_prefix("ctx.").unwrap_or_default();
                self.ctx
                    .values
                    .get(key)
                    .or_else(|| ZERO_WHEN_MISSING.contains(&key).then_some(&*ZERO))
            }
            Source::Derived => None,
        };
        let value = found.ok_or_else(|| InputProblem::Missing(read.path.clone()))?;
        if type_matches(read.ty, value) {
            Ok(value)
        } else {
            Err(InputProblem::WrongType {
                path: read.path.clone(),
                expected: read.ty,
                found: json_kind(value),
            })
        }
    }

    fn date_fact(&self, path: &str) -> Result<(&'a Value, NaiveDate), InputProblem> {
        let ty = ValueType {
            base: BaseType::Date,
            nullable: false,
        };
        let value =
            lookup(self.facts, path).ok_or_else(|| InputProblem::Missing(path.to_string()))?;
        let date = value
            .as_str()
            .and_then(parse_date)
            .ok_or(InputProblem::WrongType {
                path: path.to_string(),
                expected: ty,
                found: json_kind(value),
            })?;
        Ok((value, date))
    }
}

/// Evaluates one rule set (a route's version, or the common set) against the inputs.
pub(crate) fn evaluate_set<'a>(set: &'a RuleSet, inputs: &Inputs<'a>) -> Vec<RuleResult<'a>> {
    let engine = ZenEngine;
    let mut derived_cache: Vec<(&'a str, Result<Value, InputProblem>)> = Vec::new();
    let mut results = Vec::with_capacity(set.rules.len());
    for rule in &set.rules {
        let mut facts = ReadValues(Vec::with_capacity(rule.reads.len() + 2));
        let mut params = ParamValues(Vec::with_capacity(rule.params.len()));
        let mut problem: Option<InputProblem> = None;

        for read in &rule.reads {
            match read.source {
                Source::Derived => {
                    let name = read.path.strip_prefix("derived.").unwrap_or_default();
                    let Some(def) = set.derived.get(name) else {
                        continue;
                    };
                    for source in def.sources() {
                        facts.0.push((
                            source,
                            Cow::Borrowed(lookup(inputs.facts, source).unwrap_or(&Value::Null)),
                        ));
                    }
                    for param in def.parameters() {
                        if params.get(param).is_none() {
                            if let Some((key, _)) = set.parameters.get_key_value(param) {
                                if let Some(dated) = inputs.parameter(set, param) {
                                    params.0.push((key, dated));
                                }
                            }
                        }
                    }
                    let value = match derived_cache.iter().find(|(n, _)| *n == name) {
                        Some((_, v)) => v.clone(),
                        None => {
                            let v = compute_derived(def, set, inputs);
                            derived_cache.push((name_ref(set, name), v.clone()));
                            v
                        }
                    };
                    match value {
                        Ok(v) => facts.0.push((&read.path, Cow::Owned(v))),
                        Err(p) => {
                            facts.0.push((&read.path, Cow::Owned(Value::Null)));
                            problem.get_or_insert(p);
                        }
                    }
                }
                _ => match inputs.fact(read) {
                    Ok(v) => facts.0.push((&read.path, Cow::Borrowed(v))),
                    Err(p) => {
                        let shown =
                            lookup_segments(inputs.facts, &read.segments).unwrap_or(&Value::Null);
                        facts.0.push((&read.path, Cow::Borrowed(shown)));
                        problem.get_or_insert(p);
                    }
                },
            }
        }
        for name in &rule.params {
            match inputs.parameter(set, name) {
                Some(dated) => params.0.push((name, dated)),
                None => {
                    problem.get_or_insert(InputProblem::Parameter(name.clone()));
                }
            }
        }

        let status_and_error = match problem {
            Some(p) => (RuleStatus::Error, Some((p.message_en(), p.message_ko()))),
            None => {
                let mut bindings: Vec<Binding<'_>> =
                    Vec::with_capacity(rule.reads.len() + rule.params.len());
                for read in &rule.reads {
                    if let Some((_, v)) = facts.0.iter().find(|(k, _)| *k == read.path) {
                        // Borrowed values point into the facts or context of this
                        // evaluation; owned ones were computed (derived values).
                        let origin = match v {
                            Cow::Borrowed(_) => Origin::Document {
                                evaluation: inputs.evaluation,
                            },
                            Cow::Owned(_) => Origin::Computed,
                        };
                        bindings.push(Binding {
                            path: &read.path,
                            segments: &read.segments,
                            ty: read.ty,
                            value: v.as_ref(),
                            origin,
                        });
                    }
                }
                for (name, dated) in &params.0 {
                    if let Some(p) = set.parameters.get(*name) {
                        bindings.push(Binding {
                            path: &p.path,
                            segments: &p.segments,
                            ty: p.ty,
                            value: &dated.value,
                            origin: Origin::Constant {
                                key: dated.cache_key,
                            },
                        });
                    }
                }
                run_rule(&engine, set.format, rule, &bindings, &inputs.ctx.confirmed)
            }
        };
        let (status, error) = status_and_error;
        let borrowed =
            |en: &'a str, ko: &'a str| (Some(Cow::Borrowed(en)), Some(Cow::Borrowed(ko)));
        let (message_en, message_ko) = match (status, error) {
            (_, Some((en, ko))) => (Some(Cow::Owned(en)), Some(Cow::Owned(ko))),
            (RuleStatus::Failed | RuleStatus::Noted, None) => {
                borrowed(&rule.message_en, &rule.message_ko)
            }
            (RuleStatus::Flagged, None) => match (&rule.review_en, &rule.review_ko) {
                // A hard rule flagged by `review_if` says why in its own words.
                (Some(en), Some(ko)) if rule.kind != RuleKind::Discretion => borrowed(en, ko),
                _ => borrowed(&rule.message_en, &rule.message_ko),
            },
            (RuleStatus::Confirmed, None) => (
                Some(Cow::Owned(format!(
                    "Confirmed by the desk on the {}. {}",
                    document_name_en(rule.document.as_deref()),
                    rule.passed_en
                ))),
                Some(Cow::Owned(format!(
                    "담당관이 {}(으)로 확인했습니다. {}",
                    document_name_ko(rule.document.as_deref()),
                    rule.passed_ko
                ))),
            ),
            (RuleStatus::NotApplicable, None) => (
                Some(Cow::Borrowed("Does not apply to this case.")),
                Some(Cow::Borrowed("이 신청 건에는 해당하지 않습니다.")),
            ),
            _ => borrowed(&rule.passed_en, &rule.passed_ko),
        };
        results.push(RuleResult {
            id: &rule.id,
            kind: rule.kind,
            citation: &rule.citation,
            title_en: &rule.title_en,
            title_ko: &rule.title_ko,
            document: rule.document.as_deref(),
            status,
            message_en,
            message_ko,
            facts,
            params,
            rule,
        });
    }
    results
}

fn name_ref<'a>(set: &'a RuleSet, name: &str) -> &'a str {
    set.derived
        .get_key_value(name)
        .map_or("", |(k, _)| k.as_str())
}

type RunOutcome = (RuleStatus, Option<(String, String)>);

fn run_rule(
    engine: &ZenEngine,
    format: u32,
    rule: &Rule,
    bindings: &[Binding<'_>],
    confirmed: &BTreeSet<String>,
) -> RunOutcome {
    let error = |e: ConditionError| {
        (
            RuleStatus::Error,
            Some((e.to_string(), format!("조건 평가 오류: {e}"))),
        )
    };
    if let Some(applies) = &rule.compiled_applies_if {
        match engine.eval_bool(applies, bindings) {
            Ok(true) => {}
            Ok(false) => return (RuleStatus::NotApplicable, None),
            Err(e) => return error(e),
        }
    }
    let Some(condition) = &rule.compiled_condition else {
        return error(ConditionError::Syntax("not compiled".into()));
    };
    let holds = match engine.eval_bool(condition, bindings) {
        Ok(holds) => holds,
        Err(e) => return error(e),
    };
    if format < 2 {
        // Format 1 (kept for replaying decisions made under it): passed or failed only.
        let status = if holds {
            RuleStatus::Passed
        } else {
            RuleStatus::Failed
        };
        return (status, None);
    }
    let status = match (rule.kind, holds) {
        (RuleKind::Hard, false) | (RuleKind::Evidence, false) => RuleStatus::Failed,
        (RuleKind::Discretion, false) => RuleStatus::Flagged,
        (RuleKind::Notice, false) => RuleStatus::Noted,
        (RuleKind::Evidence, true) if confirmed.contains(&rule.id) => RuleStatus::Confirmed,
        (RuleKind::Evidence, true) => RuleStatus::Unconfirmed,
        (_, true) => match &rule.compiled_review_if {
            Some(review) => match engine.eval_bool(review, bindings) {
                Ok(true) => RuleStatus::Flagged,
                Ok(false) => RuleStatus::Passed,
                Err(e) => return error(e),
            },
            None => RuleStatus::Passed,
        },
    };
    (status, None)
}

/// The document kinds' names, as an officer reads them.
pub fn document_name_en(kind: Option<&str>) -> &'static str {
    document_names(kind).0
}

pub fn document_name_ko(kind: Option<&str>) -> &'static str {
    document_names(kind).1
}

fn document_names(kind: Option<&str>) -> (&'static str, &'static str) {
    kind.and_then(|k| k.parse::<DocumentKind>().ok())
        .unwrap_or(DocumentKind::Other)
        .names()
}

fn compute_derived(
    def: &Derived,
    set: &RuleSet,
    inputs: &Inputs<'_>,
) -> Result<Value, InputProblem> {
    match def {
        Derived::DaysInclusive { from, to } => {
            let (_, from) = inputs.date_fact(from)?;
            let (_, to) = inputs.date_fact(to)?;
            Ok(Value::from(days_inclusive(from, to)))
        }
        Derived::AddMonths { date, months } => {
            let (_, date) = inputs.date_fact(date)?;
            let months = match months {
                Months::Literal(n) => *n,
                Months::Parameter(name) => inputs
                    .parameter(set, name)
                    .and_then(|v| v.value.as_u64())
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| InputProblem::Parameter(name.clone()))?,
            };
            let result = add_months_clamped(date, months).ok_or_else(|| {
                InputProblem::Derived(format!("{date} + {months} months is out of range"))
            })?;
            Ok(Value::String(iso_date(result)))
        }
        Derived::BarredTravel {
            trips,
            bars,
            official,
        } => {
            let bars = inputs
                .parameter(set, bars)
                .and_then(|v| v.value.as_object())
                .ok_or_else(|| InputProblem::Parameter(bars.clone()))?;
            barred_countries(inputs.facts, trips, bars, *official).map(Value::Array)
        }
    }
}

/// The countries of barred trips: a trip to a country in `bars` that ended on or after the
/// country's date (presence on or after it), on official duty or not as `official` asks.
/// Every trip is checked whole: a malformed one is an error, never skipped.
fn barred_countries(
    facts: &Value,
    path: &str,
    bars: &serde_json::Map<String, Value>,
    official: bool,
) -> Result<Vec<Value>, InputProblem> {
    let list = lookup(facts, path).ok_or_else(|| InputProblem::Missing(path.to_string()))?;
    let trips = list.as_array().ok_or(InputProblem::WrongType {
        path: path.to_string(),
        expected: ValueType {
            base: BaseType::ListString,
            nullable: false,
        },
        found: json_kind(list),
    })?;
    let mut found = Vec::new();
    for (i, trip) in trips.iter().enumerate() {
        let bad = |what: &str| InputProblem::Derived(format!("{path}[{i}]: {what}"));
        let country = trip
            .get("country")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("country must be an ISO 3166 code"))?;
        let from = trip
            .get("from")
            .and_then(Value::as_str)
            .and_then(parse_date)
            .ok_or_else(|| bad("from must be a date"))?;
        let to = match trip.get("to") {
            None | Some(Value::Null) => from,
            Some(v) => v
                .as_str()
                .and_then(parse_date)
                .ok_or_else(|| bad("to must be a date"))?,
        };
        let on_duty = match trip.get("official_duty") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad("official_duty must be true or false")),
        };
        let since = bars
            .get(country)
            .and_then(Value::as_str)
            .and_then(parse_date);
        if let Some(since) = since {
            if to.max(from) >= since && on_duty == official {
                let code = Value::String(country.to_string());
                if !found.contains(&code) {
                    found.push(code);
                }
            }
        }
    }
    Ok(found)
}

/// Route outcome. Format 2: `ineligible` if any hard or evidence rule failed; else
/// `needs_review` if any rule is unconfirmed, flagged or in error; else `eligible`.
/// Format 1 (replays): `ineligible` if any hard rule failed; else `needs_review` if any
/// evidence or discretion rule applied (passed or failed) or any rule is in error.
pub fn outcome_of(format: u32, rules: &[RuleResult<'_>]) -> Outcome {
    if format >= 2 {
        let failed = rules.iter().any(|r| {
            r.status == RuleStatus::Failed && matches!(r.kind, RuleKind::Hard | RuleKind::Evidence)
        });
        let review = rules.iter().any(|r| {
            matches!(
                r.status,
                RuleStatus::Unconfirmed | RuleStatus::Flagged | RuleStatus::Error
            )
        });
        return if failed {
            Outcome::Ineligible
        } else if review {
            Outcome::NeedsReview
        } else {
            Outcome::Eligible
        };
    }
    let hard_failed = rules
        .iter()
        .any(|r| r.kind == RuleKind::Hard && r.status == RuleStatus::Failed);
    if hard_failed {
        return Outcome::Ineligible;
    }
    let review = rules.iter().any(|r| {
        r.status == RuleStatus::Error
            || (r.kind != RuleKind::Hard
                && matches!(r.status, RuleStatus::Passed | RuleStatus::Failed))
    });
    if review {
        Outcome::NeedsReview
    } else {
        Outcome::Eligible
    }
}

/// Builds a route's result from its own rules and the (already evaluated) common rules.
pub(crate) fn route_result<'a>(
    set: &'a RuleSet,
    common: Option<(&'a RuleSet, &[RuleResult<'a>])>,
    inputs: &Inputs<'a>,
) -> RouteResult<'a> {
    let mut all = evaluate_set(set, inputs);
    if let Some((_, common_results)) = common {
        all.extend(
            common_results
                .iter()
                .filter(|r| !r.rule.except_routes.contains(&set.route))
                .cloned(),
        );
    }
    let outcome = outcome_of(set.format, &all);
    // Stable: file order is kept inside each group.
    all.sort_by_key(|r| r.status.rank());
    let caution = set.caution();
    RouteResult {
        route: &set.route,
        outcome,
        title_en: &set.title_en,
        title_ko: &set.title_ko,
        basis: Some(&set.basis),
        caution_en: caution.map(|c| c.0),
        caution_ko: caution.map(|c| c.1),
        ruleset: Some(RuleSetRef::of(set)),
        common: common.map(|(c, _)| RuleSetRef::of(c)),
        rules: all,
    }
}

/// A route with no version in force on the evaluation date: named after its latest version.
pub(crate) fn not_available<'a>(latest: &'a RuleSet) -> RouteResult<'a> {
    RouteResult {
        route: &latest.route,
        outcome: Outcome::NotAvailable,
        title_en: &latest.title_en,
        title_ko: &latest.title_ko,
        basis: None,
        caution_en: None,
        caution_ko: None,
        ruleset: None,
        common: None,
        rules: Vec::new(),
    }
}
