//! After the visa (issue 16): the overstay check. A trip past its admit-until date tells the
//! desk (a queue flag, a mail to the assigned officer or the supervisors); only an officer's
//! finding, with a reason, decides what it means.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, TestUser};

fn days_ago(n: i64) -> String {
    (kitdesk::domain::time::desk_today() - chrono::Duration::days(n)).to_string()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    user: &TestUser,
    body: Value,
) -> (u16, Value) {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, user: &TestUser) -> (u16, Value) {
    let response = app.get(path, Some(&user.token)).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The housekeeping sweep, run now: how many alerts it raised.
async fn sweep(app: &TestApp) -> usize {
    app.ctx
        .run(kitdesk::service::overstay::sweep)
        .await
        .unwrap()
}

/// The overstay mails queued for a case: (recipient, subject, text).
fn alert_mails(app: &TestApp, case_id: &str) -> Vec<(String, String, String)> {
    let mut conn = app.ctx.pool.get().unwrap();
    kitdesk::db::outbox::for_case(&mut conn, case_id)
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "overstay_alert")
        .inspect(|m| assert_eq!(m.audience, "staff"))
        .map(|m| (m.recipient, m.subject, m.body_text))
        .collect()
}

#[tokio::test]
async fn an_exit_after_the_esta_90th_day_tells_the_assigned_officer_and_only_a_finding_decides() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let receipt = filed["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.act_ok(
        &officer,
        &case,
        json!({"action": "assign", "assignee_id": officer.id}),
    )
    .await;
    let employer = &sponsor.employer;

    // an ESTA stay of 101 days: the 90th day was 11 days before the exit
    let (status, trip) = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case}/trips"),
        employer,
        json!({"admission_class": "WB", "entry_date": days_ago(120), "exit_date": days_ago(20)}),
    )
    .await;
    assert_eq!(status, 201, "{trip}");
    assert_eq!(trip["admitted_until"], days_ago(31));

    // the assigned officer is told, in Korean and English
    let mails = alert_mails(&app, &case);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, subject, text) = &mails[0];
    assert_eq!(to, &officer.email);
    assert!(subject.contains(&receipt) && subject.contains("체류 기한 초과"));
    assert!(text.contains("11") && text.contains("not a finding"));

    // the desk's queue flags the case; the employer never sees the flag
    let (_, queue) = get(&app, "/api/v1/cases?overstay=open", &officer).await;
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], case.as_str());
    assert_eq!(items[0]["overstay_alert"], true);
    let response = app.get("/api/v1/cases", Some(&employer.token)).await;
    let text = response.text().await.unwrap();
    assert!(!text.contains("overstay"), "{text}");
    let response = app
        .get("/api/v1/cases?overstay=open", Some(&employer.token))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "overstay");

    // the alert is the desk's: 403 to the employer, absent from the employer's history
    let alerts_path = format!("/api/v1/cases/{case}/overstay-alerts");
    let (status, _) = get(&app, &alerts_path, employer).await;
    assert_eq!(status, 403);
    let (_, history) = get(&app, &format!("/api/v1/cases/{case}/history"), employer).await;
    assert!(!history.to_string().contains("overstay"), "{history}");
    let (_, history) = get(&app, &format!("/api/v1/cases/{case}/history"), &officer).await;
    assert!(history.to_string().contains("case.overstay_detected"));

    let (status, alerts) = get(&app, &alerts_path, &officer).await;
    assert_eq!(status, 200);
    let alert = &alerts["items"][0];
    assert_eq!(alert["kind"], "exit_after");
    assert_eq!(alert["days_over"], 11);
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["admitted_until"], days_ago(31));
    let alert_id = alert["id"].as_str().unwrap().to_owned();
    let finding_path = format!("/api/v1/overstay-alerts/{alert_id}/finding");

    // nothing set by itself: the case's facts still declare no violation
    let (case_view, _) = app.case(&officer, &case).await;
    assert_eq!(case_view["facts"]["applicant"]["prior_us_violation"], false);

    // a finding needs its reason; amending goes with a violation only
    for (body, field) in [
        (json!({"finding": "violation", "reason": "  "}), "reason"),
        (
            json!({"finding": "no_violation", "reason": "ok", "amend_open_cases": true}),
            "amend_open_cases",
        ),
    ] {
        let response = app
            .post_json(&finding_path, Some(&officer.token), &body)
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let response = app
        .post_json(
            &finding_path,
            Some(&employer.token),
            &json!({"finding": "violation", "reason": "x"}),
        )
        .await;
    assert_eq!(response.status(), 403);

    // the officer finds a violation and declares it on the worker's open cases
    let reason = "No extension on file; the worker confirmed the late departure";
    let (status, outcome) = send(
        &app,
        reqwest::Method::POST,
        &finding_path,
        &officer,
        json!({"finding": "violation", "reason": reason, "amend_open_cases": true}),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["alert"]["status"], "violation");
    assert_eq!(outcome["alert"]["reason"], reason);
    assert_eq!(outcome["alert"]["decided_by"], officer.id.as_str());
    assert_eq!(outcome["amended_cases"], json!([receipt]));
    let (case_view, _) = app.case(&officer, &case).await;
    assert_eq!(case_view["facts"]["applicant"]["prior_us_violation"], true);
    // the employer reads the amendment, never the desk's reasoning
    let (_, history) = get(&app, &format!("/api/v1/cases/{case}/history"), employer).await;
    let history = history.to_string();
    assert!(
        history.contains("facts_amended") || history.contains("amend"),
        "{history}"
    );
    assert!(!history.contains(reason));

    // the flag is cleared; a second finding is refused
    let (_, queue) = get(&app, "/api/v1/cases?overstay=open", &officer).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);
    let response = app
        .post_json(
            &finding_path,
            Some(&officer.token),
            &json!({"finding": "no_violation", "reason": "again"}),
        )
        .await;
    assert_problem(response, 409, "alert_decided").await;
}

