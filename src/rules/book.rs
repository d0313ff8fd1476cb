//! The book: every version of every route, chosen by date, published, tested, and run over
//! stored cases (dry runs). Holds no I/O beyond reading a folder of rule files on request.

use super::compiler::{compile_rule_set, Rule, RuleSet};
use super::evaluator::{
    evaluate_set, filing_date, not_available, route_result, EvalContext, Evaluation, FactsError,
    Inputs,
};
use super::fiscal_year;
use super::model::{Outcome, COMMON_ROUTE};
use super::report::{Problem, ValidationReport};
use super::testing::test_book;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// The shipped rule sets, embedded so the binary carries them. Order = order of routes in
/// every evaluation. v1 files stay for replaying decisions and for dates before v2
/// (2026-12-01); `*.v2.toml` are contract v2, and B1-BUS is new in v2.
const BUILTIN: [(&str, &str); 15] = [
    (
        "common.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/common.toml")),
    ),
    (
        "common.v2.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/common.v2.toml")),
    ),
    (
        "b1-ciw.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/b1-ciw.toml")),
    ),
    (
        "b1-ciw.v2.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/b1-ciw.v2.toml")),
    ),
    (
        "b1-bus.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/b1-bus.toml")),
    ),
    (
        "esta-ciw.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/esta-ciw.toml")),
    ),
    (
        "esta-ciw.v2.toml",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/esta-ciw.v2.toml"
        )),
    ),
    (
        "b1-biloh.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/b1-biloh.toml")),
    ),
    (
        "b1-biloh.v2.toml",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/b1-biloh.v2.toml"
        )),
    ),
    (
        "e2-ess.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/e2-ess.toml")),
    ),
    (
        "e2-ess.v2.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/e2-ess.v2.toml")),
    ),
    (
        "l1b.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/l1b.toml")),
    ),
    (
        "l1b.v2.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/l1b.v2.toml")),
    ),
    (
        "e4-pwk.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/e4-pwk.toml")),
    ),
    (
        "e4-pwk.v2.toml",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/e4-pwk.v2.toml")),
    ),
];

/// All versions of all routes (and of the common rules), validated and compiled.
///
/// `Send + Sync`: share it as `Arc<RuleBook>`; publishing builds a new book.
#[derive(Debug, Clone, Serialize)]
pub struct RuleBook {
    histories: Vec<RouteHistory>,
}

/// One stored case for a dry run.
#[derive(Debug, Clone)]
pub struct DryRunCase {
    pub facts: Value,
    pub context: EvalContext,
}

/// A route whose outcome a draft would change for one case.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeChange {
    /// Index of the case in the input.
    pub case: usize,
    pub route: String,
    pub before: Outcome,
    pub after: Outcome,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DryRunReport {
    pub cases: usize,
    pub changed: Vec<OutcomeChange>,
    /// Cases that could not be evaluated at all (index, message).
    pub errors: Vec<(usize, String)>,
}

impl RuleBook {
    /// The rule sets shipped in `rules/`. Fails only if a shipped file is invalid, which the
    /// module's tests rule out.
    pub fn builtin() -> Result<RuleBook, ValidationReport> {
        Self::from_sources(
            BUILTIN
                .iter()
                .map(|(name, text)| ((*name).to_string(), (*text).to_string()))
                .collect(),
        )
    }

