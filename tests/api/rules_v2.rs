//! Rules v2 through the API, on a desk whose calendar is past v2's start (2026-12-01): the
//! approval gates, `esta_advised`, amendments and evidence confirmations that re-evaluate, and
//! a publish that re-evaluates the undecided cases in the background.

use chrono::NaiveDate;
use kitdesk::domain::Role;
use kitdesk::service::Settings;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app_configured, worker, TestApp, TestUser};

/// The rehearsal desk's date: v2 is in force.
fn desk_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()
}

async fn v2_desk() -> TestApp {
    spawn_app_configured(Settings::default(), |c| c.desk_date = Some(desk_date())).await
}

/// A trainer for a battery line, with every v2 fact given: employed by the seller, degree in
/// the specialty, 60 days from three weeks after the desk's date.
fn v2_worker(i: usize) -> Value {
    let mut w = worker(i);
    let entry = desk_date() + chrono::Duration::days(21);
    let exit = entry + chrono::Duration::days(59);
    w["education"] = json!("bachelor");
    w["degree_in_specialty"] = json!(true);
    w["other_nationalities"] = json!([]);
    w["degree_equivalent"] = json!(false);
    w["tenure_continuous"] = json!(true);
    w["prior_visa_refusal"] = json!(false);
    w["prior_esta_denial"] = json!(false);
    w["travel_since_2011"] = json!([]);
    w["e4_initial"] = json!(true);
    w["assignment"]["planned_entry"] = json!(entry.to_string());
    w["assignment"]["planned_exit"] = json!(exit.to_string());
    w["assignment"]["worker_employed_by_seller"] = json!(true);
    w["assignment"]["worksite_controlled_by_group"] = json!(true);
    w["assignment"]["specialty_occupation"] = json!(true);
    w
}

struct Desk {
    app: TestApp,
    officer: TestUser,
    supervisor: TestUser,
    employer: TestUser,
    cases: Vec<String>,
}

async fn filed(n: usize) -> Desk {
    let app = v2_desk().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let workers: Vec<Value> = (0..n).map(v2_worker).collect();
    let response = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": workers}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let filing: Value = response.json().await.unwrap();
    assert_eq!(filing["filing_date"], desk_date().to_string());
    let cases = filing["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    Desk {
        app,
        officer,
        supervisor,
        employer: sponsor.employer,
        cases,
    }
}

async fn eligibility(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let response = app
        .get(
            &format!("/api/v1/cases/{id}/eligibility"),
            Some(&user.token),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn route<'a>(eligibility: &'a Value, route: &str) -> &'a Value {
    eligibility["evaluation"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == route)
        .unwrap_or_else(|| panic!("{route} in {eligibility}"))
}

