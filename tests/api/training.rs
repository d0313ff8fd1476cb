//! The training ledger (issue 16): sessions on a case, the ledger sheet's import, the report
//! with its sums checked against figures computed by hand, the employer's scope, the public
//! figures (no names, small cells withheld), and the pages.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, TestSponsor, TestUser};
use crate::pages::{visible_text, Visitor};

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let response = app.get(path, token).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A project of `sponsor_id` at a worksite in `state`, in `sector`.
async fn project(
    app: &TestApp,
    employer: &TestUser,
    sponsor_id: &str,
    name: &str,
    state: &str,
    sector: &str,
) -> String {
    let response = app
        .post_json(
            &format!("/api/v1/sponsors/{sponsor_id}/projects"),
            Some(&employer.token),
            &json!({"name": name, "worksite_address": "1 Plant Road", "state": state, "sector": sector,
                    "investment_usd": 1_000_000_000i64, "equipment_purchased_abroad": true,
                    "contract_requires_seller_services": true}),
        )
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Files one worker on `project` and has the desk approve the case; the decision is dated
/// 200 days ago, so that sessions can be recorded on earlier days than today.
async fn approved_case(
    app: &TestApp,
    officer: &TestUser,
    employer: &TestUser,
    project: &str,
) -> String {
    let filed = app.file(employer, project, 1).await;
    let id = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    app.approve(officer, &id).await;
    let decided = app.ctx.today() - Duration::days(200);
    app.sql(&format!(
        "UPDATE cases SET decided_at = '{decided} 03:00:00' WHERE id = '{id}'"
    ))
    .await;
    id
}

async fn record(app: &TestApp, user: &TestUser, case_id: &str, body: Value) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/cases/{case_id}/training-sessions"),
        Some(&user.token),
        &body,
    )
    .await
}

async fn record_ok(
    app: &TestApp,
    user: &TestUser,
    case_id: &str,
    date: NaiveDate,
    hours: f64,
    trained: i64,
) {
    let response = record(
        app,
        user,
        case_id,
        json!({"date": date, "hours": hours, "us_workers_trained": trained, "skill": "전극 코팅 설비 운전", "equipment": "Coater line 2"}),
    )
    .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
}