    /// Builds a book from `(file name, TOML text)` pairs; every problem is reported.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<RuleBook, ValidationReport> {
        let mut report = ValidationReport::default();
        let mut histories: Vec<RouteHistory> = Vec::new();
        for (name, text) in &sources {
            match compile_rule_set(name, text) {
                Ok(set) => insert(&mut histories, Arc::new(set)),
                Err(r) => report.problems.extend(r.problems),
            }
        }
        for history in &histories {
            check_windows(history, &mut report);
        }
        report.into_result(RuleBook { histories })
    }

    /// Validates a new version, checks its window against the route's history, runs every
    /// embedded test of the resulting book, and returns that book (this one is unchanged).
    ///
    /// The new version must belong to a known route, carry a higher version number than any
    /// existing one, and start after the latest version started. An open-ended previous version
    /// is closed implicitly by the new one's `effective_from` (windows end at the next version's
    /// start), so published texts and their hashes never change.
    pub fn with_published(&self, source: &str) -> Result<RuleBook, ValidationReport> {
        let mut set = compile_rule_set("published", source)?;
        set.file = format!("published {}", set.id);
        let file = set.file.clone();
        let mut report = ValidationReport::default();
        let Some(history) = self.histories.iter().find(|h| h.route == set.route) else {
            report
                .push(Problem::new(&file, format!("unknown route `{}`", set.route)).field("route"));
            return Err(report);
        };
        if let Some(latest) = history.versions.iter().max_by_key(|v| v.version) {
            if set.version <= latest.version {
                report.push(
                    Problem::new(
                        &file,
                        format!(
                            "version must be above v{} (the latest of {})",
                            latest.version, set.route
                        ),
                    )
                    .field("version"),
                );
            }
        }
        if let Some(last) = history.versions.last() {
            if set.effective_from <= last.effective_from {
                report.push(
                    Problem::new(
                        &file,
                        format!(
                            "effective_from must be after {} (start of {} v{})",
                            last.effective_from, last.route, last.version
                        ),
                    )
                    .field("effective_from"),
                );
            }
        }
        if !report.is_empty() {
            return Err(report);
        }
        let mut book = self.clone();
        insert(&mut book.histories, Arc::new(set));
        for history in &book.histories {
            check_windows(history, &mut report);
        }
        let tests = test_book(&book);
        report.problems.extend(tests.problems());
        report.into_result(book)
    }

    /// Validates and compiles a draft (not published) for `evaluate_with` and `dry_run`.
    /// Its embedded tests are not run here (use `with_published` or `test_book`).
    pub fn compile_draft(&self, source: &str) -> Result<RuleSet, ValidationReport> {
        let mut set = compile_rule_set("draft", source)?;
        set.file = format!("draft {}", set.id);
        if !self.histories.iter().any(|h| h.route == set.route) {
            return Err(ValidationReport {
                problems: vec![
                    Problem::new(&set.file, format!("unknown route `{}`", set.route))
                        .field("route"),
                ],
            });
        }
        Ok(set)
    }

    /// Evaluates a facts document against the version of every route in force on the
    /// evaluation date (`ctx.on`, else the document's `filing_date`). A route with no version
    /// in force is `not_available`.
    pub fn evaluate<'a>(
        &'a self,
        facts: &'a Value,
        ctx: &'a EvalContext,
    ) -> Result<Evaluation<'a>, FactsError> {
        self.evaluate_routes(facts, ctx, &[], None)
    }

    /// As `evaluate`, but each draft replaces the in-force version of its route (a `COMMON`
    /// draft replaces the common rules), whatever its window: the impact dry run.
    /// Parameters are still valued on the filing date.
    pub fn evaluate_with<'a>(
        &'a self,
        facts: &'a Value,
        ctx: &'a EvalContext,
        drafts: &'a [RuleSet],
    ) -> Result<Evaluation<'a>, FactsError> {
        self.evaluate_routes(facts, ctx, drafts, None)
    }

    /// Runs drafts over stored cases and lists the route outcomes they would change. Uses
    /// every available core (std scoped threads).
    pub fn dry_run(&self, drafts: &[RuleSet], cases: &[DryRunCase]) -> DryRunReport {
        let affected: Option<BTreeSet<&str>> = if drafts.iter().any(|d| d.route == COMMON_ROUTE) {
            None
        } else {
            Some(drafts.iter().map(|d| d.route.as_str()).collect())
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(cases.len().div_ceil(256).max(1));
        let chunk = cases.len().div_ceil(threads).max(1);
        let partials: Vec<DryRunReport> = std::thread::scope(|scope| {
            let handles: Vec<_> = cases
                .chunks(chunk)
                .enumerate()
                .map(|(n, part)| {
                    let affected = affected.as_ref();
                    scope.spawn(move || self.dry_run_part(drafts, part, n * chunk, affected))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| DryRunReport {
                        errors: vec![(0, "dry-run worker panicked".into())],
                        ..DryRunReport::default()
                    })
                })
                .collect()
        });
        let mut report = DryRunReport {
            cases: cases.len(),
            ..DryRunReport::default()
        };
        for part in partials {
            report.changed.extend(part.changed);
            report.errors.extend(part.errors);
        }
        report
    }

    fn dry_run_part(
        &self,
        drafts: &[RuleSet],
        cases: &[DryRunCase],
        offset: usize,
        affected: Option<&BTreeSet<&str>>,
    ) -> DryRunReport {
        let mut report = DryRunReport::default();
        for (i, case) in cases.iter().enumerate() {
            let index = offset + i;
            let before = self.evaluate_routes(&case.facts, &case.context, &[], affected);
            let after = self.evaluate_routes(&case.facts, &case.context, drafts, affected);
            match (before, after) {
                (Ok(before), Ok(after)) => {
                    for (b, a) in before.routes.iter().zip(&after.routes) {
                        if b.outcome != a.outcome {
                            report.changed.push(OutcomeChange {
                                case: index,
                                route: b.route.to_string(),
                                before: b.outcome,
                                after: a.outcome,
                            });
                        }
                    }
                }
                (Err(e), _) | (_, Err(e)) => report.errors.push((index, e.to_string())),
            }
        }
        report
    }

    fn evaluate_routes<'a>(
        &'a self,
        facts: &'a Value,
        ctx: &'a EvalContext,
        drafts: &'a [RuleSet],
        only: Option<&BTreeSet<&str>>,
    ) -> Result<Evaluation<'a>, FactsError> {
        let filed = filing_date(facts)?;
        let inputs = Inputs::new(facts, ctx, filed);
        let date = inputs.evaluation_date;
        // No common rules in force (a date before the first rule sets): no route is available.
        let common = match drafts.iter().find(|d| d.route == COMMON_ROUTE) {
            Some(draft) => Ok(Some(draft)),
            None => self.common_in_force(date),
        };
        // Common rules read the same facts for every route: evaluate them once.
        let common_results = match &common {
            Ok(Some(c)) => Some(evaluate_set(c, &inputs)),
            _ => None,
        };
        let mut routes = Vec::with_capacity(self.histories.len());
        for history in &self.histories {
            if history.route == COMMON_ROUTE
                || only.is_some_and(|o| !o.contains(history.route.as_str()))
            {
                continue;
            }
            let set = match drafts.iter().find(|d| d.route == history.route) {
                Some(draft) => Some(draft),
                None => history.in_force(date).map(Arc::as_ref),
            };
            let result = match (set, &common) {
                (Some(set), Ok(common)) => {
                    route_result(set, common.zip(common_results.as_deref()), &inputs)
                }
                _ => match history.versions.last() {
                    Some(latest) => not_available(latest),
                    None => continue,
                },
            };
            routes.push(result);
        }
        Ok(Evaluation {
            filing_date: filed,
            evaluation_date: date,
            fiscal_year: fiscal_year(date),
            routes,
        })
    }

    /// The common rule set in force, `None` if the book has no common rules at all.
    pub(crate) fn common_in_force(&self, date: NaiveDate) -> Result<Option<&RuleSet>, FactsError> {
        match self.histories.iter().find(|h| h.route == COMMON_ROUTE) {
            None => Ok(None),
            Some(h) => {
                h.in_force(date)
                    .map(|s| Some(s.as_ref()))
                    .ok_or(FactsError::NoVersionInForce {
                        route: COMMON_ROUTE.to_string(),
                        date,
                    })
            }
        }
    }

    pub(crate) fn all_sets(&self) -> impl Iterator<Item = &RuleSet> {
        self.histories
            .iter()
            .flat_map(|h| h.versions.iter().map(Arc::as_ref))
    }

    /// Every rule of every version.
    pub fn all_rules(&self) -> impl Iterator<Item = &Rule> {
        self.all_sets().flat_map(|s| s.rules.iter())
    }

    /// Route ids in evaluation order (`COMMON` included).
    pub fn routes(&self) -> Vec<&str> {
        self.histories.iter().map(|h| h.route.as_str()).collect()
    }

    /// All versions of a route, oldest window first.
    pub fn versions(&self, route: &str) -> Vec<&RuleSet> {
        self.histories
            .iter()
            .filter(|h| h.route == route)
            .flat_map(|h| h.versions.iter().map(Arc::as_ref))
            .collect()
    }

    /// The version of `route` in force on `date`.
    pub fn in_force(&self, route: &str, date: NaiveDate) -> Option<&RuleSet> {
        self.histories
            .iter()
            .find(|h| h.route == route)
            .and_then(|h| h.in_force(date))
            .map(Arc::as_ref)
    }

    /// A given version (for replaying a stored decision; compare its `hash`).
    pub fn find(&self, route: &str, version: u32) -> Option<&RuleSet> {
        self.versions(route)
            .into_iter()
            .find(|s| s.version == version)
    }
}

