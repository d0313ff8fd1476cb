//! Running the test cases embedded in rule-set files, and checking that they cover every rule.

use super::compiler::{toml_to_json, RuleSet};
use super::evaluator::{evaluate_set, filing_date, route_result, EvalContext, Inputs};
use super::model::{RuleStatus, TestFile, COMMON_ROUTE};
use super::report::Problem;
use super::RuleBook;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Debug, Clone, Serialize)]
pub struct TestCaseReport {
    pub file: String,
    pub ruleset: String,
    pub test: String,
    pub ok: bool,
    pub problems: Vec<String>,
}

/// Result of running every embedded test of a rule book.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub cases: Vec<TestCaseReport>,
    /// Rules lacking a passing or a failing test.
    pub coverage: Vec<Problem>,
}

impl TestReport {
    pub fn is_ok(&self) -> bool {
        self.failed == 0 && self.coverage.is_empty()
    }

    /// Failures and coverage gaps as problems (what publishing refuses on).
    pub fn problems(&self) -> Vec<Problem> {
        let failures = self.cases.iter().filter(|c| !c.ok).map(|c| {
            Problem::new(
                &c.file,
                format!("test `{}` failed: {}", c.test, c.problems.join("; ")),
            )
            .field("tests")
        });
        failures.chain(self.coverage.iter().cloned()).collect()
    }
}

impl fmt::Display for TestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for case in self.cases.iter().filter(|c| !c.ok) {
            writeln!(f, "FAIL {} :: {}", case.file, case.test)?;
            for p in &case.problems {
                writeln!(f, "     {p}")?;
            }
        }
        for gap in &self.coverage {
            writeln!(f, "COVERAGE {gap}")?;
        }
        // The plain closing line CI tooling reads.
        write!(
            f,
            "rules: {} passed, {} failed",
            self.passed,
            self.failed + self.coverage.len()
        )
    }
}

/// Runs every test of every version in the book and checks rule coverage.
pub fn test_book(book: &RuleBook) -> TestReport {
    let mut report = TestReport::default();
    for set in book.all_sets() {
        run_set_tests(book, set, &mut report);
    }
    report
}

pub(crate) fn run_set_tests(book: &RuleBook, set: &RuleSet, report: &mut TestReport) {
    let mut seen: BTreeMap<&str, BTreeSet<RuleStatus>> = BTreeMap::new();
    for test in &set.tests {
        let problems = match run_case(book, set, test, &mut seen) {
            Ok(problems) => problems,
            Err(problem) => vec![problem],
        };
        let ok = problems.is_empty();
        if ok {
            report.passed += 1;
        } else {
            report.failed += 1;
        }
        report.cases.push(TestCaseReport {
            file: set.file.clone(),
            ruleset: set.id.clone(),
            test: test.name.clone(),
            ok,
            problems,
        });
    }
    for rule in &set.rules {
        let statuses = seen.get(rule.id.as_str());
        // Format 2: an evidence rule "passes" unconfirmed or confirmed; a discretion rule
        // "fails" when it flags, a notice when it is noted, a hard rule also when flagged.
        let passing: &[RuleStatus] = &[
            RuleStatus::Passed,
            RuleStatus::Unconfirmed,
            RuleStatus::Confirmed,
        ];
        let failing: &[RuleStatus] = &[RuleStatus::Failed, RuleStatus::Flagged, RuleStatus::Noted];
        for (wanted, word) in [(passing, "passes"), (failing, "fails")] {
            if !statuses.is_some_and(|s| wanted.iter().any(|w| s.contains(w))) {
                report.coverage.push(
                    Problem::new(&set.file, format!("no test in which the rule {word}"))
                        .rule(&rule.id)
                        .field("tests"),
                );
            }
        }
    }
}

fn run_case<'s>(
    book: &RuleBook,
    set: &'s RuleSet,
    test: &TestFile,
    seen: &mut BTreeMap<&'s str, BTreeSet<RuleStatus>>,
) -> Result<Vec<String>, String> {
    let facts = build_facts(set.base_facts.as_ref(), test)?;
    let ctx = EvalContext {
        values: test
            .context
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v.clone())))
            .collect(),
        confirmed: test.confirmed_rules.iter().cloned().collect(),
        on: test.on,
    };
    let filed = filing_date(&facts).map_err(|e| e.to_string())?;
    let inputs = Inputs::new(&facts, &ctx, filed);
    let common = if set.route == COMMON_ROUTE {
        None
    } else {
        book.common_in_force(inputs.evaluation_date)
            .map_err(|e| e.to_string())?
    };
    let common_results = common.map(|c| evaluate_set(c, &inputs));
    let result = route_result(set, common.zip(common_results.as_deref()), &inputs);

    let own: BTreeSet<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    for rule in &result.rules {
        if let Some(id) = own.get(rule.id) {
            seen.entry(id).or_default().insert(rule.status);
        }
    }

    let mut problems = Vec::new();
    if result.outcome != test.outcome {
        problems.push(format!(
            "outcome {:?}, expected {:?}",
            result.outcome, test.outcome
        ));
    }
    let optional = [
        (RuleStatus::Flagged, &test.flagged, "flagged"),
        (RuleStatus::Unconfirmed, &test.unconfirmed, "unconfirmed"),
        (RuleStatus::Confirmed, &test.confirmed, "confirmed"),
        (RuleStatus::Noted, &test.noted, "noted"),
    ];
    let checks = [
        (RuleStatus::Failed, &test.failed, "failed"),
        (RuleStatus::Error, &test.errors, "errors"),
    ]
    .into_iter()
    .chain(
        optional
            .into_iter()
            .filter_map(|(status, list, word)| list.as_ref().map(|l| (status, l, word))),
    );
    for (status, expected, word) in checks {
        let actual: BTreeSet<&str> = result.ids_with(status).into_iter().collect();
        let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
        if actual != expected {
            let details: Vec<String> = result
                .rules
                .iter()
                .filter(|r| r.status == status)
                .map(|r| format!("{} ({})", r.id, r.message_en.as_deref().unwrap_or("")))
                .collect();
            problems.push(format!(
                "{word}: got [{}], expected {:?}",
                details.join(", "),
                expected
            ));
        }
    }
    Ok(problems)
}

/// `base_facts` with the test's `set` and `remove` applied (dotted paths).
pub(crate) fn build_facts(base: Option<&Value>, test: &TestFile) -> Result<Value, String> {
    let mut facts = base.cloned().unwrap_or_else(|| Value::Object(Map::new()));
    for (path, value) in &test.set {
        set_path(&mut facts, path, toml_to_json(value.clone()))?;
    }
    for path in &test.remove {
        remove_path(&mut facts, path)?;
    }
    Ok(facts)
}

fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut node = root;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let Value::Object(map) = node else {
            return Err(format!("cannot set `{path}`: a parent is not an object"));
        };
        if segments.peek().is_none() {
            map.insert(segment.to_string(), value);
            return Ok(());
        }
        node = map
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

fn remove_path(root: &mut Value, path: &str) -> Result<(), String> {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let node = if parent.is_empty() {
        Some(root)
    } else {
        parent.split('.').try_fold(root, |n, k| n.get_mut(k))
    };
    match node
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove(key))
    {
        Some(_) => Ok(()),
        None => Err(format!("cannot remove `{path}`: not in base_facts")),
    }
}
