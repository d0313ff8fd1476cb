//! The queue's overdue-first order across pages, and the supervisor's case reports: by
//! sponsor, officer, route and date range, against figures computed by hand.

use kitdesk::domain::Role;
use serde_json::Value;

use crate::helpers::{assert_problem, case_ids, spawn_app, TestApp, TestUser};

/// Every page of `path` (which has its query already), following `next_cursor`.
async fn all_pages(app: &TestApp, user: &TestUser, path: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut url = path.to_owned();
    loop {
        let response = app.get(&url, Some(&user.token)).await;
        assert_eq!(response.status(), 200, "{url}");
        let page: Value = response.json().await.unwrap();
        pages.push(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect(),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}&cursor={cursor}"),
            None => return pages,
        }
        assert!(pages.len() < 20, "the pages do not end");
    }
}

#[tokio::test]
async fn the_queue_orders_overdue_cases_first_across_pages() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let ids = case_ids(&app.file(&sponsor.employer, &project, 5).await);
    // the two cases filed last are evidence requests past their due date; a third request is
    // not due yet
    app.sql(&format!(
        "UPDATE cases SET status = 'evidence_requested', evidence_due = '2020-01-01' \
         WHERE id IN ('{}', '{}'); \
         UPDATE cases SET status = 'evidence_requested', evidence_due = '2999-01-01' WHERE id = '{}'",
        ids[3], ids[4], ids[0]
    ))
    .await;

    let filed = all_pages(&app, &officer, "/api/v1/cases?limit=2").await;
    assert_eq!(filed.concat(), ids, "the filed order is oldest first");

    let pages = all_pages(&app, &officer, "/api/v1/cases?order=overdue_first&limit=2").await;
    assert_eq!(
        pages,
        vec![
            vec![ids[3].clone(), ids[4].clone()],
            vec![ids[0].clone(), ids[1].clone()],
            vec![ids[2].clone()],
        ]
    );
    // a page that runs over from the overdue part into the rest
    let pages = all_pages(&app, &officer, "/api/v1/cases?order=overdue_first&limit=3").await;
    assert_eq!(
        pages,
        vec![
            vec![ids[3].clone(), ids[4].clone(), ids[0].clone()],
            vec![ids[1].clone(), ids[2].clone()],
        ]
    );
    // exactly the overdue part fills the page: the next page starts the rest
    let pages = all_pages(&app, &officer, "/api/v1/cases?order=overdue_first&limit=2").await;
    assert_eq!(pages.concat().len(), 5);
    // with the overdue filter, the order is the same list
    let only = all_pages(
        &app,
        &officer,
        "/api/v1/cases?order=overdue_first&overdue=true&limit=1",
    )
    .await;
    assert_eq!(only.concat(), vec![ids[3].clone(), ids[4].clone()]);

    // the desk's case page follows the same order: from the last overdue case to the oldest
    // of the rest, and back
    let mut desk = crate::pages::Visitor::signed_in(&app, &officer);
    let last_overdue = desk.get(&format!("/cases/{}?queue=", ids[4])).await;
    assert!(
        last_overdue
            .body
            .contains(&format!("href=\"/cases/{}?queue=\" rel=\"next\"", ids[0])),
        "next after the overdue part is the oldest other case"
    );
    let oldest = desk.get(&format!("/cases/{}?queue=", ids[0])).await;
    assert!(oldest
        .body
        .contains(&format!("href=\"/cases/{}?queue=\" rel=\"prev\"", ids[4])));
    let first = desk.get(&format!("/cases/{}?queue=", ids[3])).await;
    assert!(
        !first.body.contains("rel=\"prev\""),
        "the first overdue case has no previous"
    );
    let desk_page = desk.get("/desk").await;
    let position = |id: &str| desk_page.body.find(&format!("/cases/{id}")).unwrap();
    assert!(
        position(&ids[4]) < position(&ids[0]),
        "the queue page lists overdue first"
    );

    let response = app
        .get("/api/v1/cases?order=newest", Some(&officer.token))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert!(problem.to_string().contains("order"), "{problem}");
    // a cursor of the filed order is not one of the overdue-first order
    let first: Value = app
        .get("/api/v1/cases?limit=1", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let response = app
        .get(
            &format!("/api/v1/cases?order=overdue_first&cursor={cursor}"),
            Some(&officer.token),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert!(problem.to_string().contains("cursor"), "{problem}");
}

fn group<'a>(groups: &'a Value, id: &str) -> &'a Value {
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap_or_else(|| panic!("no group {id} in {groups}"))
}

