//! Specification of the rules engine, through its public API.

use super::*;
use chrono::NaiveDate;
use serde_json::{json, Value};

fn book() -> RuleBook {
    match RuleBook::builtin() {
        Ok(book) => book,
        Err(report) => panic!("shipped rule sets are invalid:\n{report}"),
    }
}

/// Facts v1 of a Korean installer (the domain document's example, with wages filled in).
fn facts() -> Value {
    json!({
        "filing_date": "2026-02-02",
        "applicant": {
            "nationality": "KR", "date_of_birth": "1988-04-12", "passport_expiry": "2031-05-01",
            "education": "bachelor", "degree_in_specialty": false, "years_experience": 9,
            "months_employed_by_sponsor_last_3y": 30, "role": "installer",
            "specialized_knowledge": true, "prior_us_violation": false,
            "previously_detained_2025": false
        },
        "assignment": {
            "activities": ["install", "train_us_workers"],
            "planned_entry": "2026-03-02", "planned_exit": "2026-05-29",
            "pay_source": "foreign", "equipment_purchased_abroad": true,
            "contract_requires_seller_services": true, "specialty_occupation": false,
            "offered_wage_usd": null, "prevailing_wage_usd": null
        },
        "employer": {
            "korean_ownership_pct": 100, "treaty_investor": true,
            "qualifying_relationship": "subsidiary", "labor_attestation_filed": false,
            "strike_or_lockout": false
        }
    })
}

fn with(mut facts: Value, path: &str, value: Value) -> Value {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let node = if parent.is_empty() {
        &mut facts
    } else {
        facts
            .pointer_mut(&format!("/{}", parent.replace('.', "/")))
            .unwrap()
    };
    node.as_object_mut().unwrap().insert(key.to_string(), value);
    facts
}

fn without(mut facts: Value, path: &str) -> Value {
    let pointer = match path.rsplit_once('.') {
        Some((parent, _)) => format!("/{}", parent.replace('.', "/")),
        None => String::new(),
    };
    let key = path.rsplit('.').next().unwrap();
    facts
        .pointer_mut(&pointer)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key);
    facts
}

