//! The compiler: one rule-set file checked (declared inputs, parameters, derived values,
//! condition limits, format 2's messages and documents) and compiled into a `RuleSet`.
//! Versions and their windows are the book's; evaluation is the evaluator's.

use super::condition::{compile_all, ConditionEngine, ZenEngine};
use super::json::json_string;
use super::model::DocumentKind;
use super::model::{
    BaseType, DerivedFile, MonthsFile, RuleFile, RuleKind, RuleSetFile, RuleSetStatus, TestFile,
    ValueType, ValuedAt, COMMON_ROUTE,
};
use super::report::{Problem, ValidationReport};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The engine used by the book; swap here (and in `condition`) to move to another language.
pub(crate) type Engine = ZenEngine;
pub(crate) type Compiled = <ZenEngine as ConditionEngine>::Compiled;

/// Roots of a read path that are not facts.
const DERIVED_ROOT: &str = "derived";
const CONTEXT_ROOT: &str = "ctx";
const PARAM_ROOT: &str = "param";

/// One value of a parameter, in force from `from` until the next value's `from`.
#[derive(Debug, Clone, Serialize)]
pub struct DatedValue {
    pub from: NaiveDate,
    pub value: Value,
    pub citation: String,
    /// When the value was last checked against its source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// Unique for the life of the process (never reused), so engines may cache their own
    /// conversion of `value` per thread.
    #[serde(skip)]
    pub(crate) cache_key: u64,
    /// This value as the explanation shows it (`{"from","value","citation","as_of"}`),
    /// compact JSON written as-is by the fast explanation writer.
    #[serde(skip)]
    pub(crate) json: String,
}

static NEXT_CACHE_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    pub description: Option<String>,
    /// `admission`: valued at the planned entry when that is later than the evaluation date.
    pub valued_at: ValuedAt,
    #[serde(skip)]
    pub(crate) ty: ValueType,
    /// `param.<name>`: where conditions find it.
    #[serde(skip)]
    pub(crate) path: String,
    #[serde(skip)]
    pub(crate) segments: Vec<String>,
    pub values: Vec<DatedValue>,
}

impl Parameter {
    /// The value in force on `date` (the last one whose `from` is on or before it).
    pub fn value_on(&self, date: NaiveDate) -> Option<&DatedValue> {
        self.values.iter().rev().find(|v| v.from <= date)
    }
}

/// A derived value, computed in Rust (see `model::DerivedFile`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Derived {
    DaysInclusive {
        from: String,
        to: String,
    },
    AddMonths {
        date: String,
        months: Months,
    },
    /// Countries of barred trips (see `model::DerivedFile::BarredTravel`); `bars` is the
    /// parameter's name without `param.`.
    BarredTravel {
        trips: String,
        bars: String,
        official: bool,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Months {
    Literal(u32),
    /// Name of the parameter (without `param.`).
    Parameter(String),
}

impl Derived {
    pub(crate) fn value_type(&self) -> ValueType {
        let base = match self {
            Derived::DaysInclusive { .. } => BaseType::Number,
            Derived::AddMonths { .. } => BaseType::Date,
            Derived::BarredTravel { .. } => BaseType::ListString,
        };
        ValueType {
            base,
            nullable: false,
        }
    }

    /// The fact paths it is computed from.
    pub(crate) fn sources(&self) -> Vec<&str> {
        match self {
            Derived::DaysInclusive { from, to } => vec![from.as_str(), to.as_str()],
            Derived::AddMonths { date, .. } => vec![date.as_str()],
            Derived::BarredTravel { trips, .. } => vec![trips.as_str()],
        }
    }

    /// The parameters it reads, shown with the rules that read it.
    pub(crate) fn parameters(&self) -> Vec<&str> {
        match self {
            Derived::AddMonths {
                months: Months::Parameter(name),
                ..
            } => vec![name.as_str()],
            Derived::BarredTravel { bars, .. } => vec![bars.as_str()],
            _ => Vec::new(),
        }
    }
}

/// Where a declared input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Fact,
    Derived,
    Context,
}