fn statuses<'a>(route: &'a Value, status: &str) -> Vec<&'a str> {
    route["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == status)
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn esta_needs_its_evidence_confirmed_and_ends_advised_without_a_visa() {
    let d = filed(1).await;
    let id = &d.cases[0];
    let before = eligibility(&d.app, &d.officer, id).await;
    assert_eq!(before["evaluation_date"], desk_date().to_string());
    assert_eq!(before["trigger"], "filing");
    let esta = route(&before, "ESTA-CIW");
    assert_eq!(esta["outcome"], "needs_review", "{esta}");
    assert_eq!(
        statuses(esta, "unconfirmed"),
        ["ESTA-CONTRACT", "ESTA-SKILL"]
    );
    // every status says why, and an evidence rule names its document
    let contract = esta["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ESTA-CONTRACT")
        .unwrap();
    assert_eq!(contract["document"], "sales_contract");
    assert!(contract["message_ko"]
        .as_str()
        .unwrap()
        .contains("판매 계약서"));

    d.app
        .act_ok(&d.officer, id, json!({"action": "start_review"}))
        .await;
    // the employer may not confirm evidence; an unknown rule is a 422 naming the field
    let (_, etag) = d.app.case(&d.employer, id).await;
    assert_problem(
        d.app
            .act(
                &d.employer,
                id,
                Some(&etag),
                &json!({"action": "confirm_evidence", "rule_id": "ESTA-CONTRACT", "note": "ok"}),
            )
            .await,
        403,
        "forbidden",
    )
    .await;
    let (_, etag) = d.app.case(&d.officer, id).await;
    let problem = assert_problem(
        d.app
            .act(
                &d.officer,
                id,
                Some(&etag),
                &json!({"action": "confirm_evidence", "rule_id": "ESTA-NAT", "note": "ok"}),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "rule_id");
    for rule in ["ESTA-CONTRACT", "ESTA-SKILL"] {
        d.app
            .act_ok(
                &d.officer,
                id,
                json!({"action": "confirm_evidence", "rule_id": rule, "note": "Clause 7.2 obliges the seller to install"}),
            )
            .await;
    }
    let after = eligibility(&d.app, &d.officer, id).await;
    assert_eq!(after["trigger"], "confirm_evidence");
    let esta = route(&after, "ESTA-CIW");
    assert_eq!(esta["outcome"], "eligible", "{esta}");
    assert_eq!(statuses(esta, "confirmed"), ["ESTA-CONTRACT", "ESTA-SKILL"]);

    let advised = d
        .app
        .act_ok(
            &d.officer,
            id,
            json!({"action": "approve", "route": "ESTA-CIW", "reason": "Seller's installer, contract and skill confirmed"}),
        )
        .await;
    assert_eq!(advised["status"], "esta_advised");
    assert_eq!(advised["decision"]["route"], "ESTA-CIW");
    assert_eq!(advised["decision"]["annotation"], Value::Null);
    assert!(!advised["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "issue_visa"));
    // the decision was checked against an evaluation made at that moment
    let decided = eligibility(&d.app, &d.officer, id).await;
    assert_eq!(decided["trigger"], "approval");
}

#[tokio::test]
async fn amending_the_facts_reevaluates_and_records_only_what_changed() {
    let d = filed(1).await;
    let id = &d.cases[0];
    let b1 = eligibility(&d.app, &d.officer, id).await;
    assert_eq!(route(&b1, "B1-CIW")["outcome"], "needs_review");
    // the employer learns the worker is the buyer's trainer, not the seller's
    let amended = d
        .app
        .act_ok(
            &d.employer,
            id,
            json!({"action": "amend_facts", "reason": "Employed by the buyer",
                   "facts": {"assignment": {"worker_employed_by_seller": false}}}),
        )
        .await;
    assert_eq!(
        amended["facts"]["assignment"]["worker_employed_by_seller"],
        false
    );
    let after = eligibility(&d.app, &d.officer, id).await;
    assert_eq!(after["trigger"], "amend_facts");
    let b1 = route(&after, "B1-CIW");
    assert_eq!(b1["outcome"], "ineligible");
    assert_eq!(statuses(b1, "failed"), ["B1CIW-SELLER"]);
    // the trail has the changed paths and the reason, never a value
    let history: Value = d
        .app
        .get(
            &format!("/api/v1/cases/{id}/history"),
            Some(&d.officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let entry = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "case.amend_facts")
        .unwrap();
    assert_eq!(
        entry["summary"]["details"]["changed"],
        json!(["assignment.worker_employed_by_seller"])
    );
    // a wrong fact is a 422 naming it, and nothing changes
    let (_, etag) = d.app.case(&d.employer, id).await;
    let problem = assert_problem(
        d.app
            .act(&d.employer, id, Some(&etag), &json!({"action": "amend_facts", "reason": "typo", "facts": {"applicant": {"role": "welder"}}}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "facts.applicant.role");
    // no approval of an ineligible route by anyone; after a decision, no more amendments
    d.app
        .act_ok(&d.officer, id, json!({"action": "start_review"}))
        .await;
    let approve = json!({"action": "approve", "route": "B1-CIW", "reason": "Trainer"});
    for user in [&d.officer, &d.supervisor] {
        let (_, etag) = d.app.case(user, id).await;
        assert_problem(
            d.app.act(user, id, Some(&etag), &approve).await,
            409,
            "route_ineligible",
        )
        .await;
    }
    d.app
        .act_ok(
            &d.officer,
            id,
            json!({"action": "refuse", "ground": "214(b)", "reason": "The buyer's staff are not B-1 installers"}),
        )
        .await;
    let (_, etag) = d.app.case(&d.employer, id).await;
    assert_problem(
        d.app
            .act(&d.employer, id, Some(&etag), &json!({"action": "amend_facts", "reason": "late", "facts": {"assignment": {"worker_employed_by_seller": true}}}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
}

#[tokio::test]
async fn a_route_with_a_caution_is_approved_by_a_supervisor_only() {
    let d = filed(1).await;
    let id = &d.cases[0];
    let biloh = eligibility(&d.app, &d.officer, id).await;
    let route_biloh = route(&biloh, "B1-BILOH");
    assert_eq!(route_biloh["outcome"], "needs_review");
    assert!(route_biloh["caution_en"]
        .as_str()
        .unwrap()
        .contains("85 FR 66878"));
    d.app
        .act_ok(&d.officer, id, json!({"action": "start_review"}))
        .await;
    let approve =
        json!({"action": "approve", "route": "B1-BILOH", "reason": "Specialty occupation shown"});
    let (_, etag) = d.app.case(&d.officer, id).await;
    assert_problem(
        d.app.act(&d.officer, id, Some(&etag), &approve).await,
        409,
        "supervisor_required",
    )
    .await;
    let approved = d.app.act_ok(&d.supervisor, id, approve).await;
    assert_eq!(approved["status"], "approved");
    assert!(approved["decision"]["annotation"]
        .as_str()
        .unwrap()
        .contains("B1-BILOH"));
    // B1-BUS exists on a v2 date: an installer is no business visitor
    assert_eq!(route(&biloh, "B1-BUS")["outcome"], "ineligible");
}

#[tokio::test]
async fn publishing_reevaluates_the_undecided_cases_only_in_the_background() {
    let d = filed(2).await;
    let (open, decided) = (&d.cases[0], &d.cases[1]);
    d.app
        .act_ok(&d.officer, decided, json!({"action": "start_review"}))
        .await;
    d.app
        .act_ok(
            &d.officer,
            decided,
            json!({"action": "refuse", "ground": "214(b)", "reason": "Not needed"}),
        )
        .await;
    let published = publish(&d, esta_v3()).await;
    let run_id = published["reevaluation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(published["reevaluation"]["total"], 1);
    let run = finished_run(&d, &run_id).await;
    assert_eq!(
        (run["done"].as_i64(), run["failed"].as_i64()),
        (Some(1), Some(0)),
        "{run}"
    );
    let now_open = eligibility(&d.app, &d.officer, open).await;
    assert_eq!(now_open["trigger"], "publish");
    assert_eq!(route(&now_open, "ESTA-CIW")["ruleset"]["version"], 3);
    let still = eligibility(&d.app, &d.officer, decided).await;
    assert_ne!(still["trigger"], "publish");
    // the employer sees no progress of the desk's runs
    assert_problem(
        d.app
            .get(
                &format!("/api/v1/reevaluations/{run_id}"),
                Some(&d.employer.token),
            )
            .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_case_that_cannot_be_reevaluated_fails_alone() {
    let d = filed(3).await;
    let broken = d.cases[1].clone();
    d.app
        .ctx
        .run(move |conn, _| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE cases SET facts_json = 'not json' WHERE id = '{broken}'"
            ))
            .execute(conn)
            .map_err(kitdesk::service::ServiceError::from)
        })
        .await
        .unwrap();
    let published = publish(&d, esta_v3()).await;
    let run_id = published["reevaluation"]["id"].as_str().unwrap().to_owned();
    let run = finished_run(&d, &run_id).await;
    assert_eq!(
        (run["done"].as_i64(), run["failed"].as_i64()),
        (Some(3), Some(1)),
        "{run}"
    );
    // the cases before and after the broken one in the same transaction were re-evaluated
    for case in [&d.cases[0], &d.cases[2]] {
        let now = eligibility(&d.app, &d.officer, case).await;
        assert_eq!(now["trigger"], "publish", "{case}");
        assert_eq!(route(&now, "ESTA-CIW")["ruleset"]["version"], 3);
    }
}

/// ESTA-CIW version 3: version 2's rules, in effect from 2027-01-05.
fn esta_v3() -> String {
    include_str!("../../rules/esta-ciw.v2.toml")
        .replacen("version = 2", "version = 3", 1)
        .replacen(
            "effective_from = \"2026-12-01\"",
            "effective_from = \"2027-01-05\"",
            1,
        )
}

/// The re-evaluation run, once finished (or as it stands after five seconds).
async fn finished_run(d: &Desk, run_id: &str) -> Value {
    let mut run = Value::Null;
    for _ in 0..100 {
        run = d
            .app
            .get(
                &format!("/api/v1/reevaluations/{run_id}"),
                Some(&d.officer.token),
            )
            .await
            .json()
            .await
            .unwrap();
        if !run["finished_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    run
}

async fn publish(d: &Desk, source: String) -> Value {
    let response = d
        .app
        .client
        .post(d.app.url("/api/v1/rulesets"))
        .bearer_auth(&d.supervisor.token)
        .header("content-type", "application/toml")
        .body(source)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn enacted_e4(version: u32, from: &str, cap: i64) -> String {
    include_str!("../../rules/e4-pwk.v2.toml")
        .replacen("version = 2", &format!("version = {version}"), 1)
        .replacen("status = \"sandbox\"", "status = \"in_force\"", 1)
        .replacen(
            "effective_from = \"2026-12-01\"",
            &format!("effective_from = \"{from}\""),
            1,
        )
        .replacen("value = 15000", &format!("value = {cap}"), 1)
}

async fn cap(d: &Desk) -> Value {
    d.app
        .get("/api/v1/caps/E4-PWK/2027", Some(&d.supervisor.token))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_enacted_e4_cap_counts_initial_approvals_and_follows_the_cap_in_force() {
    let d = filed(4).await;
    // Rehearsing the day the Partner with Korea Act is law.
    publish(&d, enacted_e4(3, "2027-01-05", 15000)).await;
    let e4_facts = json!({"employer": {"labor_attestation_filed": true, "strike_or_lockout": false},
        "assignment": {"offered_wage_usd": 120000, "prevailing_wage_usd": 100000, "actual_wage_usd": 110000}});
    for id in &d.cases {
        d.app
            .act_ok(
                &d.employer,
                id,
                json!({"action": "amend_facts", "reason": "LCA filed", "facts": e4_facts}),
            )
            .await;
    }
    // the fourth is a renewal: it never counts against the cap
    d.app
        .act_ok(
            &d.employer,
            &d.cases[3],
            json!({"action": "amend_facts", "reason": "Second E-4", "facts": {"applicant": {"e4_initial": false}}}),
        )
        .await;
    for id in &d.cases {
        d.app
            .act_ok(&d.officer, id, json!({"action": "start_review"}))
            .await;
    }
    d.app
        .sql("INSERT INTO cap_counters (route, fiscal_year, cap, used) VALUES ('E4-PWK', 2027, 15000, 14999)")
        .await;
    let approve = json!({"action": "approve", "route": "E4-PWK", "reason": "Specialty occupation, LCA on file"});
    let (_, e0) = d.app.case(&d.supervisor, &d.cases[0]).await;
    let (_, e1) = d.app.case(&d.supervisor, &d.cases[1]).await;
    let (a, b) = tokio::join!(
        d.app.act(&d.supervisor, &d.cases[0], Some(&e0), &approve),
        d.app.act(&d.supervisor, &d.cases[1], Some(&e1), &approve)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "one slot, two approvals at once");
    let (approved, refused) = if a.status() == 200 {
        (&d.cases[0], &d.cases[1])
    } else {
        (&d.cases[1], &d.cases[0])
    };
    let usage = cap(&d).await;
    assert_eq!(
        (usage["used"].as_i64(), usage["remaining"].as_i64()),
        (Some(15000), Some(0)),
        "{usage}"
    );
    // a renewal needs no slot
    let renewed = d
        .app
        .act_ok(&d.supervisor, &d.cases[3], approve.clone())
        .await;
    assert_eq!(renewed["status"], "approved");
    assert_eq!(cap(&d).await["used"], 15000);
    // the employer withdraws the approved case: its slot is free again
    d.app
        .act_ok(
            &d.employer,
            approved,
            json!({"action": "withdraw", "reason": "Project postponed"}),
        )
        .await;
    assert_eq!(cap(&d).await["remaining"], 1);
    // the counter follows the cap in force: lowered below what is used, nothing more is approved
    publish(&d, enacted_e4(4, "2027-01-08", 14000)).await;
    let usage = cap(&d).await;
    assert_eq!(
        (usage["cap"].as_i64(), usage["remaining"].as_i64()),
        (Some(14000), Some(0)),
        "{usage}"
    );
    let (_, etag) = d.app.case(&d.supervisor, refused).await;
    let response = d
        .app
        .act(&d.supervisor, refused, Some(&etag), &approve)
        .await;
    assert_eq!(response.status(), 409);
    let (_, etag) = d.app.case(&d.supervisor, &d.cases[2]).await;
    assert_eq!(
        d.app
            .act(&d.supervisor, &d.cases[2], Some(&etag), &approve)
            .await
            .status(),
        409
    );
}

#[tokio::test]
async fn the_e4_cap_simulation_counts_open_cases_by_fiscal_year_of_planned_entry() {
    let d = filed(3).await;
    let e4_facts = json!({"employer": {"labor_attestation_filed": true, "strike_or_lockout": false},
        "assignment": {"offered_wage_usd": 120000, "prevailing_wage_usd": 100000, "actual_wage_usd": 110000}});
    for id in &d.cases[..2] {
        d.app
            .act_ok(
                &d.employer,
                id,
                json!({"action": "amend_facts", "reason": "LCA filed", "facts": e4_facts}),
            )
            .await;
    }
    d.app
        .act_ok(
            &d.employer,
            &d.cases[1],
            json!({"action": "amend_facts", "reason": "Renewal", "facts": {"applicant": {"e4_initial": false}}}),
        )
        .await;
    // the third gives its wages but its employer has filed no LCA: it would not qualify
    d.app
        .act_ok(
            &d.employer,
            &d.cases[2],
            json!({"action": "amend_facts", "reason": "Wages", "facts": {"employer": {"labor_attestation_filed": false},
                "assignment": {"offered_wage_usd": 120000, "prevailing_wage_usd": 100000, "actual_wage_usd": 110000}}}),
        )
        .await;
    // planned entry in February 2027: fiscal year 2027
    let simulation: Value = d
        .app
        .get(
            "/api/v1/caps/E4-PWK/2027/simulation?cap=1&approval_rate=0.5",
            Some(&d.supervisor.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(simulation["status"], "sandbox");
    assert_eq!(simulation["would_qualify"], 0, "{simulation}");
    assert_eq!(simulation["needs_review"], 2, "{simulation}");
    assert_eq!(simulation["initial"], 1, "{simulation}");
    assert_eq!(simulation["projected_use"], 0, "{simulation}");
    assert_eq!(simulation["by_sponsor"][0]["cases"], 2);
    assert_eq!(simulation["by_sponsor"][0]["share"], 1.0);
    let next_year: Value = d
        .app
        .get(
            "/api/v1/caps/E4-PWK/2028/simulation",
            Some(&d.supervisor.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            next_year["needs_review"].as_i64(),
            next_year["cap"].as_i64()
        ),
        (Some(0), Some(15000))
    );
}

#[tokio::test]
async fn a_route_not_in_force_is_approved_by_nobody() {
    // Before v2 (2026-12-01) there is no B-1 business visitor route.
    let app = spawn_app_configured(Settings::default(), |c| {
        c.desk_date = Some(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
    })
    .await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let id = filing["cases"][0]["id"].as_str().unwrap();
    let body = eligibility(&app, &officer, id).await;
    let bus = route(&body, "B1-BUS");
    assert_eq!(bus["outcome"], "not_available");
    assert_eq!(bus["ruleset"], Value::Null);
    app.act_ok(&officer, id, json!({"action": "start_review"}))
        .await;
    let approve = json!({"action": "approve", "route": "B1-BUS", "reason": "Meetings only"});
    for user in [&officer, &supervisor] {
        let (_, etag) = app.case(user, id).await;
        assert_problem(
            app.act(user, id, Some(&etag), &approve).await,
            409,
            "route_not_available",
        )
        .await;
    }
}

#[tokio::test]
async fn approval_never_rests_on_a_missing_or_stale_evaluation() {
    let d = filed(1).await;
    let id = &d.cases[0];
    d.app
        .act_ok(&d.officer, id, json!({"action": "start_review"}))
        .await;
    // the facts change behind the stored evaluations' back, and the evaluations are gone
    d.app
        .sql(&format!(
            "UPDATE cases SET facts_json = REPLACE(facts_json, '\"pay_source\":\"foreign\"', '\"pay_source\":\"us\"') WHERE id = '{id}'"
        ))
        .await;
    d.app
        .sql(&format!(
            "DELETE FROM case_evaluations WHERE case_id = '{id}'"
        ))
        .await;
    let (_, etag) = d.app.case(&d.supervisor, id).await;
    let problem = assert_problem(
        d.app
            .act(
                &d.supervisor,
                id,
                Some(&etag),
                &json!({"action": "approve", "route": "B1-CIW", "reason": "Installer"}),
            )
            .await,
        409,
        "route_ineligible",
    )
    .await;
    assert_eq!(problem["failed"], json!(["B1CIW-PAY"]));
}

#[tokio::test]
async fn a_version_taking_effect_reevaluates_the_undecided_cases_once() {
    // A desk on 2026-11-30: its cases are evaluated under v1.
    let app = spawn_app_configured(Settings::default(), |c| {
        c.desk_date = Some(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    })
    .await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let id = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let check = |ctx: kitdesk::service::AppContext| async move {
        ctx.run(kitdesk::service::eligibility::reevaluate_when_versions_change)
            .await
            .unwrap()
    };
    // the first sight of the versions in force only records them (start-up did already)
    assert!(check(app.ctx.clone()).await.is_none());
    let before = eligibility(&app, &officer, &id).await;
    assert_eq!(route(&before, "B1-BUS")["outcome"], "not_available");
    // the next day v2 is in force: one run re-evaluates the undecided case, and only one
    let mut next_day = app.ctx.clone();
    next_day.settings = std::sync::Arc::new(Settings {
        clock: kitdesk::domain::time::DeskClock::starting_on(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        ),
        ..Settings::default()
    });
    let run = check(next_day.clone())
        .await
        .expect("a run for the new versions");
    assert_eq!(run.total, 1);
    assert!(check(next_day.clone()).await.is_none());
    let mut after = Value::Null;
    for _ in 0..100 {
        after = eligibility(&app, &officer, &id).await;
        if after["trigger"] == "effective_date" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(after["trigger"], "effective_date", "{after}");
    assert_eq!(after["evaluation_date"], "2026-12-01");
    assert_eq!(route(&after, "B1-BUS")["ruleset"]["version"], 1);
    assert_eq!(route(&after, "B1-CIW")["ruleset"]["version"], 2);
}

fn rule<'a>(route: &'a Value, id: &str) -> &'a Value {
    route["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {route}"))
}

#[tokio::test]
async fn recorded_trips_flag_long_visitor_presence_and_no_trips_read_as_zero() {
    let d = filed(2).await;
    let (with_trips, without) = (&d.cases[0], &d.cases[1]);
    // The stay is 2027-02-01..2027-04-01 (60 days); its window starts 2026-04-02. 153 days on
    // B-1 from June to October 2026: 213 days in the window, over 180.
    let response = d
        .app
        .post_json(
            &format!("/api/v1/cases/{with_trips}/trips"),
            Some(&d.employer.token),
            &json!({"admission_class": "B1", "entry_date": "2026-06-01", "exit_date": "2026-10-31"}),
        )
        .await;
    assert_eq!(response.status(), 201);

    let desk = eligibility(&d.app, &d.officer, with_trips).await;
    assert_eq!(desk["trigger"], "trips");
    for name in ["B1-CIW", "B1-BUS", "ESTA-CIW"] {
        let r = route(&desk, name);
        assert!(statuses(r, "flagged").contains(&"GEN-PRESENCE"), "{r}");
        let presence = rule(r, "GEN-PRESENCE");
        assert_eq!(
            presence["facts"]["ctx.days_in_us_last_365"], 153,
            "{presence}"
        );
        assert_eq!(presence["facts"]["derived.stay_days"], 60, "{presence}");
        // a closed B-1 trip is no open ESTA admission
        if name == "ESTA-CIW" {
            assert_eq!(rule(r, "ESTA-SIDETRIP")["status"], "passed");
        }
    }
    // not on the work-visa routes
    let e2 = route(&desk, "E2-ESS");
    assert!(e2["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != "GEN-PRESENCE"));

    // The employer sees the flag and its message, never the figure (the count is the desk's,
    // across every sponsor's cases of the passport).
    let employer = eligibility(&d.app, &d.employer, with_trips).await;
    let presence = rule(route(&employer, "B1-CIW"), "GEN-PRESENCE");
    assert_eq!(presence["status"], "flagged");
    assert!(
        presence["facts"].get("ctx.days_in_us_last_365").is_none(),
        "{presence}"
    );
    assert!(!employer.to_string().contains("days_in_us_last_365"));

    // a worker with no trips: 0, passed, no error
    let none = eligibility(&d.app, &d.officer, without).await;
    let r = route(&none, "B1-CIW");
    let presence = rule(r, "GEN-PRESENCE");
    assert_eq!(presence["status"], "passed", "{presence}");
    assert_eq!(presence["facts"]["ctx.days_in_us_last_365"], 0);
    assert!(statuses(r, "error").is_empty(), "{r}");
}
