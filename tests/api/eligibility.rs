//! The rules engine inside the service: evaluation at filing, the explanation replayed,
//! pre-checks, approvals of ineligible routes, the E-4 cap, publishing and impact previews.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

const ESTA: &str = include_str!("../../rules/esta-ciw.v2.toml");

fn sample_facts() -> Value {
    json!({
        "filing_date": "2026-02-02",
        "applicant": {
            "nationality": "KR", "date_of_birth": "1988-04-12", "passport_expiry": "2031-05-01",
            "education": "vocational", "degree_in_specialty": false, "years_experience": 9,
            "months_employed_by_sponsor_last_3y": 30, "role": "installer",
            "specialized_knowledge": true, "prior_us_violation": false, "previously_detained_2025": false
        },
        "assignment": {
            "activities": ["install", "train_us_workers"],
            "planned_entry": "2026-03-02", "planned_exit": "2026-05-30",
            "pay_source": "foreign", "equipment_purchased_abroad": true,
            "contract_requires_seller_services": true, "specialty_occupation": false,
            "offered_wage_usd": null, "prevailing_wage_usd": null
        },
        "employer": {
            "korean_ownership_pct": 100, "treaty_investor": true, "qualifying_relationship": "subsidiary",
            "labor_attestation_filed": false, "strike_or_lockout": false
        }
    })
}

fn route<'a>(evaluation: &'a Value, id: &str) -> &'a Value {
    evaluation["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == id)
        .unwrap()
}