fn status_of(
    book: &RuleBook,
    facts: &Value,
    ctx: &EvalContext,
    route: &str,
    rule: &str,
) -> RuleStatus {
    let evaluation = book.evaluate(facts, ctx).unwrap();
    evaluation.route(route).unwrap().rule(rule).unwrap().status
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A minimal valid rule set for the synthetic tests; `rules` is appended TOML.
fn synthetic(route: &str, version: u32, from: &str, extra: &str) -> String {
    format!(
        r#"
route = "{route}"
version = {version}
effective_from = "{from}"
status = "in_force"
title_en = "t"
title_ko = "t"
basis = "b"
{extra}
"#
    )
}

const SIMPLE_RULE: &str = r#"
[parameters.limit]
values = [{ from = "2020-01-01", value = 10, citation = "c1" }, { from = "2026-06-01", value = 20, citation = "c2" }]

[[rules]]
id = "X-1"
kind = "hard"
title_en = "x"
title_ko = "x"
citation = "c"
reads = { "applicant.years_experience" = "number" }
condition = "applicant.years_experience <= param.limit"
message_en = "m"
message_ko = "m"
"#;

// ---- the shipped rule sets -------------------------------------------------------------

#[test]
fn shipped_rule_sets_load_and_their_embedded_tests_pass_with_full_coverage() {
    let book = book();
    let report = test_book(&book);
    assert!(report.is_ok(), "{report}");
    assert!(report.passed >= 50, "{report}");
    assert_eq!(
        book.routes(),
        ["COMMON", "B1-CIW", "B1-BUS", "ESTA-CIW", "B1-BILOH", "E2-ESS", "L1B", "E4-PWK"]
    );
}

#[test]
fn shipped_rule_sets_carry_the_contract_ids() {
    let book = book();
    let ids: Vec<&str> = book
        .all_sets()
        .flat_map(|s| s.rules().iter().map(|r| r.id.as_str()))
        .collect();
    for id in [
        "GEN-PASSPORT",
        "GEN-DATES",
        "B1CIW-ACT",
        "B1CIW-EQUIP",
        "B1CIW-CONTRACT",
        "B1CIW-SKILL",
        "B1CIW-PAY",
        "B1CIW-STAY",
        "ESTA-NAT",
        "ESTA-ACT",
        "ESTA-EQUIP",
        "ESTA-PAY",
        "ESTA-STAY",
        "ESTA-HISTORY",
        "BILOH-DEGREE",
        "BILOH-SPECIALTY",
        "BILOH-EMPLOYEE",
        "BILOH-PAY",
        "BILOH-STAY",
        "BILOH-NOLABOR",
        "E2-OWNERSHIP",
        "E2-TREATY",
        "E2-NAT",
        "E2-ROLE",
        "L1B-TENURE",
        "L1B-RELATION",
        "L1B-SKILL",
        "E4-NAT",
        "E4-DEGREE",
        "E4-SPECIALTY",
        "E4-LCA",
        "E4-CAP",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    let e4 = book.in_force("E4-PWK", date("2026-02-02")).unwrap();
    assert_eq!(e4.status(), RuleSetStatus::Sandbox);
    let biloh = book.in_force("B1-BILOH", date("2026-02-02")).unwrap();
    assert!(biloh.note().unwrap().contains("unverified"));
}

#[test]
fn rule_book_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleBook>();
    assert_send_sync::<RuleSet>();
    let book = std::sync::Arc::new(book());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let book = book.clone();
            std::thread::spawn(move || {
                let facts = facts();
                let ctx = EvalContext::new();
                book.evaluate(&facts, &ctx).unwrap().routes.len()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 7);
    }
}

// ---- dates and rounding ----------------------------------------------------------------

#[test]
fn fiscal_year_starts_on_october_first() {
    assert_eq!(fiscal_year(date("2026-11-27")), 2027);
    assert_eq!(fiscal_year(date("2026-10-01")), 2027);
    assert_eq!(fiscal_year(date("2026-09-30")), 2026);
    assert_eq!(fiscal_year(date("2026-01-01")), 2026);
}

#[test]
fn stay_length_counts_both_days() {
    assert_eq!(days_inclusive(date("2026-03-02"), date("2026-05-30")), 90);
    assert_eq!(days_inclusive(date("2026-03-02"), date("2026-03-02")), 1);
}

#[test]
fn adding_calendar_months_clamps_to_the_month_end() {
    assert_eq!(
        add_months_clamped(date("2025-08-31"), 6),
        Some(date("2026-02-28"))
    );
    assert_eq!(
        add_months_clamped(date("2027-08-31"), 6),
        Some(date("2028-02-29"))
    );
    assert_eq!(
        add_months_clamped(date("2026-03-31"), 1),
        Some(date("2026-04-30"))
    );
    assert_eq!(
        add_months_clamped(date("2026-01-15"), 6),
        Some(date("2026-07-15"))
    );
}

// ---- boundary cases through the full evaluation -----------------------------------------

#[test]
fn esta_allows_ninety_days_counted_inclusively() {
    let book = book();
    let ctx = EvalContext::new();
    let f = with(facts(), "assignment.planned_exit", json!("2026-05-30"));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let esta = evaluation.route("ESTA-CIW").unwrap();
    assert_eq!(esta.outcome, Outcome::Eligible);
    let stay = esta.rule("ESTA-STAY").unwrap();
    assert_eq!(stay.status, RuleStatus::Passed);
    assert_eq!(stay.facts.get("derived.stay_days"), Some(&json!(90)));
    assert_eq!(
        stay.facts.get("assignment.planned_entry"),
        Some(&json!("2026-03-02"))
    );
    assert_eq!(stay.params.get("esta_max_days"), Some(&json!(90)));

    let f = with(facts(), "assignment.planned_exit", json!("2026-05-31"));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let esta = evaluation.route("ESTA-CIW").unwrap();
    assert_eq!(esta.outcome, Outcome::Ineligible);
    let stay = esta.rule("ESTA-STAY").unwrap();
    assert_eq!(stay.status, RuleStatus::Failed);
    assert!(stay.message_en.as_deref().unwrap().contains("90 days"));
    assert!(stay.message_ko.as_deref().unwrap().contains("90일"));
}

#[test]
fn b1_in_lieu_of_h_exit_must_precede_entry_plus_six_calendar_months() {
    let book = book();
    let ctx = EvalContext::new();
    let case = |entry: &str, exit: &str| {
        let f = with(facts(), "assignment.planned_entry", json!(entry));
        let f = with(f, "assignment.planned_exit", json!(exit));
        status_of(&book, &f, &ctx, "B1-BILOH", "BILOH-STAY")
    };
    assert_eq!(case("2026-08-31", "2027-02-27"), RuleStatus::Passed);
    assert_eq!(case("2026-08-31", "2027-02-28"), RuleStatus::Failed);
    // Leap year: 31 Aug 2027 + 6 months = 29 Feb 2028.
    assert_eq!(case("2027-08-31", "2028-02-28"), RuleStatus::Passed);
    assert_eq!(case("2027-08-31", "2028-02-29"), RuleStatus::Failed);
}

#[test]
fn korean_passport_needs_validity_only_through_the_exit() {
    let book = book();
    let ctx = EvalContext::new();
    let f = with(facts(), "applicant.passport_expiry", json!("2026-05-29"));
    assert_eq!(
        status_of(&book, &f, &ctx, "B1-CIW", "GEN-PASSPORT"),
        RuleStatus::Passed
    );
    let f = with(facts(), "applicant.passport_expiry", json!("2026-05-28"));
    assert_eq!(
        status_of(&book, &f, &ctx, "B1-CIW", "GEN-PASSPORT"),
        RuleStatus::Failed
    );
}

#[test]
fn a_document_changed_in_place_between_evaluations_is_read_afresh() {
    // The engine converts each fact once per evaluation, keyed by its address: the same
    // address holding a new value in the next evaluation must not see the old conversion.
    let book = book();
    let ctx = EvalContext::new();
    let mut f = with(facts(), "applicant.passport_expiry", json!("2026-05-29"));
    for (expiry, expected) in [
        ("2026-05-28", RuleStatus::Failed),
        ("2026-05-29", RuleStatus::Passed),
        ("2026-05-28", RuleStatus::Failed),
    ] {
        *f.pointer_mut("/applicant/passport_expiry").unwrap() = json!(expiry);
        assert_eq!(
            status_of(&book, &f, &ctx, "B1-CIW", "GEN-PASSPORT"),
            expected,
            "{expiry}"
        );
    }
}

#[test]
fn other_nationalities_need_six_more_months_of_passport() {
    let book = book();
    let ctx = EvalContext::new();
    let f = with(facts(), "applicant.nationality", json!("VN"));
    let short = with(f.clone(), "applicant.passport_expiry", json!("2026-11-28"));
    assert_eq!(
        status_of(&book, &short, &ctx, "E2-ESS", "GEN-PASSPORT"),
        RuleStatus::Failed
    );
    let enough = with(f, "applicant.passport_expiry", json!("2026-11-29"));
    let evaluation = book.evaluate(&enough, &ctx).unwrap();
    let rule = evaluation
        .route("E2-ESS")
        .unwrap()
        .rule("GEN-PASSPORT")
        .unwrap();
    assert_eq!(rule.status, RuleStatus::Passed);
    assert_eq!(
        rule.facts.get("derived.exit_plus_passport_months"),
        Some(&json!("2026-11-29"))
    );
}

#[test]
fn entry_before_the_filing_date_fails_gen_dates_on_every_route() {
    let book = book();
    let ctx = EvalContext::new();
    let f = with(facts(), "assignment.planned_entry", json!("2026-02-01"));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    for route in &evaluation.routes {
        // B1-BUS is new in v2: not available on a v1 date.
        if route.route == "B1-BUS" {
            assert_eq!(route.outcome, Outcome::NotAvailable);
            continue;
        }
        assert_eq!(route.rule("GEN-DATES").unwrap().status, RuleStatus::Failed);
        assert_eq!(route.outcome, Outcome::Ineligible, "{}", route.route);
    }
}

#[test]
fn a_missing_fact_is_an_error_on_the_rules_that_declared_it() {
    let book = book();
    let ctx = EvalContext::new();
    let f = without(facts(), "applicant.prior_us_violation");
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let esta = evaluation.route("ESTA-CIW").unwrap();
    let history = esta.rule("ESTA-HISTORY").unwrap();
    assert_eq!(history.status, RuleStatus::Error);
    assert!(history
        .message_en
        .as_deref()
        .unwrap()
        .contains("applicant.prior_us_violation"));
    assert_eq!(
        history.facts.get("applicant.prior_us_violation"),
        Some(&Value::Null)
    );
    assert_eq!(esta.outcome, Outcome::NeedsReview);
    assert_eq!(esta.ids_with(RuleStatus::Error), ["ESTA-HISTORY"]);
    // Error rules come first.
    assert_eq!(esta.rules[0].id, "ESTA-HISTORY");
}

#[test]
fn an_ill_typed_fact_is_an_error_never_a_silent_pass_or_fail() {
    let book = book();
    let ctx = EvalContext::new();
    for bad in [
        json!(20260530),
        json!("2026-02-30"),
        json!("30/05/2026"),
        json!(null),
    ] {
        let f = with(facts(), "assignment.planned_exit", bad.clone());
        let evaluation = book.evaluate(&f, &ctx).unwrap();
        let esta = evaluation.route("ESTA-CIW").unwrap();
        for id in ["ESTA-STAY", "GEN-DATES", "GEN-PASSPORT"] {
            assert_eq!(
                esta.rule(id).unwrap().status,
                RuleStatus::Error,
                "{id} with {bad}"
            );
        }
        assert_eq!(esta.outcome, Outcome::NeedsReview);
    }
    let f = with(facts(), "applicant.prior_us_violation", json!("no"));
    assert_eq!(
        status_of(&book, &f, &ctx, "ESTA-CIW", "ESTA-HISTORY"),
        RuleStatus::Error
    );
    let f = with(facts(), "assignment.activities", json!(["install", 3]));
    assert_eq!(
        status_of(&book, &f, &ctx, "B1-CIW", "B1CIW-ACT"),
        RuleStatus::Error
    );
}

#[test]
fn a_worker_detained_in_2025_without_a_violation_passes_esta_history() {
    let book = book();
    let ctx = EvalContext::new();
    let f = with(facts(), "applicant.previously_detained_2025", json!(true));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let esta = evaluation.route("ESTA-CIW").unwrap();
    assert_eq!(
        esta.rule("ESTA-HISTORY").unwrap().status,
        RuleStatus::Passed
    );
    assert_eq!(esta.outcome, Outcome::Eligible);
}

#[test]
fn e4_cap_passes_at_14999_and_fails_at_15000_and_errors_without_a_figure() {
    let book = book();
    let f = facts();
    let at = |used: Option<u64>| {
        let ctx = used.map_or_else(EvalContext::new, |n| EvalContext::new().with_e4_cap_used(n));
        status_of(&book, &f, &ctx, "E4-PWK", "E4-CAP")
    };
    assert_eq!(at(Some(14_999)), RuleStatus::Passed);
    assert_eq!(at(Some(15_000)), RuleStatus::Failed);
    assert_eq!(at(None), RuleStatus::Error);
}

#[test]
fn nullable_wages_make_e4_lca_fail_not_error() {
    let book = book();
    let ctx = EvalContext::new().with_e4_cap_used(0);
    let f = with(facts(), "employer.labor_attestation_filed", json!(true));
    assert_eq!(
        status_of(&book, &f, &ctx, "E4-PWK", "E4-LCA"),
        RuleStatus::Failed
    );
    let f = with(f, "assignment.offered_wage_usd", json!(95000.50));
    let f = with(f, "assignment.prevailing_wage_usd", json!(95000.5));
    assert_eq!(
        status_of(&book, &f, &ctx, "E4-PWK", "E4-LCA"),
        RuleStatus::Passed
    );
}

#[test]
fn failed_and_error_rules_come_first_then_file_order() {
    let book = book();
    let ctx = EvalContext::new();
    let f = with(facts(), "assignment.pay_source", json!("us"));
    let f = without(f, "applicant.specialized_knowledge");
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let b1 = evaluation.route("B1-CIW").unwrap();
    let ids: Vec<&str> = b1.rules.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "B1CIW-SKILL",
            "B1CIW-PAY",
            "B1CIW-ACT",
            "B1CIW-EQUIP",
            "B1CIW-CONTRACT",
            "B1CIW-STAY",
            "B1CIW-STAY-REVIEW",
            "GEN-PASSPORT",
            "GEN-DATES"
        ]
    );
    assert_eq!(b1.outcome, Outcome::Ineligible);
}

