//! The applicant profile suite (tests/profiles/applicants.toml): realistic applicants with the
//! outcome the law gives on every route, written from the law and the v2 contract, each with
//! its sources. The engine must agree with every one, rule by rule.

use std::collections::BTreeSet;

use kitdesk::rules::{EvalContext, RuleBook, RuleStatus};
use serde_json::{Map, Value};

const SUITE: &str = include_str!("../profiles/applicants.toml");
const ROUTES: [&str; 7] = [
    "B1-CIW", "B1-BUS", "ESTA-CIW", "B1-BILOH", "E2-ESS", "L1B", "E4-PWK",
];

fn json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), json(v))).collect())
        }
    }
}

fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, segment) in segments.iter().enumerate() {
        let map = node
            .as_object_mut()
            .expect("a parent of a set path is an object");
        if i + 1 == segments.len() {
            map.insert((*segment).to_owned(), value);
            return;
        }
        node = map
            .entry((*segment).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

fn remove_path(root: &mut Value, path: &str) {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let node = if parent.is_empty() {
        Some(root)
    } else {
        parent.split('.').try_fold(root, |n, k| n.get_mut(k))
    };
    let removed = node
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove(key));
    assert!(removed.is_some(), "remove `{path}`: not in the base");
}

#[test]
fn every_profile_gets_the_outcome_the_law_gives_on_every_route() {
    let suite: toml::Table = toml::from_str(SUITE).expect("the profile suite is TOML");
    let bases = suite["bases"].as_table().expect("[bases]");
    let profiles = suite["profiles"].as_array().expect("[[profiles]]");
    assert!(profiles.len() >= 30, "at least 30 profiles");
    let book = RuleBook::builtin().expect("shipped rule sets");
    let mut problems = Vec::new();
    let statuses = [
        ("failed", RuleStatus::Failed),
        ("flagged", RuleStatus::Flagged),
        ("unconfirmed", RuleStatus::Unconfirmed),
        ("confirmed", RuleStatus::Confirmed),
        ("noted", RuleStatus::Noted),
        ("errors", RuleStatus::Error),
    ];
    for profile in profiles {
        let name = profile["name"].as_str().expect("name");
        assert!(
            profile
                .get("sources")
                .and_then(|s| s.as_str())
                .is_some_and(|s| !s.is_empty()),
            "{name}: every expectation cites its sources"
        );
        let base = profile["base"].as_str().expect("base");
        let mut facts = json(&bases[base]);
        if let Some(set) = profile.get("set").and_then(|s| s.as_table()) {
            for (path, value) in set {
                set_path(&mut facts, path, json(value));
            }
        }
        if let Some(remove) = profile.get("remove").and_then(|r| r.as_array()) {
            for path in remove {
                remove_path(&mut facts, path.as_str().expect("a path"));
            }
        }
        let on = profile
            .get("evaluated_on")
            .map(|d| json(d).as_str().expect("a date").to_owned())
            .unwrap_or_else(|| {
                facts["filing_date"]
                    .as_str()
                    .expect("filing_date")
                    .to_owned()
            });
        let mut ctx = EvalContext::new().on(on.parse().expect("evaluated_on is a date"));
        if let Some(used) = profile.get("e4_cap_used").and_then(|u| u.as_integer()) {
            ctx = ctx.with_e4_cap_used(u64::try_from(used).expect("cap used"));
        }
        if let Some(confirmed) = profile.get("confirmed").and_then(|c| c.as_array()) {
            ctx = ctx.with_confirmed(confirmed.iter().map(|c| c.as_str().expect("a rule id")));
        }
        let evaluation = match book.evaluate(&facts, &ctx) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{name}: not evaluated: {e}"));
                continue;
            }
        };
        let expect = profile["expect"].as_table().expect("[profiles.expect]");
        for route in ROUTES {
            let Some(expected) = expect.get(route).and_then(|e| e.as_table()) else {
                problems.push(format!("{name}: no expectation for {route}"));
                continue;
            };
            let Some(actual) = evaluation.route(route) else {
                problems.push(format!("{name}: {route} missing from the evaluation"));
                continue;
            };
            let outcome = expected["outcome"].as_str().expect("outcome");
            if actual.outcome.as_str() != outcome {
                problems.push(format!(
                    "{name}: {route} is {}, the law says {outcome}",
                    actual.outcome.as_str()
                ));
            }
            for (key, status) in statuses {
                let Some(list) = expected.get(key).and_then(|l| l.as_array()) else {
                    continue;
                };
                let want: BTreeSet<&str> = list.iter().filter_map(|v| v.as_str()).collect();
                let got: BTreeSet<&str> = actual.ids_with(status).into_iter().collect();
                if want != got {
                    problems.push(format!(
                        "{name}: {route} {key}: got {got:?}, expected {want:?}"
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreement(s) with the law:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