async fn import(app: &TestApp, user: &TestUser, case_id: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/cases/{case_id}/training-sessions/import")))
        .bearer_auth(&user.token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

/// A text answer to a request without an account, checked to be CSV.
async fn get_csv(app: &TestApp, path: &str) -> String {
    let response = app.get(path, None).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    response.text().await.unwrap()
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn sessions_are_recorded_by_the_sponsor_the_prime_and_the_desk_and_listed_with_totals() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (prime, _) = app.ready_sponsor(&officer, None).await;
    let (sub, sub_project) = app.ready_sponsor(&officer, Some(&prime.id)).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let case = approved_case(&app, &officer, &sub.employer, &sub_project).await;
    let today = app.ctx.today();

    let response = record(
        &app,
        &sub.employer,
        &case,
        json!({"date": today - Duration::days(3), "hours": 7.5, "us_workers_trained": 12, "skill": " Electrode\ncoating ", "equipment": "Coater line 2"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["hours"], 7.5);
    assert_eq!(session["us_workers_trained"], 12);
    assert_eq!(session["skill"], "Electrode coating");
    assert_eq!(session["source"], "entered");
    // the prime files for its subcontractor, and the desk for anyone
    record_ok(&app, &prime.employer, &case, today, 1.25, 3).await;
    record_ok(&app, &officer, &case, today - Duration::days(1), 0.1, 1).await;

    for reader in [&sub.employer, &prime.employer, &officer] {
        let (status, list) = get_json(
            &app,
            &format!("/api/v1/cases/{case}/training-sessions"),
            Some(&reader.token),
        )
        .await;
        assert_eq!(status, 200, "{list}");
        let dates: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["date"].as_str().unwrap())
            .collect();
        let expected = [
            (today - Duration::days(3)).to_string(),
            (today - Duration::days(1)).to_string(),
            today.to_string(),
        ];
        assert_eq!(dates, expected, "earliest first");
        // 7.5 + 1.25 + 0.1 hours; 12 + 3 + 1 trainee places
        assert_eq!(list["hours"], 8.85);
        assert_eq!(list["us_workers_trained"], 16);
    }

    // another sponsor does not learn the case exists
    let path = format!("/api/v1/cases/{case}/training-sessions");
    assert_eq!(
        app.get(&path, Some(&other.employer.token)).await.status(),
        404
    );
    let response = record(
        &app,
        &other.employer,
        &case,
        json!({"date": today, "hours": 1, "us_workers_trained": 1, "skill": "x"}),
    )
    .await;
    assert_problem(response, 404, "not_found").await;
    let response = import(
        &app,
        &other.employer,
        &case,
        "date,hours,us_workers_trained,skill\n",
    )
    .await;
    assert_problem(response, 404, "not_found").await;

    // every session has its audit row
    let (_, history) = get_json(
        &app,
        &format!("/api/v1/cases/{case}/history"),
        Some(&officer.token),
    )
    .await;
    let recorded = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "case.training_recorded")
        .count();
    assert_eq!(recorded, 3, "{history}");
}

#[tokio::test]
async fn sessions_wait_for_the_visa_and_each_bad_field_is_named() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let undecided = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let today = app.ctx.today();
    let good = json!({"date": today, "hours": 2, "us_workers_trained": 5, "skill": "Winding"});
    let response = record(&app, &sponsor.employer, &undecided, good.clone()).await;
    let problem = assert_problem(response, 409, "not_after_visa").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("approved"),
        "{problem}"
    );
    let response = import(
        &app,
        &officer,
        &undecided,
        &format!("date,hours,us_workers_trained,skill\n{today},2,5,Winding\n"),
    )
    .await;
    assert_problem(response, 409, "not_after_visa").await;

    let case = approved_case(&app, &officer, &sponsor.employer, &project).await;
    let response = record(
        &app,
        &sponsor.employer,
        &case,
        json!({"date": today + Duration::days(1), "hours": 7.55, "us_workers_trained": 0, "skill": " \n ", "equipment": "x".repeat(201)}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        fields(&problem),
        ["date", "hours", "us_workers_trained", "skill", "equipment"]
    );
    for (body, field) in [
        (
            json!({"date": today - Duration::days(201), "hours": 1, "us_workers_trained": 1, "skill": "x"}),
            "date",
        ),
        (
            json!({"date": today, "hours": 24.5, "us_workers_trained": 1, "skill": "x"}),
            "hours",
        ),
        (
            json!({"date": today, "hours": 0, "us_workers_trained": 1, "skill": "x"}),
            "hours",
        ),
        (
            json!({"date": today, "hours": 1, "us_workers_trained": 501, "skill": "x"}),
            "us_workers_trained",
        ),
        (
            json!({"date": today, "hours": 1, "us_workers_trained": 1, "skill": "x".repeat(201)}),
            "skill",
        ),
    ] {
        let response = record(&app, &sponsor.employer, &case, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(fields(&problem), [field], "{body}");
    }
    // quarter hours are fine, and the day of the decision is the first day
    let response = record(
        &app,
        &sponsor.employer,
        &case,
        json!({"date": today - Duration::days(200), "hours": 0.25, "us_workers_trained": 500, "skill": "x".repeat(200)}),
    )
    .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    // admins keep to accounts
    let admin = app.user(Role::Admin, None).await;
    let response = record(&app, &admin, &case, good).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_ledger_sheet_is_imported_whole_or_not_at_all() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let case = approved_case(&app, &officer, &sponsor.employer, &project).await;
    let today = app.ctx.today();
    let (d1, d2) = (today - Duration::days(10), today - Duration::days(9));

    // as the Korean HR manager's Excel saves it: a byte-order mark, Korean headers
    let sheet = format!(
        "\u{feff}날짜,시간,교육인원,기술/직무,장비\n{},7.5,12,전극 코팅 설비 운전,Coater line 2\n{d2},1.25,3,Calendering safety,\n",
        d1.format("%Y. %-m. %-d.")
    );
    let response = import(&app, &sponsor.employer, &case, &sheet).await;
    assert_eq!(response.status(), 201);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["items"][0]["date"], d1.to_string());
    assert_eq!(report["items"][0]["source"], "csv_import");
    assert_eq!(report["items"][0]["skill"], "전극 코팅 설비 운전");
    assert_eq!(report["items"][1]["hours"], 1.25);
    assert_eq!(report["items"][1]["equipment"], Value::Null);

    // a file with bad lines: each named by its line, nothing stored
    let bad = format!(
        "date,hours,us_workers_trained,skill,equipment\n\
         {d1},2,4,Stacking,\n\
         {},30,0,,\n\
         yesterday,2.5,many,Winding,\n",
        today + Duration::days(1)
    );
    let response = import(&app, &sponsor.employer, &case, &bad).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        fields(&problem),
        [
            "lines[3].date",
            "lines[3].hours",
            "lines[3].us_workers_trained",
            "lines[3].skill",
            "lines[4].date",
            "lines[4].us_workers_trained",
        ]
    );
    let (_, list) = get_json(
        &app,
        &format!("/api/v1/cases/{case}/training-sessions"),
        Some(&sponsor.employer.token),
    )
    .await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        2,
        "nothing of the bad file"
    );
    assert_eq!(list["us_workers_trained"], 15);

    // the empty sheet the case page offers reads back, once filled in
    let template = get_csv(&app, "/training/ledger-template.csv").await;
    assert!(template.starts_with('\u{feff}') && template.contains("교육 일자 / Date (date)"));
    let filled = format!("{template}{d2},3,2,Stacking,Stacker 1\r\n");
    let response = import(&app, &sponsor.employer, &case, &filled).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);

    // a sheet without the columns, and a body that is not CSV
    let response = import(&app, &sponsor.employer, &case, "when,where\n1,2\n").await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(fields(&problem), ["csv"]);
    let response = app
        .post_json(
            &format!("/api/v1/cases/{case}/training-sessions/import"),
            Some(&sponsor.employer.token),
            &json!({"date": today}),
        )
        .await;
    assert_eq!(response.status(), 415);
}