#[test]
fn evaluation_serializes_to_the_api_shape() {
    let book = book();
    let ctx = EvalContext::new().with_e4_cap_used(10);
    let f = facts();
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let json = serde_json::to_value(&evaluation).unwrap();
    assert_eq!(json["filing_date"], "2026-02-02");
    assert_eq!(json["fiscal_year"], 2026);
    assert_eq!(json["routes"][1]["route"], "B1-BUS");
    assert_eq!(json["routes"][1]["outcome"], "not_available");
    assert_eq!(json["routes"][1]["ruleset"], serde_json::Value::Null);
    let route = &json["routes"][2];
    assert_eq!(route["route"], "ESTA-CIW");
    assert_eq!(route["outcome"], "eligible");
    assert_eq!(route["ruleset"]["version"], 1);
    assert_eq!(route["ruleset"]["status"], "in_force");
    assert_eq!(route["ruleset"]["hash"].as_str().unwrap().len(), 64);
    assert_eq!(route["common"]["route"], "COMMON");
    let rule = &route["rules"][0];
    for key in [
        "id",
        "kind",
        "citation",
        "title_en",
        "title_ko",
        "status",
        "message_en",
        "message_ko",
        "facts",
        "params",
    ] {
        assert!(rule.get(key).is_some(), "{key}");
    }
    assert_eq!(rule["facts"]["applicant.nationality"], "KR");
    assert_eq!(json["routes"][6]["ruleset"]["status"], "sandbox");
    // The fast writer and serde agree.
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&evaluation.to_json()).unwrap(),
        json
    );
}