#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub path: String,
    /// `path` split on dots, once, at load.
    pub segments: Vec<String>,
    pub ty: ValueType,
    pub source: Source,
}

/// One compiled rule.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub title_en: String,
    pub title_ko: String,
    pub citation: String,
    pub applies_if: Option<String>,
    pub condition: String,
    pub review_if: Option<String>,
    /// The document kind an evidence rule is confirmed with.
    pub document: Option<String>,
    pub except_routes: Vec<String>,
    pub message_en: String,
    pub message_ko: String,
    pub passed_en: String,
    pub passed_ko: String,
    pub review_en: Option<String>,
    pub review_ko: Option<String>,
    #[serde(skip)]
    pub(crate) reads: Vec<Read>,
    /// Parameters the expressions mention (`param.name`), in first-use order.
    #[serde(skip)]
    pub(crate) params: Vec<String>,
    #[serde(skip)]
    pub(crate) compiled_applies_if: Option<Compiled>,
    #[serde(skip)]
    pub(crate) compiled_condition: Option<Compiled>,
    #[serde(skip)]
    pub(crate) compiled_review_if: Option<Compiled>,
    /// Pre-escaped `"id":…,"kind":…,"citation":…,"title_en":…,"title_ko":…` for the fast
    /// explanation writer (escaping was a fifth of the full path's time).
    #[serde(skip)]
    pub(crate) head_json: String,
    /// Pre-escaped `"message_en":…,"message_ko":…` of the failure messages.
    #[serde(skip)]
    pub(crate) failure_json: String,
    /// The same for the passed messages.
    #[serde(skip)]
    pub(crate) passed_json: String,
}

/// One validated, compiled version of one route's rules. Immutable once built.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSet {
    /// `ROUTE@vN`.
    pub(crate) id: String,
    pub(crate) file: String,
    pub(crate) route: String,
    pub(crate) version: u32,
    /// 1 or 2: the semantics of kinds and statuses (see `model::RuleSetFile::format`).
    pub(crate) format: u32,
    pub(crate) effective_from: NaiveDate,
    pub(crate) effective_to: Option<NaiveDate>,
    pub(crate) status: RuleSetStatus,
    pub(crate) title_en: String,
    pub(crate) title_ko: String,
    pub(crate) basis: String,
    pub(crate) note: Option<String>,
    pub(crate) caution_en: Option<String>,
    pub(crate) caution_ko: Option<String>,
    /// sha256 (hex) of the canonical source (the file text with CRLF turned into LF).
    pub(crate) hash: String,
    pub(crate) parameters: BTreeMap<String, Parameter>,
    pub(crate) derived: BTreeMap<String, Derived>,
    pub(crate) rules: Vec<Rule>,
    #[serde(skip)]
    pub(crate) source: String,
    #[serde(skip)]
    pub(crate) base_facts: Option<Value>,
    #[serde(skip)]
    pub(crate) tests: Vec<TestFile>,
}

impl RuleSet {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn file(&self) -> &str {
        &self.file
    }
    pub fn route(&self) -> &str {
        &self.route
    }
    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
    pub fn effective_to(&self) -> Option<NaiveDate> {
        self.effective_to
    }
    pub fn status(&self) -> RuleSetStatus {
        self.status
    }
    pub fn title_en(&self) -> &str {
        &self.title_en
    }
    pub fn title_ko(&self) -> &str {
        &self.title_ko
    }
    /// FAM/CFR basis text, for approval annotations.
    pub fn basis(&self) -> &str {
        &self.basis
    }
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
    pub fn format(&self) -> u32 {
        self.format
    }
    /// The caution (English, Korean) shown with every evaluation of this route.
    pub fn caution(&self) -> Option<(&str, &str)> {
        self.caution_en.as_deref().zip(self.caution_ko.as_deref())
    }
    pub fn hash(&self) -> &str {
        &self.hash
    }
    /// The canonical source text (what `hash` is computed over); store it to replay decisions.
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    pub fn parameters(&self) -> &BTreeMap<String, Parameter> {
        &self.parameters
    }
}