#[tokio::test]
async fn an_open_trip_past_its_date_is_found_by_the_sweep_once_and_an_unassigned_case_tells_the_supervisors(
) {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();

    // a B-1 stay still open, admitted until today: lawful today, nothing raised
    let (status, trip) = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case}/trips"),
        &sponsor.employer,
        json!({"admission_class": "B1", "entry_date": days_ago(30), "admitted_until": days_ago(0)}),
    )
    .await;
    assert_eq!(status, 201, "{trip}");
    assert_eq!(sweep(&app).await, 0);
    assert!(alert_mails(&app, &case).is_empty());

    // the admit-until date passes (moved back, as time would): the sweep raises it once
    app.sql(&format!(
        "UPDATE trips SET admitted_until = '{}' WHERE id = '{}'",
        days_ago(3),
        trip["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(sweep(&app).await, 1);
    assert_eq!(sweep(&app).await, 0);
    let mails = alert_mails(&app, &case);
    let recipients: Vec<&str> = mails.iter().map(|(to, ..)| to.as_str()).collect();
    assert!(
        recipients.contains(&supervisor.email.as_str()),
        "{recipients:?}"
    );
    assert!(!recipients.contains(&officer.email.as_str()));
    assert!(mails[0].2.contains("No exit recorded"));

    let (_, alerts) = get(
        &app,
        &format!("/api/v1/cases/{case}/overstay-alerts"),
        &supervisor,
    )
    .await;
    assert_eq!(alerts["items"][0]["kind"], "open_past");
    assert_eq!(alerts["items"][0]["days_over"], 3);
    assert_eq!(alerts["items"][0]["exit_date"], Value::Null);

    // no violation: the flag clears and the facts are untouched
    let alert_id = alerts["items"][0]["id"].as_str().unwrap();
    let (status, outcome) = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/overstay-alerts/{alert_id}/finding"),
        &supervisor,
        json!({"finding": "no_violation", "reason": "USCIS extended the stay (I-797 on file)"}),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["amended_cases"], json!([]));
    let (_, queue) = get(&app, "/api/v1/cases?overstay=open", &officer).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);
    let (case_view, _) = app.case(&officer, &case).await;
    assert_eq!(case_view["facts"]["applicant"]["prior_us_violation"], false);
}