#[test]
fn facts_errors_only_for_the_filing_date_or_no_version_in_force() {
    let book = book();
    let ctx = EvalContext::new();
    let f = without(facts(), "filing_date");
    assert!(matches!(
        book.evaluate(&f, &ctx),
        Err(FactsError::MissingFilingDate)
    ));
    let f = with(facts(), "filing_date", json!("2026-13-01"));
    assert!(matches!(
        book.evaluate(&f, &ctx),
        Err(FactsError::InvalidFilingDate { .. })
    ));
    // Before the first rule sets, every route is not available: never an error.
    let f = with(facts(), "filing_date", json!("2025-01-01"));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    assert!(evaluation
        .routes
        .iter()
        .all(|r| r.outcome == Outcome::NotAvailable));
}

#[test]
fn hash_is_sha256_of_the_canonical_source() {
    let text = synthetic("X", 1, "2026-01-01", SIMPLE_RULE);
    let lf = RuleBook::from_sources(vec![("x.toml".into(), text.clone())]).unwrap();
    let crlf = RuleBook::from_sources(vec![("x.toml".into(), text.replace('\n', "\r\n"))]).unwrap();
    let hash = lf.find("X", 1).unwrap().hash().to_string();
    assert_eq!(hash, crlf.find("X", 1).unwrap().hash());
    use sha2::Digest;
    assert_eq!(hash, hex::encode(sha2::Sha256::digest(text.as_bytes())));
}