#[tokio::test]
async fn case_reports_by_sponsor_officer_route_and_dates_add_up() {
    let app = spawn_app().await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let officer = app.user(Role::Officer, None).await;
    let other_officer = app.user(Role::Officer, None).await;
    let (a, project_a) = app.ready_sponsor(&officer, None).await;
    let (b, project_b) = app.ready_sponsor(&officer, None).await;
    let a_ids = case_ids(&app.file(&a.employer, &project_a, 3).await);
    let b_ids = case_ids(&app.file(&b.employer, &project_b, 2).await);

    // By hand: A's first two cases are the officer's; A0 approved on B1-CIW 10 days after
    // filing, A1 refused 4 days after, both filed 2026-03-02; B0 is the other officer's,
    // approved on E2-ESS 21 days after filing on 2026-04-01; A2 is an overdue evidence
    // request filed 2026-05-04; B1 stays as filed, on 2026-06-01.
    app.sql(&format!(
        "UPDATE cases SET assignee_id = '{o}' WHERE id IN ('{a0}', '{a1}'); \
         UPDATE cases SET assignee_id = '{p}' WHERE id = '{b0}'; \
         UPDATE cases SET filing_date = '2026-03-02', status = 'approved', decision_route = 'B1-CIW', decided_at = '2026-03-12 01:00:00' WHERE id = '{a0}'; \
         UPDATE cases SET filing_date = '2026-03-02', status = 'refused', decided_at = '2026-03-06 02:00:00' WHERE id = '{a1}'; \
         UPDATE cases SET filing_date = '2026-04-01', status = 'approved', decision_route = 'E2-ESS', decided_at = '2026-04-22 03:00:00' WHERE id = '{b0}'; \
         UPDATE cases SET filing_date = '2026-05-04', status = 'evidence_requested', evidence_due = '2026-05-20' WHERE id = '{a2}'; \
         UPDATE cases SET filing_date = '2026-06-01' WHERE id = '{b1}'",
        o = officer.id,
        p = other_officer.id,
        a0 = a_ids[0],
        a1 = a_ids[1],
        a2 = a_ids[2],
        b0 = b_ids[0],
        b1 = b_ids[1],
    ))
    .await;

    let report = |query: String| {
        let app = &app;
        let token = supervisor.token.clone();
        async move {
            let response = app
                .get(&format!("/api/v1/reports/cases{query}"), Some(&token))
                .await;
            assert_eq!(response.status(), 200, "{query}");
            response.json::<Value>().await.unwrap()
        }
    };

    let all = report("".to_owned()).await;
    assert_eq!(all["cases"], 5);
    assert_eq!(all["decided"], 3);
    // days to decision: 10, 4, 21 → median 10
    assert_eq!(all["median_days_to_decision"], 10.0);
    let buckets: Vec<i64> = all["days_to_decision"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .collect();
    assert_eq!(buckets, vec![1, 1, 1, 0, 0, 0], "{all}");
    let sponsor_a = group(&all["by_sponsor"], &a.id);
    assert_eq!(sponsor_a["cases"], 3);
    assert_eq!(sponsor_a["approved"], 1);
    assert_eq!(sponsor_a["refused"], 1);
    assert_eq!(sponsor_a["open"], 1);
    assert_eq!(sponsor_a["overdue"], 1);
    assert_eq!(sponsor_a["median_days_to_decision"], 7.0);
    let sponsor_b = group(&all["by_sponsor"], &b.id);
    assert_eq!(sponsor_b["cases"], 2);
    assert_eq!(sponsor_b["median_days_to_decision"], 21.0);
    let mine = group(&all["by_officer"], &officer.id);
    assert_eq!(mine["cases"], 2);
    assert_eq!(mine["median_days_to_decision"], 7.0);
    let unassigned = all["by_officer"].as_array().unwrap().last().unwrap();
    assert!(unassigned["id"].is_null());
    assert_eq!(unassigned["cases"], 2);
    assert_eq!(unassigned["overdue"], 1);
    assert_eq!(all["overdue"].as_array().unwrap().len(), 1);
    let seoul_today = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let due = chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap();
    assert_eq!(all["overdue"][0]["case_id"], a_ids[2].as_str());
    assert_eq!(
        all["overdue"][0]["days_overdue"],
        (seoul_today - due).num_days()
    );
    assert_eq!(
        all["overdue_by_days"][3]["count"], 1,
        "more than 30 days overdue"
    );
    let overdue_total: i64 = all["overdue_by_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(overdue_total, 1);

    // one sponsor, one officer, one route, a date range
    let only_b = report(format!("?sponsor_id={}", b.id)).await;
    assert_eq!(only_b["cases"], 2);
    assert_eq!(only_b["by_sponsor"].as_array().unwrap().len(), 1);
    let officer_only = report(format!("?officer_id={}", officer.id)).await;
    assert_eq!(officer_only["cases"], 2);
    assert_eq!(officer_only["decided"], 2);
    let e2 = report("?route=E2-ESS".to_owned()).await;
    assert_eq!(e2["cases"], 1);
    assert_eq!(e2["median_days_to_decision"], 21.0);
    let spring = report("?from=2026-03-01&to=2026-04-30".to_owned()).await;
    assert_eq!(spring["cases"], 3);
    assert_eq!(spring["filters"]["from"], "2026-03-01");
    // the weeks of the range: 2026-02-23 … 2026-04-27, filed and decided per Seoul week
    let weeks = spring["weekly"].as_array().unwrap();
    assert_eq!(weeks.first().unwrap()["week_start"], "2026-02-23");
    assert_eq!(weeks.last().unwrap()["week_start"], "2026-04-27");
    let filed: i64 = weeks.iter().map(|w| w["filed"].as_i64().unwrap()).sum();
    let decided: i64 = weeks.iter().map(|w| w["decided"].as_i64().unwrap()).sum();
    assert_eq!((filed, decided), (3, 3));
    let week_of_march_2 = weeks
        .iter()
        .find(|w| w["week_start"] == "2026-03-02")
        .unwrap();
    assert_eq!(week_of_march_2["filed"], 2);

    // bad filters name their field
    for (query, field) in [
        ("?from=2026-13-01", "from"),
        ("?officer_id=nobody", "officer_id"),
        ("?route=H-1B", "route"),
        ("?from=2026-05-01&to=2026-04-01", "to"),
    ] {
        let response = app
            .get(
                &format!("/api/v1/reports/cases{query}"),
                Some(&supervisor.token),
            )
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert!(problem.to_string().contains(field), "{query}: {problem}");
    }

    // the report's cases as a spreadsheet, with the same filters
    let response = app
        .get(
            &format!(
                "/api/v1/reports/cases/export?format=csv&sponsor_id={}",
                a.id
            ),
            Some(&supervisor.token),
        )
        .await;
    assert_eq!(response.status(), 200);
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    let response = app
        .get(
            "/api/v1/reports/cases/export?route=B1-CIW",
            Some(&supervisor.token),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));

    // officers do not read reports
    let response = app.get("/api/v1/reports/cases", Some(&officer.token)).await;
    assert_eq!(response.status(), 403);

    // the page: the filter form keeps its values, the tables and both charts are there
    let page = crate::pages::Visitor::signed_in(&app, &supervisor)
        .get(&format!(
            "/supervisor/reports?from=2026-03-01&sponsor_id={}",
            a.id
        ))
        .await;
    assert_eq!(page.status, 200);
    for needle in [
        "value=\"2026-03-01\"",
        "id=\"by-sponsor\"",
        "id=\"by-officer\"",
        "id=\"decision-chart\"",
        "id=\"overdue-chart\"",
        // the downloads keep the filters (askama writes & as &#38;)
        &format!("reports.csv?&#38;from=2026-03-01&#38;sponsor_id={}", a.id),
    ] {
        assert!(page.body.contains(needle), "{needle} not on the page");
    }
}