#[tokio::test]
async fn pre_check_explains_every_route_and_counts_esta_days_inclusively() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let response = app
        .post_json(
            "/api/v1/eligibility/evaluate",
            Some(&officer.token),
            &sample_facts(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let evaluation: Value = response.json().await.unwrap();
    let routes: Vec<&str> = evaluation["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["route"].as_str().unwrap())
        .collect();
    for expected in ["B1-CIW", "ESTA-CIW", "B1-BILOH", "E2-ESS", "L1B", "E4-PWK"] {
        assert!(
            routes.contains(&expected),
            "{expected} missing from {routes:?}"
        );
    }
    // 2026-03-02 … 2026-05-30 is 90 days counted inclusively: ESTA passes
    let esta = route(&evaluation, "ESTA-CIW");
    assert_ne!(esta["outcome"], "ineligible", "{esta}");
    let stay = esta["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ESTA-STAY")
        .unwrap();
    assert_eq!(stay["status"], "passed");
    assert!(stay["citation"].as_str().unwrap().contains("217"));
    assert_eq!(route(&evaluation, "E4-PWK")["ruleset"]["status"], "sandbox");
    // one more day fails it, with a message in both languages
    let mut facts = sample_facts();
    facts["assignment"]["planned_exit"] = json!("2026-05-31");
    let evaluation: Value = app
        .post_json("/api/v1/eligibility/evaluate", Some(&officer.token), &facts)
        .await
        .json()
        .await
        .unwrap();
    let esta = route(&evaluation, "ESTA-CIW");
    assert_eq!(esta["outcome"], "ineligible");
    let first = &esta["rules"][0];
    assert_eq!(first["id"], "ESTA-STAY", "failed rules come first");
    assert!(first["message_en"].is_string() && first["message_ko"].is_string());
    // a missing fact is an error on the rule that reads it, never a silent pass
    let mut facts = sample_facts();
    facts["applicant"]
        .as_object_mut()
        .unwrap()
        .remove("prior_us_violation");
    let evaluation: Value = app
        .post_json("/api/v1/eligibility/evaluate", Some(&officer.token), &facts)
        .await
        .json()
        .await
        .unwrap();
    let history = route(&evaluation, "ESTA-CIW")["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ESTA-HISTORY")
        .unwrap()
        .clone();
    assert_eq!(history["status"], "error");
    // admins do not evaluate; a body without a filing date is a 422
    let admin = app.user(Role::Admin, None).await;
    assert_problem(
        app.post_json(
            "/api/v1/eligibility/evaluate",
            Some(&admin.token),
            &sample_facts(),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/eligibility/evaluate",
            Some(&officer.token),
            &json!({"applicant": {}}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}

async fn filed_case(
    app: &TestApp,
) -> (
    crate::helpers::TestUser,
    crate::helpers::TestUser,
    crate::helpers::TestSponsor,
    Value,
) {
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 2).await;
    (officer, supervisor, sponsor, filing)
}

#[tokio::test]
async fn filing_stores_an_evaluation_that_replays_exactly() {
    let app = spawn_app().await;
    let (officer, _, sponsor, filing) = filed_case(&app).await;
    let case = &filing["cases"][0];
    assert!(case["suggested_route"].is_string(), "{case}");
    let id = case["id"].as_str().unwrap();
    for user in [&officer, &sponsor.employer] {
        let response = app
            .get(
                &format!("/api/v1/cases/{id}/eligibility"),
                Some(&user.token),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["replayed_exactly"], true, "{body}");
        assert_eq!(body["trigger"], "filing");
        let summary_routes = body["summary"]["routes"].as_array().unwrap();
        assert_eq!(summary_routes.len(), 7);
        // Every route in force has its version's hash (B1-BUS is not available before v2).
        assert!(summary_routes
            .iter()
            .filter(|r| r["outcome"] != "not_available")
            .all(|r| r["ruleset"]["hash"].as_str().unwrap().len() == 64));
        assert_eq!(body["evaluation"]["routes"].as_array().unwrap().len(), 7);
    }
    let (case_view, _) = app.case(&officer, id).await;
    assert_eq!(case_view["suggested_route"], case["suggested_route"]);
}

#[tokio::test]
async fn an_ineligible_route_is_approved_by_nobody() {
    let app = spawn_app().await;
    let (officer, supervisor, sponsor, filing) = filed_case(&app).await;
    let id = filing["cases"][0]["id"].as_str().unwrap();
    // the employer corrects the pay: part of it comes from the U.S. (B-1 needs foreign pay)
    app.act_ok(
        &sponsor.employer,
        id,
        json!({"action": "amend_facts", "reason": "The U.S. affiliate pays half", "facts": {"assignment": {"pay_source": "mixed"}}}),
    )
    .await;
    app.act_ok(&officer, id, json!({"action": "start_review"}))
        .await;
    let body: Value = app
        .get(
            &format!("/api/v1/cases/{id}/eligibility"),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(route(&body["summary"], "B1-CIW")["outcome"], "ineligible");
    let (_, etag) = app.case(&officer, id).await;
    let approve = json!({"action": "approve", "route": "B1-CIW", "reason": "Installation under the contract"});
    // No override: the remedy is to amend the facts.
    for user in [&officer, &supervisor] {
        let problem = assert_problem(
            app.act(user, id, Some(&etag), &approve).await,
            409,
            "route_ineligible",
        )
        .await;
        assert!(
            problem["failed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "B1CIW-PAY"),
            "{problem}"
        );
    }
    let (case, _) = app.case(&officer, id).await;
    assert_eq!(case["status"], "in_review");
}

#[tokio::test]
async fn the_proposed_e4_is_never_approved_and_its_cap_is_only_simulated() {
    let app = spawn_app().await;
    let (officer, supervisor, sponsor, filing) = filed_case(&app).await;
    let id = filing["cases"][0]["id"].as_str().unwrap();
    let fy = kitdesk::domain::receipt::fiscal_year(kitdesk::domain::time::desk_today());
    let cap: Value = app
        .get(&format!("/api/v1/caps/E4-PWK/{fy}"), Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        cap,
        json!({"route": "E4-PWK", "fiscal_year": fy, "cap": 15000, "used": 0, "remaining": 15000, "status": "sandbox"})
    );
    // A proposal, not law: nobody approves it, whatever the reason, and nothing is reserved.
    app.act_ok(&officer, id, json!({"action": "start_review"}))
        .await;
    let approve = json!({"action": "approve", "route": "E4-PWK", "reason": "Specialty occupation, LCA on file"});
    for user in [&officer, &supervisor] {
        let (_, etag) = app.case(user, id).await;
        assert_problem(
            app.act(user, id, Some(&etag), &approve).await,
            409,
            "route_sandbox",
        )
        .await;
    }
    let cap: Value = app
        .get(&format!("/api/v1/caps/E4-PWK/{fy}"), Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cap["used"], 0);
    // A published cap below 1 is refused.
    let zero = include_str!("../../rules/e4-pwk.v2.toml")
        .replace("version = 2", "version = 3")
        .replace(
            "effective_from = \"2026-12-01\"",
            "effective_from = \"2031-01-01\"",
        )
        .replace("value = 15000", "value = 0");
    let problem = assert_problem(
        post_toml(&app, "/api/v1/rulesets", &supervisor.token, zero).await,
        409,
        "ruleset_invalid",
    )
    .await;
    assert_eq!(
        problem["problems"][0]["field"],
        "parameters.e4_cap.values[0]"
    );
    // Employers never see cap figures; the simulation is the supervisors'.
    assert_problem(
        app.get(
            &format!("/api/v1/caps/E4-PWK/{fy}"),
            Some(&sponsor.employer.token),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/caps/E4-PWK/{fy}/simulation"),
            Some(&officer.token),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/caps/E4-PWK/{fy}/simulation?approval_rate=2"),
            Some(&supervisor.token),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/caps/B1-CIW/2027", Some(&officer.token))
            .await,
        404,
        "not_found",
    )
    .await;
}

fn post_toml<'a>(
    app: &'a TestApp,
    path: &str,
    token: &str,
    body: String,
) -> impl std::future::Future<Output = reqwest::Response> + 'a {
    let req = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/toml")
        .body(body);
    async move { req.send().await.unwrap() }
}

#[tokio::test]
async fn supervisors_preview_and_publish_new_versions() {
    let app = spawn_app().await;
    let (officer, supervisor, _, _) = filed_case(&app).await;
    // a draft that shortens the ESTA stay to 30 days: every filed 90-day case would fail it
    let draft = ESTA
        .replace("version = 1", "version = 2")
        .replace(
            "effective_from = \"2025-12-05\"",
            "effective_from = \"2030-01-01\"",
        )
        .replace("value = 90,", "value = 30,");
    assert_ne!(draft, ESTA);
    assert_problem(
        post_toml(
            &app,
            "/api/v1/rulesets/ESTA-CIW/impact",
            &officer.token,
            draft.clone(),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let impact: Value = post_toml(
        &app,
        "/api/v1/rulesets/ESTA-CIW/impact",
        &supervisor.token,
        draft.clone(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(impact["cases_evaluated"], 2, "{impact}");
    assert_eq!(impact["cases_changed"], 2, "{impact}");
    assert!(impact["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["route"] == "ESTA-CIW" && c["after"] == "ineligible"));
    // the supervisor's page shows the same preview: the counts and each case's change
    let mut visitor = crate::pages::Visitor::signed_in(&app, &supervisor);
    visitor.accept_language = Some("ko");
    let csrf = visitor.get("/supervisor/rules/ESTA-CIW").await.csrf();
    let shown = visitor
        .post(
            "/supervisor/rules/ESTA-CIW/impact",
            &[("csrf", &csrf), ("draft", &draft)],
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let result = shown
        .body
        .split("id=\"impact-result\"")
        .nth(1)
        .expect("the preview is shown");
    assert!(result.contains("<dd>2</dd>"), "{result}");
    assert!(
        result.contains("<td>ESTA-CIW: 검토 필요 → 부적격</td><td>2</td>"),
        "{result}"
    );
    assert_eq!(result.matches("<a href=\"/cases/").count(), 2, "{result}");
    // streamed one case at a time, the dry run sums up to the same report
    let source = draft.clone();
    let mut steps = Vec::new();
    let paged = app
        .ctx
        .run(move |conn, ctx| {
            kitdesk::service::eligibility::impact_in_pages(
                conn,
                ctx,
                None,
                &source,
                &mut |n| steps.push(n),
                1,
            )
            .map(|report| (serde_json::to_value(report).unwrap(), steps))
        })
        .await
        .unwrap();
    assert_eq!(paged.1, vec![1, 2], "progress after each page");
    for key in ["cases_evaluated", "cases_changed", "counts", "changes"] {
        assert_eq!(paged.0[key], impact[key], "{key}");
    }

    // its own embedded tests (written for 90 days) now fail: publishing refuses with a report
    let refused = post_toml(&app, "/api/v1/rulesets", &supervisor.token, draft).await;
    let problem = assert_problem(refused, 409, "ruleset_invalid").await;
    assert!(
        !problem["problems"].as_array().unwrap().is_empty(),
        "{problem}"
    );

    // a clean new version publishes and closes the previous window
    let v2 = ESTA.replace("version = 2", "version = 3").replace(
        "effective_from = \"2026-12-01\"",
        "effective_from = \"2030-01-01\"",
    );
    assert_problem(
        post_toml(&app, "/api/v1/rulesets", &officer.token, v2.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let published = post_toml(&app, "/api/v1/rulesets", &supervisor.token, v2.clone()).await;
    assert_eq!(published.status(), 201);
    let versions: Value = app
        .get("/api/v1/rulesets/ESTA-CIW", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    let versions = versions["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1]["effective_to"], "2030-01-01");
    // the same version twice is refused
    assert_problem(
        post_toml(&app, "/api/v1/rulesets", &supervisor.token, v2).await,
        409,
        "ruleset_invalid",
    )
    .await;
    let all: Value = app
        .get("/api/v1/rulesets", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(all["items"].as_array().unwrap().len() >= 6);
    assert_problem(
        app.get("/api/v1/rulesets/H-1B", Some(&officer.token)).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_dry_run_reads_no_presence_as_zero_and_may_pass_it() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    // a 90-day stay evaluated under v2 (from 2026-12-01)
    let presence = |evaluation: &Value| -> Value {
        route(evaluation, "B1-CIW")["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "GEN-PRESENCE")
            .cloned()
            .unwrap_or_else(|| panic!("GEN-PRESENCE in {evaluation}"))
    };
    let mut seen = Vec::new();
    for query in ["", "&days_in_us_last_365=90", "&days_in_us_last_365=91"] {
        let response = app
            .post_json(
                &format!("/api/v1/eligibility/evaluate?on=2026-12-01{query}"),
                Some(&officer.token),
                &sample_facts(),
            )
            .await;
        assert_eq!(response.status(), 200);
        let evaluation: Value = response.json().await.unwrap();
        let rule = presence(&evaluation);
        seen.push((
            rule["status"].as_str().unwrap().to_owned(),
            rule["facts"]["ctx.days_in_us_last_365"].clone(),
        ));
    }
    assert_eq!(
        seen,
        [
            ("passed".to_owned(), json!(0)),
            ("passed".to_owned(), json!(90)),
            ("flagged".to_owned(), json!(91)),
        ]
    );
}