// ---- parameters, applicability, versions ------------------------------------------------

#[test]
fn parameters_are_valued_on_the_filing_date() {
    let text = synthetic("X", 1, "2026-01-01", SIMPLE_RULE);
    let book = RuleBook::from_sources(vec![("x.toml".into(), text)]).unwrap();
    let ctx = EvalContext::new();
    let f = with(facts(), "applicant.years_experience", json!(15));
    assert_eq!(status_of(&book, &f, &ctx, "X", "X-1"), RuleStatus::Failed);
    let f = with(f, "filing_date", json!("2026-06-01"));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let rule = evaluation.route("X").unwrap().rule("X-1").unwrap();
    assert_eq!(rule.status, RuleStatus::Passed);
    assert_eq!(rule.params.get("limit"), Some(&json!(20)));
}

#[test]
fn applies_if_false_makes_a_rule_not_applicable() {
    let rules = r#"
[[rules]]
id = "X-EV"
kind = "evidence"
title_en = "x"
title_ko = "x"
citation = "c"
reads = { "applicant.role" = "string", "applicant.specialized_knowledge" = "bool" }
applies_if = "applicant.role == 'engineer'"
condition = "applicant.specialized_knowledge"
message_en = "m"
message_ko = "m"
"#;
    let text = synthetic("X", 1, "2026-01-01", rules);
    let book = RuleBook::from_sources(vec![("x.toml".into(), text)]).unwrap();
    let ctx = EvalContext::new();
    let f = facts();
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    let route = evaluation.route("X").unwrap();
    assert_eq!(
        route.rule("X-EV").unwrap().status,
        RuleStatus::NotApplicable
    );
    assert_eq!(route.outcome, Outcome::Eligible);
    let f = with(facts(), "applicant.role", json!("engineer"));
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    assert_eq!(evaluation.route("X").unwrap().outcome, Outcome::NeedsReview);
}