fn insert(histories: &mut Vec<RouteHistory>, set: Arc<RuleSet>) {
    match histories.iter_mut().find(|h| h.route == set.route) {
        Some(history) => {
            history.versions.push(set);
            history
                .versions
                .sort_by_key(|v| (v.effective_from, v.version));
        }
        None => histories.push(RouteHistory {
            route: set.route.clone(),
            versions: vec![set],
        }),
    }
}

/// Loads every `*.toml` in `dir` (sorted by name) into a book: `kitdesk rules check DIR`.
pub fn check_dir(dir: impl AsRef<Path>) -> Result<RuleBook, ValidationReport> {
    let dir = dir.as_ref();
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| ValidationReport {
        problems: vec![Problem::new(&shown, format!("cannot read directory: {e}"))],
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut sources = Vec::with_capacity(paths.len());
    let mut report = ValidationReport::default();
    for path in paths {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.push((name, text)),
            Err(e) => report.push(Problem::new(&name, format!("cannot read: {e}"))),
        }
    }
    if !report.is_empty() {
        return Err(report);
    }
    RuleBook::from_sources(sources)
}

/// All versions of one route, ordered by `effective_from`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RouteHistory {
    pub route: String,
    pub versions: Vec<Arc<RuleSet>>,
}

impl RouteHistory {
    /// The version whose window `[effective_from, end)` holds `date`; `end` is the explicit
    /// `effective_to` or else the next version's `effective_from` (both exclusive).
    pub fn in_force(&self, date: NaiveDate) -> Option<&Arc<RuleSet>> {
        let index = self
            .versions
            .iter()
            .rposition(|v| v.effective_from <= date)?;
        let set = self.versions.get(index)?;
        match set.effective_to {
            Some(to) if date >= to => None,
            _ => Some(set),
        }
    }
}