#[tokio::test]
async fn the_exit_of_an_open_trip_is_recorded_once_and_a_late_one_raises_the_alert() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let employer = &sponsor.employer;
    // an ESTA admission 100 days ago, still open: past its 90th day at once
    let (_, trip) = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/cases/{case}/trips"),
        employer,
        json!({"admission_class": "WB", "entry_date": days_ago(100)}),
    )
    .await;
    let trip_path = format!(
        "/api/v1/cases/{case}/trips/{}",
        trip["id"].as_str().unwrap()
    );
    let (_, alerts) = get(
        &app,
        &format!("/api/v1/cases/{case}/overstay-alerts"),
        &officer,
    )
    .await;
    assert_eq!(alerts["items"][0]["kind"], "open_past");
    assert_eq!(alerts["items"][0]["days_over"], 11);

    // bad exits are refused naming the field; another sponsor gets 404
    for exit in [days_ago(101), days_ago(-1)] {
        let (status, problem) = send(
            &app,
            reqwest::Method::PATCH,
            &trip_path,
            employer,
            json!({"exit_date": exit}),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "exit_date");
    }
    let (status, _) = send(
        &app,
        reqwest::Method::PATCH,
        &trip_path,
        &other.employer,
        json!({"exit_date": days_ago(2)}),
    )
    .await;
    assert_eq!(status, 404);

    // the worker left 2 days ago: the trip closes, 9 days over, one alert still
    let (status, closed) = send(
        &app,
        reqwest::Method::PATCH,
        &trip_path,
        employer,
        json!({"exit_date": days_ago(2)}),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["exit_date"], days_ago(2));
    assert_eq!(closed["days"], 99);
    let (_, alerts) = get(
        &app,
        &format!("/api/v1/cases/{case}/overstay-alerts"),
        &officer,
    )
    .await;
    assert_eq!(alerts["items"].as_array().unwrap().len(), 1);
    assert_eq!(alerts["items"][0]["days_over"], 9);
    let (status, problem) = send(
        &app,
        reqwest::Method::PATCH,
        &trip_path,
        employer,
        json!({"exit_date": days_ago(1)}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "trip_closed");
    // the presence is of the closed trip now
    let (_, presence) = get(&app, &format!("/api/v1/cases/{case}/presence"), employer).await;
    assert_eq!(presence["open_trip"], false);
    assert_eq!(presence["days_in_us_last_365"], 99);
}

#[tokio::test]
async fn an_i94_history_with_admit_until_dates_raises_the_alert_of_a_late_departure() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let csv = format!(
        "Date,Document,Class,Port,Type,Admit Until\n{},,B1,ATL,Arrival,{}\n{},,,ATL,Departure,\n{},,E2,SEA,Arrival,D/S\n",
        days_ago(200),
        days_ago(150),
        days_ago(140),
        days_ago(10)
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/cases/{case}/trips/import")))
        .bearer_auth(&sponsor.employer.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["items"][0]["admitted_until"], days_ago(150));
    assert_eq!(report["items"][1]["admitted_until"], Value::Null);
    let (_, alerts) = get(
        &app,
        &format!("/api/v1/cases/{case}/overstay-alerts"),
        &officer,
    )
    .await;
    let items = alerts["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["days_over"], 10);

    // an admit-until that is no date is named by its line
    let response = app
        .client
        .post(app.url(&format!("/api/v1/cases/{case}/trips/import")))
        .bearer_auth(&sponsor.employer.token)
        .header("content-type", "text/csv")
        .body("date,class,type,admit until\n2026-02-02,B1,Arrival,soon\n")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "lines[2].admit_until");
}