/// Four sponsors' worth of sessions: A (a prime) in GA and TN, B (A's subcontractor) in GA,
/// C (unrelated) in TX; A's GA worker trains twice.
struct Ledger {
    app: TestApp,
    officer: TestUser,
    supervisor: TestUser,
    a: TestSponsor,
    b: TestSponsor,
    c: TestSponsor,
    pa: String,
    pc: String,
    cases: Vec<String>,
    today: NaiveDate,
}

async fn ledger() -> Ledger {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (a, _) = app.ready_sponsor(&officer, None).await;
    let (b, _) = app.ready_sponsor(&officer, Some(&a.id)).await;
    let (c, _) = app.ready_sponsor(&officer, None).await;
    let pa = project(
        &app,
        &a.employer,
        &a.id,
        "Ellabell cell plant",
        "GA",
        "batteries",
    )
    .await;
    let pa2 = project(
        &app,
        &a.employer,
        &a.id,
        "Clarksville module plant",
        "TN",
        "batteries",
    )
    .await;
    let pb = project(
        &app,
        &b.employer,
        &b.id,
        "Commerce separator line",
        "GA",
        "batteries",
    )
    .await;
    let pc = project(
        &app,
        &c.employer,
        &c.id,
        "Taylor fab tooling",
        "TX",
        "semiconductors",
    )
    .await;
    let a1 = approved_case(&app, &officer, &a.employer, &pa).await;
    let a2 = approved_case(&app, &officer, &a.employer, &pa2).await;
    let b1 = approved_case(&app, &officer, &b.employer, &pb).await;
    let c1 = approved_case(&app, &officer, &c.employer, &pc).await;
    Ledger {
        today: app.ctx.today(),
        app,
        officer,
        supervisor,
        a,
        b,
        c,
        pa,
        pc,
        cases: vec![a1, a2, b1, c1],
    }
}

impl Ledger {
    fn day(&self, days_ago: i64) -> NaiveDate {
        self.today - Duration::days(days_ago)
    }

    /// The sessions, by hand: (case, days ago, hours, U.S. workers trained).
    fn sessions(&self) -> Vec<(&str, i64, f64, i64)> {
        let [a1, a2, b1, c1] = [0, 1, 2, 3].map(|i| self.cases[i].as_str());
        vec![
            (a1, 60, 7.5, 10),
            (a1, 30, 2.25, 4),
            (a2, 30, 8.0, 6),
            (b1, 5, 1.5, 3),
            (c1, 60, 4.0, 20),
        ]
    }

    async fn record_all(&self) {
        for (case, days_ago, hours, trained) in self.sessions() {
            record_ok(
                &self.app,
                &self.officer,
                case,
                self.day(days_ago),
                hours,
                trained,
            )
            .await;
        }
    }