#[test]
fn overlapping_and_gapped_windows_are_reported_with_their_versions() {
    // `effective_to` is a top-level key: it goes before the rule tables.
    let v1 = synthetic(
        "X",
        1,
        "2026-01-01",
        &format!("effective_to = \"2026-03-01\"\n{SIMPLE_RULE}"),
    );
    let gap = synthetic("X", 2, "2026-04-01", SIMPLE_RULE);
    let err = RuleBook::from_sources(vec![("a.toml".into(), v1.clone()), ("b.toml".into(), gap)])
        .unwrap_err();
    assert!(
        err.problems
            .iter()
            .any(|p| p.message.contains("gap between X v1") && p.message.contains("v2")),
        "{err}"
    );
    let overlap = synthetic("X", 2, "2026-02-01", SIMPLE_RULE);
    let err = RuleBook::from_sources(vec![
        ("a.toml".into(), v1.clone()),
        ("b.toml".into(), overlap),
    ])
    .unwrap_err();
    assert!(
        err.problems
            .iter()
            .any(|p| p.message.contains("X v1 (ends 2026-03-01) overlaps v2")),
        "{err}"
    );
    let same = synthetic("X", 2, "2026-01-01", SIMPLE_RULE);
    let err = RuleBook::from_sources(vec![("a.toml".into(), v1.clone()), ("b.toml".into(), same)])
        .unwrap_err();
    assert!(
        err.problems.iter().any(|p| p.message.contains("overlap")),
        "{err}"
    );
    let adjacent = synthetic("X", 2, "2026-03-01", SIMPLE_RULE);
    let book =
        RuleBook::from_sources(vec![("a.toml".into(), v1), ("b.toml".into(), adjacent)]).unwrap();
    assert_eq!(book.in_force("X", date("2026-02-28")).unwrap().version(), 1);
    assert_eq!(book.in_force("X", date("2026-03-01")).unwrap().version(), 2);
    assert!(book.in_force("X", date("2025-12-31")).is_none());
}

#[test]
fn publishing_a_version_closes_the_previous_window_and_runs_all_tests() {
    let book = book();
    let source = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/esta-ciw.v2.toml"
    ))
    .replacen("version = 2", "version = 3", 1)
    .replacen(
        "effective_from = \"2026-12-01\"",
        "effective_from = \"2027-07-01\"",
        1,
    );
    let published = book.with_published(&source).unwrap();
    assert_eq!(
        published
            .in_force("ESTA-CIW", date("2027-06-30"))
            .unwrap()
            .version(),
        2
    );
    assert_eq!(
        published
            .in_force("ESTA-CIW", date("2027-07-01"))
            .unwrap()
            .version(),
        3
    );
    // The old book is unchanged.
    assert_eq!(
        book.in_force("ESTA-CIW", date("2027-07-01"))
            .unwrap()
            .version(),
        2
    );

    let again = published.with_published(&source).unwrap_err();
    assert!(
        again
            .problems
            .iter()
            .any(|p| p.field.as_deref() == Some("version")),
        "{again}"
    );

    let earlier = source.replacen("version = 3", "version = 4", 1).replacen(
        "effective_from = \"2027-07-01\"",
        "effective_from = \"2027-05-01\"",
        1,
    );
    let err = published.with_published(&earlier).unwrap_err();
    assert!(
        err.problems
            .iter()
            .any(|p| p.field.as_deref() == Some("effective_from")),
        "{err}"
    );

    // A version whose embedded tests fail is refused.
    let broken = source
        .replacen("version = 3", "version = 4", 1)
        .replacen(
            "effective_from = \"2027-07-01\"",
            "effective_from = \"2027-08-01\"",
            1,
        )
        .replacen("value = 90,", "value = 60,", 1);
    let err = published.with_published(&broken).unwrap_err();
    assert!(
        err.problems.iter().any(|p| p.message.contains("test `")),
        "{err}"
    );

    let unknown = source.replacen("route = \"ESTA-CIW\"", "route = \"ESTA-XYZ\"", 1);
    assert!(book.with_published(&unknown).is_err());
}