/// Checks that a route's windows neither overlap nor leave gaps, naming the versions.
pub(crate) fn check_windows(history: &RouteHistory, report: &mut ValidationReport) {
    let mut numbers = BTreeMap::new();
    for set in &history.versions {
        if let Some(other) = numbers.insert(set.version, &set.file) {
            report.push(
                Problem::new(
                    &set.file,
                    format!("{} v{} is also defined in {other}", set.route, set.version),
                )
                .field("version"),
            );
        }
    }
    for pair in history.versions.windows(2) {
        let [a, b] = pair else { continue };
        if b.effective_from == a.effective_from {
            report.push(
                Problem::new(
                    &b.file,
                    format!(
                        "{} v{} and v{} overlap: both start on {}",
                        a.route, a.version, b.version, a.effective_from
                    ),
                )
                .field("effective_from"),
            );
        }
        if b.version < a.version {
            report.push(
                Problem::new(
                    &b.file,
                    format!(
                        "{} v{} starts after v{} but has a lower version number",
                        a.route, a.version, b.version
                    ),
                )
                .field("version"),
            );
        }
        match a.effective_to {
            Some(to) if to < b.effective_from => report.push(
                Problem::new(
                    &a.file,
                    format!(
                        "gap between {} v{} (ends {to}) and v{} (starts {})",
                        a.route, a.version, b.version, b.effective_from
                    ),
                )
                .field("effective_to"),
            ),
            Some(to) if to > b.effective_from => report.push(
                Problem::new(
                    &a.file,
                    format!(
                        "{} v{} (ends {to}) overlaps v{} (starts {})",
                        a.route, a.version, b.version, b.effective_from
                    ),
                )
                .field("effective_to"),
            ),
            _ => {}
        }
    }
}