    async fn report(&self, user: &TestUser, query: &str) -> (u16, Value) {
        get_json(
            &self.app,
            &format!("/api/v1/reports/training{query}"),
            Some(&user.token),
        )
        .await
    }
}

/// (sessions, hours, trainee places, trainers) of a report or a group.
fn sums(v: &Value) -> (i64, f64, i64, i64) {
    (
        v["sessions"].as_i64().unwrap(),
        v["hours"].as_f64().unwrap(),
        v["us_workers_trained"].as_i64().unwrap(),
        v["trainers"].as_i64().unwrap(),
    )
}

fn group<'v>(list: &'v Value, key: &str, value: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|g| g[key] == value)
        .unwrap_or_else(|| panic!("{key} {value} in {list}"))
}

#[tokio::test]
async fn the_report_adds_up_to_the_figures_computed_by_hand() {
    let l = ledger().await;
    l.record_all().await;
    let sup = &l.supervisor;

    // everything: 5 sessions, 7.5 + 2.25 + 8 + 1.5 + 4 hours, 10 + 4 + 6 + 3 + 20 places, and
    // four workers (A's GA worker trained twice)
    let (status, all) = l.report(sup, "").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(sums(&all), (5, 23.25, 43, 4));
    assert_eq!(
        sums(group(&all["by_project"], "project_id", &l.pa)),
        (2, 9.75, 14, 1)
    );
    assert_eq!(
        group(&all["by_project"], "project_id", &l.pa)["project_name"],
        "Ellabell cell plant"
    );
    assert_eq!(
        sums(group(&all["by_state"], "key", "GA")),
        (3, 11.25, 17, 2)
    );
    assert_eq!(sums(group(&all["by_state"], "key", "TN")), (1, 8.0, 6, 1));
    assert_eq!(sums(group(&all["by_state"], "key", "TX")), (1, 4.0, 20, 1));
    assert_eq!(
        sums(group(&all["by_sector"], "key", "batteries")),
        (4, 19.25, 23, 3)
    );
    assert_eq!(
        sums(group(&all["by_sector"], "key", "semiconductors")),
        (1, 4.0, 20, 1)
    );
    // by month: each session in its calendar month, months between listed with zeros
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    for (_, days_ago, _, trained) in l.sessions() {
        *months
            .entry(l.day(days_ago).format("%Y-%m").to_string())
            .or_default() += trained;
    }
    let listed: BTreeMap<String, i64> = all["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap().to_owned(),
                m["us_workers_trained"].as_i64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(listed, months);
    assert_eq!(
        all["by_month"].as_array().unwrap().last().unwrap()["month"],
        l.today.format("%Y-%m").to_string()
    );

    // filters: from, from and to, a sponsor, a project
    let from30 = format!("?from={}", l.day(30));
    assert_eq!(sums(&l.report(sup, &from30).await.1), (3, 11.75, 13, 3));
    let range = format!("?from={}&to={}", l.day(60), l.day(30));
    assert_eq!(sums(&l.report(sup, &range).await.1), (4, 21.75, 40, 3));
    let (_, of_b) = l.report(sup, &format!("?sponsor_id={}", l.b.id)).await;
    assert_eq!(sums(&of_b), (1, 1.5, 3, 1));
    let (_, of_pa) = l.report(&l.officer, &format!("?project_id={}", l.pa)).await;
    assert_eq!(sums(&of_pa), (2, 9.75, 14, 1));
    assert_eq!(of_pa["filters"]["project_id"], l.pa.as_str());

    // bad filters are named
    let response = l
        .app
        .get("/api/v1/reports/training?from=2026-13-01", Some(&sup.token))
        .await;
    assert_eq!(
        fields(&assert_problem(response, 422, "validation_failed").await),
        ["from"]
    );
    let path = format!("/api/v1/reports/training?from={}&to={}", l.day(1), l.day(2));
    let response = l.app.get(&path, Some(&sup.token)).await;
    assert_eq!(
        fields(&assert_problem(response, 422, "validation_failed").await),
        ["to"]
    );
    let response = l
        .app
        .get("/api/v1/reports/training?sponsor_id=42", Some(&sup.token))
        .await;
    assert_eq!(
        fields(&assert_problem(response, 422, "validation_failed").await),
        ["sponsor_id"]
    );
    let admin = l.app.user(Role::Admin, None).await;
    assert_eq!(l.report(&admin, "").await.0, 403);

    // the CSV carries the same figures, headers in both languages
    let response = l
        .app
        .get("/api/v1/reports/training/export", Some(&sup.token))
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    assert!(csv.contains("total,5,23.25,43,4"), "{csv}");
    assert!(csv.contains("by_state,GA,3,11.25,17,2"), "{csv}");
    assert!(csv.contains("교육 시간 / Hours"), "{csv}");
}

#[tokio::test]
async fn employers_see_their_own_training_and_a_prime_its_subcontractors() {
    let l = ledger().await;
    l.record_all().await;
    // A: its own and B's sessions; no sector or state tables
    let (status, of_a) = l.report(&l.a.employer, "").await;
    assert_eq!(status, 200, "{of_a}");
    assert_eq!(sums(&of_a), (4, 19.25, 23, 3));
    assert!(of_a.get("by_state").is_none() && of_a.get("by_sector").is_none());
    let projects: Vec<&str> = of_a["by_project"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sponsor_id"].as_str().unwrap())
        .collect();
    assert!(
        projects.iter().all(|s| *s == l.a.id || *s == l.b.id),
        "{projects:?}"
    );
    let (status, of_sub) = l
        .report(&l.a.employer, &format!("?sponsor_id={}", l.b.id))
        .await;
    assert_eq!(status, 200);
    assert_eq!(sums(&of_sub), (1, 1.5, 3, 1));
    // B sees itself only; C itself only
    assert_eq!(sums(&l.report(&l.b.employer, "").await.1), (1, 1.5, 3, 1));
    assert_eq!(sums(&l.report(&l.c.employer, "").await.1), (1, 4.0, 20, 1));
    // another sponsor's id or project is not found, whoever asks
    for (user, query) in [
        (&l.a.employer, format!("?sponsor_id={}", l.c.id)),
        (&l.a.employer, format!("?project_id={}", l.pc)),
        (&l.b.employer, format!("?sponsor_id={}", l.a.id)),
        (&l.c.employer, format!("?project_id={}", l.pa)),
        (
            &l.c.employer,
            format!("?sponsor_id={}", uuid::Uuid::now_v7()),
        ),
    ] {
        let response = l
            .app
            .get(
                &format!("/api/v1/reports/training{query}"),
                Some(&user.token),
            )
            .await;
        assert_problem(response, 404, "not_found").await;
        let response = l
            .app
            .get(
                &format!("/api/v1/reports/training/export{query}"),
                Some(&user.token),
            )
            .await;
        assert_eq!(response.status(), 404);
    }
}

/// What no public figure may hold: names of workers, sponsors and projects, receipt numbers,
/// passport digits, ids.
async fn forbidden_words(l: &Ledger) -> Vec<String> {
    let mut words = vec![
        "Hanbit".to_owned(),
        "한빛".to_owned(),
        "Minjun".to_owned(),
        "김민준".to_owned(),
        "Ellabell".to_owned(),
        "Clarksville".to_owned(),
        "Commerce".to_owned(),
        "Taylor".to_owned(),
        "KIT2".to_owned(),
        "Electrode".to_owned(),
        "Coater".to_owned(),
    ];
    for sponsor in [&l.a, &l.b, &l.c] {
        words.push(sponsor.id.clone());
    }
    for case in &l.cases {
        words.push(case.clone());
        let (c, _) = l.app.case(&l.officer, case).await;
        words.push(c["receipt_number"].as_str().unwrap().to_owned());
        words.push(format!(
            "…{}",
            c["worker"]["passport_last4"].as_str().unwrap()
        ));
    }
    words
}

#[tokio::test]
async fn the_public_figures_name_no_one_and_withhold_what_would_point_at_one_company() {
    let l = ledger().await;
    // one sponsor's sessions only: nothing but that fact
    record_ok(&l.app, &l.officer, &l.cases[0], l.day(60), 7.5, 10).await;
    let (status, one) = get_json(&l.app, "/api/v1/public/training", None).await;
    assert_eq!(status, 200);
    assert_eq!(one["withheld"], true);
    assert_eq!(one["us_workers_trained"], Value::Null);
    assert_eq!(one["by_state"], json!([]));

    // the rest: totals shown; TN (A only) and TX (C only) withheld; the sectors are two, one
    // from C alone, so batteries is withheld too (else it would be the total minus it)
    for (case, days_ago, hours, trained) in l.sessions().into_iter().skip(1) {
        record_ok(&l.app, &l.officer, case, l.day(days_ago), hours, trained).await;
    }
    let (status, figures) = get_json(&l.app, "/api/v1/public/training", None).await;
    assert_eq!(status, 200);
    assert_eq!(figures["withheld"], false);
    assert_eq!(sums(&figures), (5, 23.25, 43, 4));
    let ga = group(&figures["by_state"], "key", "GA");
    assert_eq!(
        (ga["withheld"].clone(), sums(ga)),
        (json!(false), (3, 11.25, 17, 2))
    );
    for state in ["TN", "TX"] {
        let cell = group(&figures["by_state"], "key", state);
        assert_eq!(cell["withheld"], true, "{cell}");
        assert_eq!(cell["us_workers_trained"], Value::Null);
        assert_eq!(cell["hours"], Value::Null);
    }
    for sector in ["batteries", "semiconductors"] {
        let cell = group(&figures["by_sector"], "key", sector);
        assert_eq!(cell["withheld"], true, "{cell}");
        assert_eq!(cell["sessions"], Value::Null);
    }
    assert_eq!(figures["by_month"].as_array().unwrap().len(), 12);
    let months: i64 = figures["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["us_workers_trained"].as_i64().unwrap())
        .sum();
    assert_eq!(months, 43);

    // no names, no sponsors, projects, cases, receipts or passports: in the JSON and the page
    let json_text = figures.to_string();
    let mut ko = Visitor::new(&l.app);
    ko.accept_language = Some("ko-KR,ko;q=0.9");
    let ko_page = ko.get("/training/figures").await;
    assert_eq!(ko_page.status, 200);
    assert!(ko_page.body.contains("한국 기술자가 교육한 미국 근로자"));
    assert!(ko_page.body.contains("비공개(2개 회사 미만)"));
    assert!(ko_page.body.contains("<svg") && ko_page.body.contains("training-chart"));
    let mut en = Visitor::new(&l.app);
    en.accept_language = Some("en-US");
    let en_page = en.get("/training/figures").await;
    assert_eq!(en_page.status, 200);
    assert!(en_page
        .body
        .contains("U.S. workers trained by Korean technicians"));
    assert!(visible_text(&en_page.body).contains("43"));
    for word in forbidden_words(&l).await {
        assert!(!json_text.contains(&word), "{word} in the public JSON");
        assert!(!ko_page.body.contains(&word), "{word} on the Korean page");
        assert!(!en_page.body.contains(&word), "{word} on the English page");
    }
}

#[tokio::test]
async fn the_desk_and_the_employer_read_the_ledger_on_their_pages() {
    let l = ledger().await;
    l.record_all().await;
    let mut desk = Visitor::signed_in(&l.app, &l.supervisor);
    desk.accept_language = Some("ko");
    let page = desk.get("/supervisor/training").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg") && page.body.contains("training-chart"));
    assert!(page.body.contains("id=\"training-by-state\""));
    assert!(page.body.contains("id=\"training-by-sector\""));
    assert!(page.body.contains("교육받은 미국 근로자 수(연인원)"));
    assert!(
        page.body.contains("<dd id=\"total-trained\">43</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/api/v1/reports/training/export?"));
    let page = desk
        .get(&format!("/supervisor/training?sponsor_id={}", l.c.id))
        .await;
    assert!(page.body.contains("<dd id=\"total-trained\">20</dd>"));
    // officers read it too; employers and admins are not let in
    let mut officer = Visitor::signed_in(&l.app, &l.officer);
    assert_eq!(officer.get("/supervisor/training").await.status, 200);
    let mut employer = Visitor::signed_in(&l.app, &l.c.employer);
    assert_eq!(employer.get("/supervisor/training").await.status, 403);
    let page = employer.get("/employer/training").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<dd id=\"total-trained\">20</dd>"));
    assert!(page.body.contains("training-chart"));
    assert!(
        !page.body.contains("Ellabell cell plant"),
        "another sponsor's project"
    );
    assert!(!page.body.contains("id=\"training-by-state\""));
    let page = employer.get("/employer").await;
    assert!(page.body.contains("href=\"/employer/training\""));
}

#[tokio::test]
async fn the_case_page_records_and_imports_sessions_and_shows_errors_in_korean() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let undecided = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let case = approved_case(&app, &officer, &sponsor.employer, &project).await;
    let today = app.ctx.today();
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    employer.accept_language = Some("ko");

    // before the visa: no section, no form
    let page = employer.get(&format!("/cases/{undecided}")).await;
    assert!(!page.body.contains("id=\"training-form\""));

    let page = employer.get(&format!("/cases/{case}")).await;
    assert!(
        page.body.contains("id=\"training-form\""),
        "the form after the visa"
    );
    assert!(page.body.contains("교육 일자"));
    let token = page.csrf();
    let day = (today - Duration::days(2)).to_string();
    let posted = employer
        .post(
            &format!("/cases/{case}/training"),
            &[
                ("csrf", &token),
                ("date", &day),
                ("hours", "7.5"),
                ("us_workers_trained", "12"),
                ("skill", "전극 코팅"),
                ("equipment", ""),
            ],
        )
        .await;
    assert_eq!(posted.status, 303);
    assert!(posted.location().contains("msg=training_recorded"));
    let page = employer.get(posted.location()).await;
    assert!(page.body.contains("교육 기록을 저장했습니다."));
    assert!(page.body.contains("교육 기록 입력"), "the history's line");
    assert!(
        page.body.contains("<td id=\"training-trained\">12</td>"),
        "{}",
        page.body
    );

    // errors come back in Korean, naming the fields
    let posted = employer
        .post(
            &format!("/cases/{case}/training"),
            &[
                ("csrf", &token),
                ("date", "2026-02-30"),
                ("hours", "30"),
                ("us_workers_trained", "0"),
                ("skill", ""),
            ],
        )
        .await;
    assert_eq!(posted.status, 422);
    let text = visible_text(&posted.body);
    for expected in [
        "교육 시간",
        "교육받은 미국 근로자 수",
        "기술/직무",
        "2026-11-03 같은 날짜로 입력해 주세요.",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }

    // the import form: a sheet with a bad line is refused whole, then a good one goes in
    let cookie = employer.cookie_header();
    // a browser's post, seen without following its redirect
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let upload = |csv: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("교육대장.csv"),
            );
        client
            .post(app.url(&format!("/cases/{case}/training/import")))
            .header("cookie", cookie.clone())
            .header("sec-fetch-site", "same-origin")
            .header("accept-language", "ko")
            .multipart(form)
            .send()
    };
    let response = upload(format!(
        "날짜,시간,교육인원,기술/직무\n{day},2,3,권취\n{day},abc,3,권취\n"
    ))
    .await
    .unwrap();
    let refused = employer.finish(response).await;
    assert_eq!(refused.status, 422);
    let beside_the_form = refused.body.split("id=\"training-errors\"").nth(1).unwrap();
    assert!(beside_the_form.starts_with("><p class=\"field-error\">3번째 줄의 교육 시간"));
    assert!(
        visible_text(&refused.body).contains("3번째 줄의 교육 시간"),
        "{}",
        refused.body
    );
    let response = upload(format!("날짜,시간,교육인원,기술/직무\n{day},2,3,권취\n"))
        .await
        .unwrap();
    let imported = employer.finish(response).await;
    assert_eq!(imported.status, 303, "{}", visible_text(&imported.body));
    let page = employer.get(imported.location()).await;
    assert!(page.body.contains("<td id=\"training-trained\">15</td>"));

    // another sponsor is turned away from the forms as from the case
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let mut stranger = Visitor::signed_in(&app, &other.employer);
    let token = stranger.get("/employer").await.csrf();
    let posted = stranger
        .post(
            &format!("/cases/{case}/training"),
            &[
                ("csrf", &token),
                ("date", &day),
                ("hours", "1"),
                ("us_workers_trained", "1"),
                ("skill", "x"),
            ],
        )
        .await;
    assert_eq!(posted.status, 404);
}

/// The public figures sum the whole ledger on every answer: a client address gets 60 at
/// once, then one a second (429 with Retry-After), the page as the API.
#[tokio::test]
async fn the_public_figures_are_throttled_per_client_address() {
    let app = crate::helpers::spawn_app().await;
    for _ in 0..60 {
        let response = app.get("/api/v1/public/training", None).await;
        assert_eq!(response.status(), 200);
    }
    let response = app.get("/api/v1/public/training", None).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let page = app.get("/training/figures", None).await;
    assert_eq!(page.status(), 429);
    // another address is not held back
    let other = app
        .client_from(9)
        .get(app.url("/api/v1/public/training"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}