#[test]
fn coverage_requires_a_passing_and_a_failing_test_per_rule() {
    let tests = r#"
[base_facts]
filing_date = "2026-02-02"
[base_facts.applicant]
years_experience = 3

[[tests]]
name = "passes"
outcome = "eligible"
"#;
    let text = synthetic("X", 1, "2026-01-01", &format!("{SIMPLE_RULE}\n{tests}"));
    let book = RuleBook::from_sources(vec![("x.toml".into(), text)]).unwrap();
    let report = test_book(&book);
    assert_eq!(report.passed, 1);
    assert_eq!(report.coverage.len(), 1, "{report}");
    assert!(report.coverage[0].message.contains("fails"));
    assert!(!report.is_ok());
}

#[test]
fn dry_run_lists_outcomes_a_draft_would_change() {
    let book = book();
    let draft_text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/esta-ciw.toml"))
        .replacen("version = 1", "version = 2", 1)
        .replacen("value = 90,", "value = 60,", 1);
    let draft = book.compile_draft(&draft_text).unwrap();
    let cases: Vec<DryRunCase> = ["2026-04-30", "2026-05-01", "2026-05-29"]
        .iter()
        .map(|exit| DryRunCase {
            facts: with(facts(), "assignment.planned_exit", json!(exit)),
            context: EvalContext::new(),
        })
        .collect();
    let report = book.dry_run(std::slice::from_ref(&draft), &cases);
    assert_eq!(report.cases, 3);
    let changed: Vec<usize> = report.changed.iter().map(|c| c.case).collect();
    assert_eq!(changed, [1, 2]);
    assert!(report.changed.iter().all(|c| c.route == "ESTA-CIW"
        && c.before == Outcome::Eligible
        && c.after == Outcome::Ineligible));
    let evaluation = book
        .evaluate_with(
            &cases[0].facts,
            &cases[0].context,
            std::slice::from_ref(&draft),
        )
        .unwrap();
    assert_eq!(
        evaluation
            .route("ESTA-CIW")
            .unwrap()
            .ruleset
            .as_ref()
            .unwrap()
            .version,
        2
    );
}

// ---- condition safety --------------------------------------------------------------------

fn rule_with(condition: &str, reads: &str) -> Result<RuleBook, ValidationReport> {
    let rules = format!(
        r#"
[parameters.limit]
values = [{{ from = "2020-01-01", value = 10, citation = "c" }}]

[[rules]]
id = "X-1"
kind = "hard"
title_en = "x"
title_ko = "x"
citation = "c"
reads = {{ {reads} }}
condition = '''{condition}'''
message_en = "m"
message_ko = "m"
"#
    );
    RuleBook::from_sources(vec![(
        "x.toml".into(),
        synthetic("X", 1, "2026-01-01", &rules),
    )])
}

fn refused(condition: &str, reads: &str) -> String {
    match rule_with(condition, reads) {
        Ok(_) => panic!("accepted: {condition}"),
        Err(report) => report.to_string(),
    }
}

const READS: &str = r#""applicant.role" = "string", "applicant.years_experience" = "number""#;

#[test]
fn conditions_over_the_limits_are_refused() {
    let long = format!("applicant.years_experience > 0{}", " or true".repeat(200));
    assert!(refused(&long, READS).contains("characters long"));
    let deep = format!(
        "{}applicant.years_experience > 0{}",
        "(".repeat(13),
        ")".repeat(13)
    );
    assert!(refused(&deep, READS).contains("deep"));
    let many = format!("applicant.years_experience > 0{}", " or 1>0".repeat(90));
    assert!(refused(&many, READS).contains("tokens"));
    let ok = format!(
        "{}applicant.years_experience > 0{}",
        "(".repeat(12),
        ")".repeat(12)
    );
    assert!(rule_with(&ok, READS).is_ok());
}