/// Canonical form of a source: what the hash covers. Only line endings are normalised, so the
/// hash can be recomputed by anyone with `sha256sum` on an LF file.
pub(crate) fn canonical(source: &str) -> String {
    source.replace("\r\n", "\n")
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Parses, validates and compiles one rule-set file. All problems are collected.
pub(crate) fn compile_rule_set(file: &str, source: &str) -> Result<RuleSet, ValidationReport> {
    let canonical = canonical(source);
    let raw: RuleSetFile = toml::from_str(&canonical).map_err(|e| ValidationReport {
        problems: vec![Problem::new(file, format!("not a valid rule set: {e}"))],
    })?;
    let mut report = ValidationReport::default();
    let engine = Engine::default();

    check_header(file, &raw, &mut report);
    let parameters = check_parameters(file, &raw, &mut report);
    let derived = check_derived(file, &raw, &parameters, &mut report);

    let mut rules = Vec::with_capacity(raw.rules.len());
    let mut ids = BTreeSet::new();
    let mut sources = Vec::new();
    for rule in &raw.rules {
        if !ids.insert(rule.id.as_str()) {
            report.push(
                Problem::new(file, "duplicate rule id")
                    .rule(&rule.id)
                    .field("id"),
            );
        }
        if let Some(checked) = check_rule(
            file,
            &raw,
            rule,
            &parameters,
            &derived,
            &engine,
            &mut report,
        ) {
            sources.push(rule.condition.clone());
            sources.push(rule.applies_if.clone().unwrap_or_default());
            sources.push(rule.review_if.clone().unwrap_or_default());
            rules.push(checked);
        }
    }

    let base_facts = raw.base_facts.clone().map(toml_table_to_json);
    if !report.is_empty() {
        return Err(report);
    }

    // Compile everything on one big-stack thread (see `condition::compile_all`).
    let compiled = compile_all(&engine, sources).map_err(|e| ValidationReport {
        problems: vec![Problem::new(file, e.to_string())],
    })?;
    let mut compiled = compiled.into_iter();
    for rule in &mut rules {
        match compiled.next() {
            Some(Ok(c)) => rule.compiled_condition = Some(c),
            Some(Err(e)) => report.push(
                Problem::new(file, e.to_string())
                    .rule(&rule.id)
                    .field("condition"),
            ),
            None => {}
        }
        match (compiled.next(), &rule.applies_if) {
            (Some(Ok(c)), Some(_)) => rule.compiled_applies_if = Some(c),
            (Some(Err(e)), Some(_)) => report.push(
                Problem::new(file, e.to_string())
                    .rule(&rule.id)
                    .field("applies_if"),
            ),
            _ => {}
        }
        match (compiled.next(), &rule.review_if) {
            (Some(Ok(c)), Some(_)) => rule.compiled_review_if = Some(c),
            (Some(Err(e)), Some(_)) => report.push(
                Problem::new(file, e.to_string())
                    .rule(&rule.id)
                    .field("review_if"),
            ),
            _ => {}
        }
    }

    let set = RuleSet {
        id: format!("{}@v{}", raw.route, raw.version),
        file: file.to_string(),
        route: raw.route,
        version: raw.version,
        format: raw.format,
        effective_from: raw.effective_from,
        effective_to: raw.effective_to,
        status: raw.status,
        title_en: raw.title_en,
        title_ko: raw.title_ko,
        basis: raw.basis,
        note: raw.note,
        caution_en: raw.caution_en,
        caution_ko: raw.caution_ko,
        hash: sha256_hex(&canonical),
        parameters,
        derived,
        rules,
        source: canonical,
        base_facts,
        tests: raw.tests,
    };
    check_tests_shape(&set, &mut report);
    report.into_result(set)
}

fn check_header(file: &str, raw: &RuleSetFile, report: &mut ValidationReport) {
    let valid_route = !raw.route.is_empty()
        && raw
            .route
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if !valid_route {
        report.push(
            Problem::new(file, "route must be upper-case letters, digits and '-'").field("route"),
        );
    }
    if raw.version == 0 {
        report.push(Problem::new(file, "version starts at 1").field("version"));
    }
    if !(1..=2).contains(&raw.format) {
        report.push(Problem::new(file, "format is 1 or 2").field("format"));
    }
    if raw.caution_en.is_some() != raw.caution_ko.is_some() {
        report.push(
            Problem::new(file, "a caution needs both caution_en and caution_ko")
                .field("caution_en"),
        );
    }
    if let Some(to) = raw.effective_to {
        if to <= raw.effective_from {
            report.push(
                Problem::new(
                    file,
                    "effective_to must be after effective_from (it is exclusive)",
                )
                .field("effective_to"),
            );
        }
    }
    for (field, text) in [
        ("title_en", &raw.title_en),
        ("title_ko", &raw.title_ko),
        ("basis", &raw.basis),
    ] {
        if text.trim().is_empty() {
            report.push(Problem::new(file, "must not be empty").field(field));
        }
    }
    if raw.route != COMMON_ROUTE && raw.rules.is_empty() {
        report.push(Problem::new(file, "a route needs at least one rule").field("rules"));
    }
}

fn check_parameters(
    file: &str,
    raw: &RuleSetFile,
    report: &mut ValidationReport,
) -> BTreeMap<String, Parameter> {
    let mut out = BTreeMap::new();
    for (name, param) in &raw.parameters {
        let field = format!("parameters.{name}");
        if !is_identifier(name) {
            report.push(Problem::new(file, "parameter names are identifiers").field(&field));
        }
        if param.values.is_empty() {
            report.push(Problem::new(file, "needs at least one dated value").field(&field));
            continue;
        }
        let mut values = Vec::with_capacity(param.values.len());
        let mut ty: Option<ValueType> = None;
        for (i, dated) in param.values.iter().enumerate() {
            let vfield = format!("{field}.values[{i}]");
            if dated.citation.trim().is_empty() {
                report.push(Problem::new(file, "each value needs a citation").field(&vfield));
            }
            if let Some(prev) = values.last().map(|v: &DatedValue| v.from) {
                if dated.from <= prev {
                    report.push(
                        Problem::new(file, "values must be in increasing `from` order")
                            .field(&vfield),
                    );
                }
            }
            let value = toml_to_json(dated.value.clone());
            match (parameter_type(&value), ty) {
                (None, _) => report.push(
                    Problem::new(
                        file,
                        "a parameter value is a string, number, bool, list of strings or table of strings",
                    )
                    .field(&vfield),
                ),
                (Some(t), Some(prev)) if t != prev => report.push(
                    Problem::new(
                        file,
                        format!("type {t} differs from earlier values ({prev})"),
                    )
                    .field(&vfield),
                ),
                (Some(t), _) => ty = Some(t),
            }
            let as_of = dated
                .as_of
                .map(|d| format!(",\"as_of\":\"{d}\""))
                .unwrap_or_default();
            values.push(DatedValue {
                json: format!(
                    "{{\"from\":\"{}\",\"value\":{value},\"citation\":{}{as_of}}}",
                    dated.from,
                    json_string(&dated.citation)
                ),
                from: dated.from,
                value,
                citation: dated.citation.clone(),
                as_of: dated.as_of,
                cache_key: NEXT_CACHE_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            });
        }
        if let Some(ty) = ty {
            out.insert(
                name.clone(),
                Parameter {
                    name: name.clone(),
                    description: param.description.clone(),
                    valued_at: param.valued_at,
                    ty,
                    path: format!("{PARAM_ROOT}.{name}"),
                    segments: vec![PARAM_ROOT.to_string(), name.clone()],
                    values,
                },
            );
        }
    }
    out
}

fn parameter_type(value: &Value) -> Option<ValueType> {
    let base = match value {
        Value::String(_) => BaseType::String,
        Value::Number(_) => BaseType::Number,
        Value::Bool(_) => BaseType::Bool,
        Value::Array(items) if items.iter().all(Value::is_string) => BaseType::ListString,
        Value::Object(map) if map.values().all(Value::is_string) => BaseType::Table,
        _ => return None,
    };
    Some(ValueType {
        base,
        nullable: false,
    })
}

fn check_derived(
    file: &str,
    raw: &RuleSetFile,
    parameters: &BTreeMap<String, Parameter>,
    report: &mut ValidationReport,
) -> BTreeMap<String, Derived> {
    let mut out = BTreeMap::new();
    for (name, def) in &raw.derived {
        let field = format!("derived.{name}");
        if !is_identifier(name) {
            report.push(Problem::new(file, "derived names are identifiers").field(&field));
        }
        let derived = match def {
            DerivedFile::DaysInclusive { from, to } => Derived::DaysInclusive {
                from: from.clone(),
                to: to.clone(),
            },
            DerivedFile::AddMonths { date, months } => {
                let months = match months {
                    MonthsFile::Literal(n) => Months::Literal(*n),
                    MonthsFile::Parameter(p) => {
                        let name = p.strip_prefix("param.").unwrap_or(p);
                        let is_number = parameters
                            .get(name)
                            .is_some_and(|p| p.ty.base == BaseType::Number);
                        if !is_number {
                            report.push(
                                Problem::new(
                                    file,
                                    format!("months `{p}` is not a number parameter of this file"),
                                )
                                .field(&field),
                            );
                        }
                        Months::Parameter(name.to_string())
                    }
                };
                Derived::AddMonths {
                    date: date.clone(),
                    months,
                }
            }
            DerivedFile::BarredTravel {
                trips,
                bars,
                official,
            } => {
                let name = bars.strip_prefix("param.").unwrap_or(bars);
                let is_table = parameters
                    .get(name)
                    .is_some_and(|p| p.ty.base == BaseType::Table);
                if !is_table {
                    report.push(
                        Problem::new(
                            file,
                            format!("bars `{bars}` is not a table parameter of this file"),
                        )
                        .field(&field),
                    );
                }
                Derived::BarredTravel {
                    trips: trips.clone(),
                    bars: name.to_string(),
                    official: *official,
                }
            }
        };
        for source in derived.sources() {
            if classify(source) != Some(Source::Fact) {
                report.push(
                    Problem::new(file, format!("`{source}` must be a fact path")).field(&field),
                );
            }
        }
        out.insert(name.clone(), derived);
    }
    out
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn classify(path: &str) -> Option<Source> {
    let mut segments = path.split('.');
    let root = segments.next()?;
    if !path.split('.').all(is_identifier) {
        return None;
    }
    match root {
        DERIVED_ROOT => Some(Source::Derived),
        CONTEXT_ROOT => Some(Source::Context),
        PARAM_ROOT => None,
        _ => Some(Source::Fact),
    }
}

fn check_rule(
    file: &str,
    set: &RuleSetFile,
    rule: &RuleFile,
    parameters: &BTreeMap<String, Parameter>,
    derived: &BTreeMap<String, Derived>,
    engine: &Engine,
    report: &mut ValidationReport,
) -> Option<Rule> {
    let before = report.problems.len();
    let problem =
        |message: String, field: &str| Problem::new(file, message).rule(&rule.id).field(field);
    if rule.id.trim().is_empty() {
        report.push(Problem::new(file, "rule id must not be empty").field("id"));
    }
    for (field, text) in [
        ("title_en", &rule.title_en),
        ("title_ko", &rule.title_ko),
        ("citation", &rule.citation),
        ("message_en", &rule.message_en),
        ("message_ko", &rule.message_ko),
    ] {
        if text.trim().is_empty() {
            report.push(problem("must not be empty".into(), field));
        }
    }
    check_v2_fields(set, rule, report);

    let mut reads = Vec::with_capacity(rule.reads.len());
    for (path, ty_text) in &rule.reads {
        let field = format!("reads.{path}");
        let Some(ty) = ValueType::parse(ty_text) else {
            report.push(problem(
                format!("unknown type `{ty_text}` (string, number, bool, date, list<string>, with optional ?)"),
                &field,
            ));
            continue;
        };
        match classify(path) {
            None => report.push(problem(
                "not a readable path (parameters are read as `param.name` without declaring them)"
                    .into(),
                &field,
            )),
            Some(Source::Derived) => {
                let name = path.strip_prefix("derived.").unwrap_or_default();
                match derived.get(name) {
                    None => report.push(problem(
                        format!("no derived value `{name}` in this file"),
                        &field,
                    )),
                    Some(d) if d.value_type() != ty => report.push(problem(
                        format!("derived `{name}` is a {}, declared {ty}", d.value_type()),
                        &field,
                    )),
                    Some(_) => reads.push(Read {
                        path: path.clone(),
                        segments: path.split('.').map(str::to_string).collect(),
                        ty,
                        source: Source::Derived,
                    }),
                }
            }
            Some(source) => reads.push(Read {
                path: path.clone(),
                segments: path.split('.').map(str::to_string).collect(),
                ty,
                source,
            }),
        }
    }

    let mut params = Vec::new();
    let expressions = [
        ("condition", Some(&rule.condition)),
        ("applies_if", rule.applies_if.as_ref()),
        ("review_if", rule.review_if.as_ref()),
    ];
    for (field, expression) in expressions {
        let Some(expression) = expression else {
            continue;
        };
        match engine.check(expression) {
            Err(e) => report.push(problem(e.to_string(), field)),
            Ok(paths) => {
                for path in paths {
                    if let Some(name) = path.strip_prefix("param.") {
                        let name = name.split('.').next().unwrap_or_default();
                        if !parameters.contains_key(name) {
                            report.push(problem(format!("unknown parameter `{name}`"), field));
                        } else if !params.iter().any(|p| p == name) {
                            params.push(name.to_string());
                        }
                    } else if !rule.reads.contains_key(&path) {
                        report.push(problem(
                            format!("reads `{path}` without declaring it in `reads`"),
                            field,
                        ));
                    }
                }
            }
        }
    }

    // A format 1 rule has no passed message of its own: say which condition was met.
    let passed_en = rule
        .passed_en
        .clone()
        .unwrap_or_else(|| format!("Met: {}.", rule.title_en));
    let passed_ko = rule
        .passed_ko
        .clone()
        .unwrap_or_else(|| format!("충족: {}", rule.title_ko));
    let document = rule
        .document
        .as_ref()
        .map(|d| format!(",\"document\":{}", json_string(d)))
        .unwrap_or_default();
    (report.problems.len() == before).then(|| Rule {
        id: rule.id.clone(),
        kind: rule.kind,
        title_en: rule.title_en.clone(),
        title_ko: rule.title_ko.clone(),
        citation: rule.citation.clone(),
        applies_if: rule.applies_if.clone(),
        condition: rule.condition.clone(),
        review_if: rule.review_if.clone(),
        document: rule.document.clone(),
        except_routes: rule.except_routes.clone(),
        message_en: rule.message_en.clone(),
        message_ko: rule.message_ko.clone(),
        head_json: format!(
            "\"id\":{},\"kind\":\"{}\",\"citation\":{},\"title_en\":{},\"title_ko\":{}{document}",
            json_string(&rule.id),
            rule.kind.as_str(),
            json_string(&rule.citation),
            json_string(&rule.title_en),
            json_string(&rule.title_ko)
        ),
        failure_json: format!(
            "\"message_en\":{},\"message_ko\":{}",
            json_string(&rule.message_en),
            json_string(&rule.message_ko)
        ),
        passed_json: format!(
            "\"message_en\":{},\"message_ko\":{}",
            json_string(&passed_en),
            json_string(&passed_ko)
        ),
        passed_en,
        passed_ko,
        review_en: rule.review_en.clone(),
        review_ko: rule.review_ko.clone(),
        reads,
        params,
        compiled_applies_if: None,
        compiled_condition: None,
        compiled_review_if: None,
    })
}

/// What format 2 adds to a rule: messages for every status, the document of an evidence rule,
/// the notice kind, `review_if` with its message, and `except_routes` in the common rules.
fn check_v2_fields(set: &RuleSetFile, rule: &RuleFile, report: &mut ValidationReport) {
    let problem = |message: &str, field: &str| {
        Problem::new(&set.route, message)
            .rule(&rule.id)
            .field(field)
    };
    if set.format < 2 {
        let v2_only = [
            ("kind", rule.kind == RuleKind::Notice),
            ("review_if", rule.review_if.is_some()),
            ("document", rule.document.is_some()),
            ("except_routes", !rule.except_routes.is_empty()),
        ];
        for (field, used) in v2_only {
            if used {
                report.push(problem("needs `format = 2`", field));
            }
        }
        return;
    }
    for (field, text) in [
        ("passed_en", &rule.passed_en),
        ("passed_ko", &rule.passed_ko),
    ] {
        if text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            report.push(problem("format 2: every status carries a message", field));
        }
    }
    match (&rule.document, rule.kind) {
        (None, RuleKind::Evidence) => report.push(problem(
            "an evidence rule names its document kind",
            "document",
        )),
        (Some(_), kind) if kind != RuleKind::Evidence => {
            report.push(problem("only evidence rules name a document", "document"))
        }
        (Some(doc), _) if doc.parse::<DocumentKind>().is_err() => report.push(problem(
            &format!(
                "unknown document kind (one of {})",
                DocumentKind::ALL.map(|k| k.as_str()).join(", ")
            ),
            "document",
        )),
        _ => {}
    }
    if rule.review_if.is_some() != (rule.review_en.is_some() && rule.review_ko.is_some()) {
        report.push(problem(
            "review_if goes with review_en and review_ko",
            "review_if",
        ));
    }
    if !rule.except_routes.is_empty() && set.route != COMMON_ROUTE {
        report.push(problem(
            "except_routes is for the common rules",
            "except_routes",
        ));
    }
}

fn check_tests_shape(set: &RuleSet, report: &mut ValidationReport) {
    let ids: BTreeSet<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    if !set.tests.is_empty() && set.base_facts.is_none() {
        report.push(Problem::new(&set.file, "tests need a [base_facts] table").field("base_facts"));
    }
    let mut names = BTreeSet::new();
    for test in &set.tests {
        if !names.insert(test.name.as_str()) {
            report.push(
                Problem::new(&set.file, format!("duplicate test name `{}`", test.name))
                    .field("tests"),
            );
        }
        // Ids of the common rules may appear in a route's expectations.
        let optional = [
            &test.flagged,
            &test.unconfirmed,
            &test.confirmed,
            &test.noted,
        ];
        let listed = test
            .failed
            .iter()
            .chain(&test.errors)
            .chain(&test.confirmed_rules)
            .chain(optional.into_iter().flatten().flatten());
        for id in listed {
            if !ids.contains(id.as_str()) && !id.starts_with("GEN-") {
                report.push(
                    Problem::new(
                        &set.file,
                        format!("test `{}` expects unknown rule `{id}`", test.name),
                    )
                    .field("tests"),
                );
            }
        }
    }
}

pub(crate) fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        // Bare TOML dates (`2026-03-02`) become the same ISO text the JSON API sends.
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => toml_table_to_json(table),
    }
}

pub(crate) fn toml_table_to_json(table: toml::Table) -> Value {
    Value::Object(
        table
            .into_iter()
            .map(|(k, v)| (k, toml_to_json(v)))
            .collect(),
    )
}