#[test]
fn regex_clock_and_randomness_are_refused() {
    assert!(refused("matches(applicant.role, '^(a+)+$')", READS).contains("matches"));
    assert!(refused("extract(applicant.role, '(a)')[0] == 'a'", READS).contains("extract"));
    assert!(refused("fuzzyMatch(applicant.role, 'x') > 0", READS).contains("fuzzyMatch"));
    assert!(refused("rand(10) > 5", READS).contains("rand"));
    assert!(refused("d() > d('2020-01-01')", READS).contains("d()"));
    assert!(refused("d('2020-01-01').isToday()", READS).contains("isToday"));
    let dates = r#""assignment.planned_entry" = "date""#;
    assert!(refused("d(assignment.planned_entry) > d('2020-01-01')", dates).contains("d()"));
    assert!(refused(
        "assignment.planned_entry.add(6, 'M') > assignment.planned_entry",
        dates
    )
    .contains("date methods"));
    assert!(refused("`${applicant.role}` == 'x'", READS).contains("template"));
    assert!(refused("applicant.role = 'x'", READS).contains("assignment"));
    assert!(refused("applicant.years_experience > 0; true", READS).contains("statements"));
    // A string that merely contains the word is fine.
    assert!(rule_with("applicant.role != 'matches'", READS).is_ok());
}

#[test]
fn undeclared_reads_and_unknown_parameters_are_refused() {
    let text = refused("applicant.nationality == 'KR'", READS);
    assert!(text.contains("without declaring it"), "{text}");
    assert!(refused("applicant.years_experience < param.nope", READS).contains("unknown parameter"));
    assert!(refused("$root.applicant.role == 'x'", READS).contains("without declaring"));
    assert!(
        refused("applicant.role == 'x'", r#""applicant.role" = "text""#).contains("unknown type")
    );
    assert!(refused("applicant.role == 'x' and", READS).contains("parse"));
    assert!(rule_with("applicant.years_experience < param.limit", READS).is_ok());
}

#[test]
fn hostile_nesting_and_long_chains_compile_on_the_big_stack_without_crashing() {
    // Bypass the limits on purpose: this is what a bug in them would let through.
    // Sizes far past the limits (depth 12, 1,000 characters), compiled on the 16 MiB thread.
    let deep = format!("{}1{}", "(".repeat(1_000), ")".repeat(1_000));
    let chain = format!("1{}", " + 1".repeat(10_000));
    let results = condition::compile_all(&ZenEngine, vec![deep, chain]).unwrap();
    assert_eq!(results.len(), 2);
    // And through validation they are refused before compiling.
    let chain = format!("1{} > 0", " + 1".repeat(50_000));
    assert!(refused(&chain, READS).contains("characters long"));
}

#[test]
fn the_expression_context_holds_only_declared_inputs() {
    // `applicant.role` exists in the facts but is not declared: the engine refuses it at load,
    // and at run time the context would not contain it.
    let compiled = ZenEngine.compile("applicant.role == null").unwrap();
    let value = json!(3);
    let segments = ["applicant".to_string(), "years_experience".to_string()];
    let bindings = [Binding {
        path: "applicant.years_experience",
        segments: &segments,
        ty: ValueType::parse("number").unwrap(),
        value: &value,
        origin: Origin::Computed,
    }];
    assert_eq!(ZenEngine.eval_bool(&compiled, &bindings), Ok(true));
}

#[test]
fn check_dir_loads_the_shipped_directory() {
    let book = check_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    assert_eq!(book.routes().len(), 8);
    assert!(test_book(&book).is_ok());
    assert!(check_dir("/nonexistent-rules-dir").is_err());
}

#[test]
fn fast_json_writer_matches_serde_byte_for_byte() {
    let book = book();
    let mut cases = vec![
        (facts(), EvalContext::new().with_e4_cap_used(3)),
        (
            without(facts(), "applicant.passport_expiry"),
            EvalContext::new(),
        ),
        (
            with(facts(), "assignment.planned_exit", json!(12)),
            EvalContext::new(),
        ),
        (
            with(
                facts(),
                "assignment.pay_source",
                json!("us\n\"quoted\"\u{1}"),
            ),
            EvalContext::new(),
        ),
    ];
    cases.push((
        with(facts(), "applicant.nationality", json!("CN")),
        EvalContext::new().with_e4_cap_used(15_000),
    ));
    for (f, ctx) in &cases {
        let evaluation = book.evaluate(f, ctx).unwrap();
        assert_eq!(
            evaluation.to_json(),
            serde_json::to_string(&evaluation).unwrap()
        );
    }
    let text = synthetic("X", 1, "2026-01-01", SIMPLE_RULE);
    let book = RuleBook::from_sources(vec![("x.toml".into(), text)]).unwrap();
    let f = facts();
    let ctx = EvalContext::new();
    let evaluation = book.evaluate(&f, &ctx).unwrap();
    assert_eq!(
        evaluation.to_json(),
        serde_json::to_string(&evaluation).unwrap()
    );
}
