//! Interviews with capacity: windows on working days only, slots never booked over their
//! capacity (also under concurrent bookings), batch booking of a filing, closing a window,
//! rescheduling and its limit.

use chrono::NaiveDate;
use kitdesk::domain::time::{appointment_en, appointment_ko, desk_today};
use kitdesk::domain::Role;
use serde_json::{json, Value};

use kitdesk::db::outbox::{self, OutboxRow};
use kitdesk::service::{ServiceError, Settings};

use crate::helpers::{
    assert_problem, next_working_day, spawn_app, spawn_app_configured, worker, TestApp, TestUser,
};

struct Desk {
    app: TestApp,
    supervisor: TestUser,
    officer: TestUser,
    employer: TestUser,
    filing_id: String,
    cases: Vec<String>,
}

/// `n` cases filed in one batch; those in `in_review` have had their review started.
async fn desk_with(workers: Vec<Value>, in_review: usize) -> Desk {
    desk_on(spawn_app().await, workers, in_review).await
}

async fn desk_on(app: TestApp, workers: Vec<Value>, in_review: usize) -> Desk {
    let supervisor = app.user(Role::Supervisor, None).await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let response = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": workers}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let filed: Value = response.json().await.unwrap();
    let cases: Vec<String> = filed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    for id in cases.iter().take(in_review) {
        app.act_ok(&officer, id, json!({"action": "start_review"}))
            .await;
    }
    Desk {
        filing_id: filed["id"].as_str().unwrap().to_owned(),
        employer: sponsor.employer,
        app,
        supervisor,
        officer,
        cases,
    }
}

async fn desk(n: usize) -> Desk {
    desk_with((0..n).map(worker).collect(), n).await
}

fn day() -> NaiveDate {
    next_working_day(desk_today())
}

async fn slots(app: &TestApp, user: &TestUser, from: NaiveDate) -> Vec<Value> {
    let response = app
        .get(
            &format!("/api/v1/interview-slots?from={from}&to={from}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn windows_open_on_working_days_only_and_are_cut_into_slots() {
    let app = spawn_app().await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let officer = app.user(Role::Officer, None).await;
    let window = |date: NaiveDate| json!({"date": date, "start": "09:00", "end": "11:00", "slot_minutes": 15, "capacity": 2, "location": "Consular section, window 3"});
    let post = |body: Value| {
        let app = &app;
        let token = supervisor.token.clone();
        async move {
            app.post_json("/api/v1/interview-windows", Some(&token), &body)
                .await
        }
    };
    // a Saturday, Christmas (both countries), Thanksgiving (U.S. only), Chuseok (Korea only)
    let mut saturday = desk_today();
    while chrono::Datelike::weekday(&saturday) != chrono::Weekday::Sat {
        saturday += chrono::Duration::days(1);
    }
    let body = assert_problem(post(window(saturday)).await, 422, "closed_day").await;
    assert_eq!(body["errors"][0]["field"], "date");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("weekend"));
    for (date, named) in [
        ("2026-12-25", "Christmas"),
        ("2027-11-25", "Thanksgiving"),
        ("2027-09-15", "추석"),
        ("2027-10-11", "Hangeul Day"),
    ] {
        let date: NaiveDate = date.parse().unwrap();
        if date < desk_today() {
            continue;
        }
        let body = assert_problem(post(window(date)).await, 422, "closed_day").await;
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(named),
            "{body}"
        );
    }
    // a window that holds no whole number of slots, and one in the past
    let mut ragged = window(day());
    ragged["end"] = json!("10:50");
    let body = assert_problem(post(ragged).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "end");
    let body = assert_problem(
        post(window(desk_today() - chrono::Duration::days(1))).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "date");
    // an officer may not open one
    let response = app
        .post_json(
            "/api/v1/interview-windows",
            Some(&officer.token),
            &window(day()),
        )
        .await;
    assert_eq!(response.status(), 403);

    let response = post(window(day())).await;
    assert_eq!(response.status(), 201);
    let opened: Value = response.json().await.unwrap();
    let cut = opened["slots"].as_array().unwrap();
    assert_eq!(cut.len(), 8);
    assert_eq!(cut[0]["starts_at"], format!("{}T09:00:00+09:00", day()));
    assert_eq!(cut[7]["ends_at"], format!("{}T11:00:00+09:00", day()));
    assert_eq!(
        (cut[0]["capacity"].as_i64(), cut[0]["booked"].as_i64()),
        (Some(2), Some(0))
    );
    // the desk lists them, Seoul days
    let listed = slots(&app, &officer, day()).await;
    assert_eq!(listed.len(), 8);
    assert_eq!(listed[0]["location"], "Consular section, window 3");
    let response = app
        .get(
            &format!("/api/v1/interview-slots?from={}&to={}", day(), desk_today()),
            Some(&officer.token),
        )
        .await;
    assert_problem(response, 422, "validation_failed").await;
}

#[tokio::test]
async fn twenty_concurrent_bookings_of_five_places_book_exactly_five() {
    let d = desk(20).await;
    let slot = d.app.slot(&d.supervisor, 5).await;
    let mut tasks = Vec::new();
    for id in &d.cases {
        let (_, etag) = d.app.case(&d.officer, id).await;
        let client = d.app.client.clone();
        let url = d.app.url(&format!("/api/v1/cases/{id}/actions"));
        let token = d.officer.token.clone();
        let body = json!({"action": "schedule_interview", "slot_id": slot});
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("if-match", etag)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }));
    }
    let mut booked = 0;
    let mut full = 0;
    for task in tasks {
        match task.await.unwrap() {
            (200, body) => {
                assert_eq!(body["status"], "interview_scheduled");
                booked += 1;
            }
            (409, body) => {
                assert_eq!(body["code"], "slot_full", "{body}");
                full += 1;
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((booked, full), (5, 15));
    let listed = slots(&d.app, &d.officer, day()).await;
    let ours = listed.iter().find(|s| s["id"] == slot.as_str()).unwrap();
    assert_eq!(ours["booked"], 5);
    assert_eq!(ours["cases"].as_array().unwrap().len(), 5);
    // the refused cases are untouched: still in review, at their version
    let mut in_review = 0;
    for id in &d.cases {
        let (case, _) = d.app.case(&d.officer, id).await;
        if case["status"] == "in_review" {
            in_review += 1;
        }
    }
    assert_eq!(in_review, 15);
}

#[tokio::test]
async fn a_filing_is_booked_into_the_earliest_slots_earliest_planned_entry_first() {
    let entries = ["2027-03-20", "2027-03-05", "2027-03-10", "2027-03-01"];
    let workers: Vec<Value> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let mut w = worker(i);
            w["assignment"]["planned_entry"] = json!(entry);
            w["assignment"]["planned_exit"] = json!("2027-05-30");
            w
        })
        .collect();
    // the fourth (entry 2027-03-01) stays filed: it does not await an interview
    let d = desk_with(workers, 3).await;
    // two slots of one place, then one on the next working day
    let first = day();
    let window = d
        .app
        .open_window(&d.supervisor, first, "09:00", "09:30", 15, 1, "Window 1")
        .await;
    let second = next_working_day(first);
    d.app
        .open_window(&d.supervisor, second, "14:00", "14:15", 15, 1, "Window 2")
        .await;
    let response = d
        .app
        .post_json(
            &format!("/api/v1/filings/{}/interviews", d.filing_id),
            Some(&d.officer.token),
            &json!({"from": first}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        (report["booked"].as_i64(), report["not_booked"].as_i64()),
        (Some(3), Some(1))
    );
    let items = report["items"].as_array().unwrap();
    let line = |i: usize| {
        (
            items[i]["planned_entry"].as_str().unwrap().to_owned(),
            items[i]["outcome"].as_str().unwrap().to_owned(),
            items[i]["slot"]["starts_at"].as_str().map(str::to_owned),
        )
    };
    assert_eq!(
        line(0),
        ("2027-03-01".into(), "not_awaiting_interview".into(), None)
    );
    assert_eq!(
        line(1),
        (
            "2027-03-05".into(),
            "booked".into(),
            Some(format!("{first}T09:00:00+09:00"))
        )
    );
    assert_eq!(
        line(2),
        (
            "2027-03-10".into(),
            "booked".into(),
            Some(format!("{first}T09:15:00+09:00"))
        )
    );
    assert_eq!(
        line(3),
        (
            "2027-03-20".into(),
            "booked".into(),
            Some(format!("{second}T14:00:00+09:00"))
        )
    );
    assert_eq!(items[1]["slot"]["id"], window["slots"][0]["id"]);
    // booked as schedule_interview books: status, history, the applicant's mail
    let case_id = items[1]["case_id"].as_str().unwrap();
    let (case, _) = d.app.case(&d.employer, case_id).await;
    assert_eq!(case["status"], "interview_scheduled");
    let history: Value = d
        .app
        .get(
            &format!("/api/v1/cases/{case_id}/history"),
            Some(&d.officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(history["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["action"] == "case.schedule_interview"));
    // the employer hears once for the batch, in Korean first; the applicants each
    let mails = outbox_of(&d.app, case_id).await;
    assert!(mails
        .iter()
        .any(|m| m.audience == "applicant" && m.kind == "interview_scheduled"));
    assert!(
        !mails.iter().any(|m| m.audience == "employer"),
        "no mail per worker"
    );
    let summaries = {
        let ctx = d.app.ctx.clone();
        ctx.run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::outbox as o;
            o::table
                .filter(o::kind.eq("employer_interviews"))
                .select(o::body_text)
                .load::<String>(conn)
                .map_err(ServiceError::from)
        })
        .await
        .unwrap()
    };
    assert_eq!(summaries.len(), 1, "one summary for the one employer user");
    assert!(summaries[0].contains("근로자 3명의 인터뷰 일정이 잡혔습니다"));
    // each worker's time as a Korean reader writes it, weekday included
    let at = first.and_hms_opt(9, 15, 0).unwrap();
    assert!(
        summaries[0].contains(&format!("{} KST", appointment_ko(&at))),
        "{}",
        summaries[0]
    );
    assert!(summaries[0].contains(&format!("{} KST", appointment_en(&at))));
    assert!(
        summaries[0].find("담당자님께").unwrap()
            < summaries[0].find("Interviews are booked").unwrap()
    );
    // booking again finds nothing to book and no place left
    let again: Value = d
        .app
        .post_json(
            &format!("/api/v1/filings/{}/interviews", d.filing_id),
            Some(&d.officer.token),
            &json!({"from": first}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["booked"], 0);
    let missing = d
        .app
        .post_json(
            "/api/v1/filings/0193a5c2-0000-7000-8000-000000000000/interviews",
            Some(&d.officer.token),
            &json!({"from": first}),
        )
        .await;
    assert_eq!(missing.status(), 404);
    let bad = d
        .app
        .post_json(
            &format!("/api/v1/filings/{}/interviews", d.filing_id),
            Some(&d.officer.token),
            &json!({"from": "next week"}),
        )
        .await;
    let body = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "from");
}

async fn schedule(
    d: &Desk,
    user: &TestUser,
    case: &str,
    action: &str,
    slot: &str,
) -> reqwest::Response {
    let (_, etag) = d.app.case(user, case).await;
    d.app
        .act(
            user,
            case,
            Some(&etag),
            &json!({"action": action, "slot_id": slot}),
        )
        .await
}

#[tokio::test]
async fn closing_a_window_lists_its_cases_and_moving_them_is_no_reschedule() {
    let d = desk(2).await;
    let window = d
        .app
        .open_window(&d.supervisor, day(), "09:00", "09:15", 15, 2, "Window 1")
        .await;
    let slot = window["slots"][0]["id"].as_str().unwrap();
    let window_id = window["id"].as_str().unwrap();
    assert_eq!(
        schedule(&d, &d.officer, &d.cases[0], "schedule_interview", slot)
            .await
            .status(),
        200
    );
    // an officer cannot close it; a supervisor can, with a reason
    let close = |user: &TestUser, body: Value| {
        let app = &d.app;
        let token = user.token.clone();
        async move {
            app.post_json(
                &format!("/api/v1/interview-windows/{window_id}/close"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    assert_eq!(
        close(&d.officer, json!({"reason": "ill"})).await.status(),
        403
    );
    assert_problem(
        close(&d.supervisor, json!({"reason": " "})).await,
        422,
        "validation_failed",
    )
    .await;
    let response = close(
        &d.supervisor,
        json!({"reason": "The interviewing officer is ill"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let closed: Value = response.json().await.unwrap();
    assert_eq!(closed["rebook"].as_array().unwrap().len(), 1);
    // the applicant's public status tells the booked time and place in Seoul time
    let (booked, _) = d.app.case(&d.officer, &d.cases[0]).await;
    let status: Value = d
        .app
        .post_json(
            "/api/v1/status",
            None,
            &json!({"receipt_number": booked["receipt_number"], "date_of_birth": "1988-04-12"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["next_en"],
        format!(
            "Your interview: {} KST (Seoul time), Window 1.",
            appointment_en(&day().and_hms_opt(9, 0, 0).unwrap())
        )
    );
    assert!(status["next_ko"]
        .as_str()
        .unwrap()
        .contains("09:00 KST (서울 시간)"));
    assert_eq!(closed["rebook"][0]["case_id"], d.cases[0].as_str());
    assert_eq!(closed["window"]["slots"][0]["closed"], true);
    assert_problem(
        close(&d.supervisor, json!({"reason": "again"})).await,
        409,
        "window_closed",
    )
    .await;
    // nobody books into it now
    assert_problem(
        schedule(&d, &d.officer, &d.cases[1], "schedule_interview", slot).await,
        409,
        "slot_closed",
    )
    .await;
    let rebook: Value = d
        .app
        .get("/api/v1/interview-rebookings", Some(&d.officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rebook["items"].as_array().unwrap().len(), 1);
    // moving out of a closed slot does not count against the limit: three moves, the last
    // two counted, and the third counted one is refused to an officer
    let new_window = d
        .app
        .open_window(
            &d.supervisor,
            next_working_day(day()),
            "10:00",
            "11:00",
            15,
            1,
            "Window 2",
        )
        .await;
    let new_slots: Vec<&str> = new_window["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for slot in &new_slots[0..3] {
        let r = schedule(&d, &d.officer, &d.cases[0], "reschedule", slot).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    let rebook: Value = d
        .app
        .get("/api/v1/interview-rebookings", Some(&d.officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(rebook["items"].as_array().unwrap().is_empty());
    let listed = slots(&d.app, &d.officer, next_working_day(day())).await;
    let booked: Vec<i64> = listed
        .iter()
        .map(|s| s["booked"].as_i64().unwrap())
        .collect();
    assert_eq!(booked, [0, 0, 1, 0], "each move frees the slot it leaves");
    let refused = assert_problem(
        schedule(&d, &d.officer, &d.cases[0], "reschedule", new_slots[3]).await,
        409,
        "reschedule_limit",
    )
    .await;
    assert_eq!(
        (refused["reschedules"].as_i64(), refused["limit"].as_i64()),
        (Some(2), Some(2))
    );
    // the supervisor decides
    let moved = schedule(&d, &d.supervisor, &d.cases[0], "reschedule", new_slots[3]).await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(
        moved["interview_at"],
        format!("{}T01:45:00Z", next_working_day(day()))
    );
    // moving into its own slot is refused, and the case keeps its version
    let (before, _) = d.app.case(&d.officer, &d.cases[0]).await;
    let full = schedule(&d, &d.supervisor, &d.cases[0], "reschedule", new_slots[3]).await;
    assert_problem(full, 422, "validation_failed").await; // its own slot is no move
    assert_eq!(
        d.app.case(&d.officer, &d.cases[0]).await.0["version"],
        before["version"]
    );
}

#[tokio::test]
async fn a_withdrawal_gives_the_place_back() {
    let d = desk(2).await;
    let slot = d.app.slot(&d.supervisor, 1).await;
    assert_eq!(
        schedule(&d, &d.officer, &d.cases[0], "schedule_interview", &slot)
            .await
            .status(),
        200
    );
    assert_problem(
        schedule(&d, &d.officer, &d.cases[1], "schedule_interview", &slot).await,
        409,
        "slot_full",
    )
    .await;
    d.app
        .act_ok(
            &d.employer,
            &d.cases[0],
            json!({"action": "withdraw", "reason": "Project postponed"}),
        )
        .await;
    assert_eq!(
        schedule(&d, &d.officer, &d.cases[1], "schedule_interview", &slot)
            .await
            .status(),
        200
    );
    // the withdrawn applicant's calendar is told: a CANCEL of the same event
    let withdrawn = outbox_of(&d.app, &d.cases[0]).await;
    let mail = withdrawn
        .iter()
        .find(|m| m.kind == "withdrawn")
        .expect("a withdrawal mail");
    let (method, uid, sequence, ..) = parse_invitation(mail.calendar.as_deref().expect("a CANCEL"));
    assert_eq!((method.as_str(), sequence), ("CANCEL", 1));
    assert_eq!(uid, format!("interview-{}@kitdesk", d.cases[0]));
    // a decision before the interview took place gives the place back too
    let r = act(
        &d,
        &d.officer,
        &d.cases[1],
        json!({"action": "refuse", "ground": "214(b)", "reason": "Ties to Korea not shown"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let listed = slots(&d.app, &d.officer, day()).await;
    let ours = listed.iter().find(|s| s["id"] == slot.as_str()).unwrap();
    assert_eq!(ours["booked"], 0);
}

async fn act(d: &Desk, user: &TestUser, case: &str, action: Value) -> reqwest::Response {
    let (_, etag) = d.app.case(user, case).await;
    d.app.act(user, case, Some(&etag), &action).await
}

#[tokio::test]
async fn the_employer_asks_for_another_time_and_the_desk_cancels_or_records_a_no_show() {
    let d = desk(2).await;
    let slot = d.app.slot(&d.supervisor, 2).await;
    for case in &d.cases {
        assert_eq!(
            schedule(&d, &d.officer, case, "schedule_interview", &slot)
                .await
                .status(),
            200
        );
    }
    // the employer asks; a closed day among the preferred dates is named
    let mut saturday = next_working_day(desk_today());
    while chrono::Datelike::weekday(&saturday) != chrono::Weekday::Sat {
        saturday += chrono::Duration::days(1);
    }
    let later = next_working_day(saturday);
    let refused = act(&d, &d.employer, &d.cases[0], json!({"action": "request_reschedule", "reason": "Site acceptance test that week", "preferred_dates": [later, saturday]})).await;
    let body = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "preferred_dates[1]");
    let asked = act(&d, &d.employer, &d.cases[0], json!({"action": "request_reschedule", "reason": "Site acceptance test that week", "preferred_dates": [later]})).await;
    assert_eq!(asked.status(), 200);
    let asked: Value = asked.json().await.unwrap();
    assert_eq!(asked["status"], "interview_scheduled");
    let notes: Value = d
        .app
        .get(
            &format!("/api/v1/cases/{}/notes", d.cases[0]),
            Some(&d.officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let asked_note = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| {
            n["body"]
                .as_str()
                .unwrap()
                .starts_with("Another interview time requested")
        })
        .expect("the request's note");
    assert!(asked_note["body"]
        .as_str()
        .unwrap()
        .contains(&format!("({})", kitdesk::domain::time::date_en(&later))));
    assert!(asked_note["body_ko"].as_str().unwrap().contains(&format!(
        "(희망일: {})",
        kitdesk::domain::time::date_ko(&later)
    )));
    // asking is the employer's; the desk acts
    assert_eq!(
        act(
            &d,
            &d.officer,
            &d.cases[0],
            json!({"action": "request_reschedule", "reason": "x"})
        )
        .await
        .status(),
        403
    );
    // the desk cancels: the place is free, the case back in review, the applicant told
    let cancelled = act(
        &d,
        &d.officer,
        &d.cases[0],
        json!({"action": "cancel_interview", "reason": "The employer asked for another week"}),
    )
    .await;
    assert_eq!(cancelled.status(), 200);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "in_review");
    assert!(cancelled["interview_at"].is_null());
    let listed = slots(&d.app, &d.officer, day()).await;
    let ours = listed.iter().find(|s| s["id"] == slot.as_str()).unwrap();
    assert_eq!(
        (
            ours["booked"].as_i64(),
            ours["cases"].as_array().unwrap().len()
        ),
        (Some(1), 1)
    );
    let mails = outbox_of(&d.app, &d.cases[0]).await;
    let cancel_mail = mails
        .iter()
        .find(|m| m.kind == "interview_cancelled")
        .expect("a cancellation mail");
    assert!(cancel_mail.body_text.contains("인터뷰가 취소되었습니다"));
    assert!(
        cancel_mail.body_text.contains("09:00 KST"),
        "{}",
        cancel_mail.body_text
    );
    // a no-show is recorded only once the interview has begun
    let early = act(
        &d,
        &d.officer,
        &d.cases[1],
        json!({"action": "record_no_show", "note": "Did not come"}),
    )
    .await;
    assert_problem(early, 409, "interview_not_held").await;
    d.app
        .sql(&format!(
            "UPDATE cases SET interview_at = '2026-01-05 00:00:00' WHERE id = '{}'",
            d.cases[1]
        ))
        .await;
    let missed = act(
        &d,
        &d.officer,
        &d.cases[1],
        json!({"action": "record_no_show", "note": "Did not come; the employer was told"}),
    )
    .await;
    assert_eq!(missed.status(), 200);
    let missed: Value = missed.json().await.unwrap();
    assert_eq!(missed["status"], "in_review");
    // the place was used: it stays counted, and nobody is listed as awaiting in it
    let listed = slots(&d.app, &d.officer, day()).await;
    let ours = listed.iter().find(|s| s["id"] == slot.as_str()).unwrap();
    assert_eq!(
        (
            ours["booked"].as_i64(),
            ours["cases"].as_array().unwrap().len()
        ),
        (Some(1), 0)
    );
}

async fn outbox_of(app: &TestApp, case_id: &str) -> Vec<OutboxRow> {
    let id = case_id.to_owned();
    app.ctx
        .run(move |conn, _| outbox::for_case(conn, &id).map_err(ServiceError::from))
        .await
        .unwrap()
}

fn reminders(rows: &[OutboxRow]) -> Vec<&OutboxRow> {
    rows.iter()
        .filter(|r| r.kind == "interview_reminder")
        .collect()
}

#[tokio::test]
async fn a_reminder_is_due_two_days_before_goes_once_and_never_after_a_cancellation() {
    // no worker in the server: the test claims mail itself, as a worker would
    let app = spawn_app_configured(Settings::default(), |c| c.outbox.run_in_server = false).await;
    let d = desk_on(app, vec![worker(0)], 1).await;
    let first = next_working_day(desk_today() + chrono::Duration::days(4));
    let second = next_working_day(first);
    let w1 = d
        .app
        .open_window(&d.supervisor, first, "09:00", "09:15", 15, 1, "Window 1")
        .await;
    let w2 = d
        .app
        .open_window(&d.supervisor, second, "10:00", "10:15", 15, 1, "Window 2")
        .await;
    let s1 = w1["slots"][0]["id"].as_str().unwrap();
    let s2 = w2["slots"][0]["id"].as_str().unwrap();
    let case = &d.cases[0];
    assert_eq!(
        schedule(&d, &d.officer, case, "schedule_interview", s1)
            .await
            .status(),
        200
    );
    let rows = outbox_of(&d.app, case).await;
    let due = |day: NaiveDate, hour: u32| {
        (day - chrono::Duration::days(2))
            .and_hms_opt(hour - 9, 0, 0)
            .unwrap()
    };
    let pending = reminders(&rows);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].next_attempt_at, due(first, 9));
    assert!(pending[0].body_text.contains("09:00 KST") && pending[0].body_text.contains("여권"));
    // moved: the one reminder follows the interview
    assert_eq!(
        schedule(&d, &d.officer, case, "reschedule", s2)
            .await
            .status(),
        200
    );
    let rows = outbox_of(&d.app, case).await;
    let pending = reminders(&rows);
    assert_eq!(pending.len(), 1, "never two reminders");
    assert_eq!(pending[0].next_attempt_at, due(second, 10));
    // a worker takes it at its due time, not before, and once
    let claim = |at: chrono::NaiveDateTime| {
        let ctx = d.app.ctx.clone();
        async move {
            ctx.run(move |conn, _| {
                outbox::claim(
                    conn,
                    "test-worker",
                    at,
                    at + chrono::Duration::minutes(10),
                    1000,
                )
                .map_err(ServiceError::from)
            })
            .await
            .unwrap()
        }
    };
    let due_at = due(second, 10);
    let before = claim(due_at - chrono::Duration::minutes(1)).await;
    assert!(reminders(&before).is_empty(), "not before it is due");
    let taken = claim(due_at).await;
    assert_eq!(reminders(&taken).len(), 1);
    let again = claim(due_at + chrono::Duration::minutes(1)).await;
    assert!(reminders(&again).is_empty(), "once");
    // a second case, cancelled: its reminder is taken back
    let d2 = desk(1).await;
    let w = d2
        .app
        .open_window(&d2.supervisor, first, "11:00", "11:15", 15, 1, "Window 3")
        .await;
    let s = w["slots"][0]["id"].as_str().unwrap();
    assert_eq!(
        schedule(&d2, &d2.officer, &d2.cases[0], "schedule_interview", s)
            .await
            .status(),
        200
    );
    assert_eq!(reminders(&outbox_of(&d2.app, &d2.cases[0]).await).len(), 1);
    let r = act(
        &d2,
        &d2.officer,
        &d2.cases[0],
        json!({"action": "cancel_interview", "reason": "Embassy closed for a security drill"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(reminders(&outbox_of(&d2.app, &d2.cases[0]).await).is_empty());
    // an interview nearer than two days gets no reminder (the invitation just went)
    let d3 = desk(1).await;
    let soon = d3.app.slot(&d3.supervisor, 1).await;
    d3.app
        .sql(&format!(
            "UPDATE interview_slots SET starts_at = '{}' WHERE id = '{soon}'",
            (kitdesk::domain::time::now() + chrono::Duration::hours(30))
                .format("%Y-%m-%d %H:%M:%S")
        ))
        .await;
    assert_eq!(
        schedule(&d3, &d3.officer, &d3.cases[0], "schedule_interview", &soon)
            .await
            .status(),
        200
    );
    assert!(reminders(&outbox_of(&d3.app, &d3.cases[0]).await).is_empty());
}

/// Moves a booked case's interview into the past (the interview has taken place).
async fn interview_held(app: &TestApp, case: &str) {
    app.sql(&format!(
        "UPDATE cases SET interview_at = '2026-01-05 00:00:00' WHERE id = '{case}'"
    ))
    .await;
}

#[tokio::test]
async fn administrative_processing_after_the_interview_ends_in_approval_with_its_own_clock() {
    let d = desk(2).await;
    let slot = d.app.slot(&d.supervisor, 2).await;
    for case in &d.cases {
        assert_eq!(
            schedule(&d, &d.officer, case, "schedule_interview", &slot)
                .await
                .status(),
            200
        );
    }
    let ap = json!({"action": "administrative_processing", "reason": "Security advisory opinion requested", "documents": ["training_plan"]});
    // not before the interview
    assert_problem(
        act(&d, &d.officer, &d.cases[0], ap.clone()).await,
        409,
        "interview_not_held",
    )
    .await;
    interview_held(&d.app, &d.cases[0]).await;
    let mut bad = ap.clone();
    bad["documents"] = json!(["diploma_scan"]);
    let body = assert_problem(
        act(&d, &d.officer, &d.cases[0], bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "documents[0]");
    let r = act(&d, &d.officer, &d.cases[0], ap).await;
    assert_eq!(r.status(), 200);
    let case: Value = r.json().await.unwrap();
    assert_eq!(case["status"], "administrative_processing");
    assert_eq!(
        case["allowed_actions"],
        json!([
            "assign",
            "approve",
            "refuse",
            "withdraw",
            "amend_facts",
            "confirm_evidence"
        ])
    );
    // the applicant's public status says 221(g) in both languages
    let receipt = case["receipt_number"].as_str().unwrap();
    let status: Value = d
        .app
        .post_json(
            "/api/v1/status",
            None,
            &json!({"receipt_number": receipt, "date_of_birth": "1988-04-12"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let text = status.to_string();
    assert!(
        text.contains("administrative processing (INA 221(g))"),
        "{text}"
    );
    assert!(
        text.contains("행정 처리 중입니다(이민국적법 제221조(g))"),
        "{text}"
    );
    // the applicant is told, in Korean first, with the documents
    let mails = outbox_of(&d.app, &d.cases[0]).await;
    let mail = mails
        .iter()
        .find(|m| m.kind == "administrative_processing")
        .expect("a 221(g) mail");
    let ko = mail.body_text.find("행정 처리 중").unwrap();
    let en = mail
        .body_text
        .find("administrative processing under section 221(g)")
        .unwrap();
    assert!(ko < en);
    assert!(mail.body_text.contains("교육 계획서") || mail.body_text.contains("training plan"));
    // its exit: approval (the clock stops)
    let approved = act(
        &d,
        &d.officer,
        &d.cases[0],
        json!({"action": "approve", "route": "B1-CIW", "reason": "Advisory opinion cleared"}),
    )
    .await;
    assert_eq!(approved.status(), 200);
    assert_eq!(
        approved.json::<Value>().await.unwrap()["status"],
        "approved"
    );
    let id = d.cases[0].clone();
    let ended = d
        .app
        .ctx
        .run(move |conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::administrative_processing as ap;
            ap::table
                .find(&id)
                .select((ap::ended_at.is_not_null(), ap::outcome))
                .first::<(bool, Option<String>)>(conn)
                .map_err(ServiceError::from)
        })
        .await
        .unwrap();
    assert_eq!(ended, (true, Some("approved".to_owned())));
}

#[tokio::test]
async fn a_refusal_names_its_legal_ground_in_both_languages() {
    let d = desk(2).await;
    let r = act(
        &d,
        &d.officer,
        &d.cases[0],
        json!({"action": "refuse", "ground": "245(k)", "reason": "x"}),
    )
    .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "ground");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("214(b)"));
    let r = act(&d, &d.officer, &d.cases[0], json!({"action": "refuse", "ground": "212(a)(6)(C)(i)", "reason": "The employment letter was altered"})).await;
    assert_eq!(r.status(), 200);
    let mails = outbox_of(&d.app, &d.cases[0]).await;
    let mail = mails
        .iter()
        .find(|m| m.kind == "refused")
        .expect("a refusal mail");
    assert!(mail
        .body_text
        .contains("INA 212(a)(6)(C)(i) (8 U.S.C. 1182(a)(6)(C)(i))"));
    assert!(mail
        .body_text
        .contains("중요한 사실에 대한 사기 또는 고의적 허위 진술"));
    assert!(mail
        .body_text
        .contains("Fraud or willful misrepresentation"));
    // a lasting ineligibility: no "does not bar a later application"
    assert!(!mail.body_text.contains("does not by itself bar"));
    let r = act(
        &d,
        &d.officer,
        &d.cases[1],
        json!({"action": "refuse", "ground": "INA 214(b)", "reason": "Ties to Korea not shown"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let mails = outbox_of(&d.app, &d.cases[1]).await;
    let mail = mails.iter().find(|m| m.kind == "refused").unwrap();
    assert!(mail.body_text.contains("does not by itself bar"));
    let history: Value = d
        .app
        .get(
            &format!("/api/v1/cases/{}/history", d.cases[1]),
            Some(&d.officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let refusal = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "case.refuse")
        .unwrap();
    assert_eq!(refusal["summary"]["details"]["ground"], "214(b)");
}

/// The applicant's invitation of an interview mail, parsed back by a real iCalendar parser:
/// (METHOD, UID, SEQUENCE, start in Seoul, end in Seoul, LOCATION).
fn parse_invitation(
    ics: &str,
) -> (
    String,
    String,
    u32,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    String,
) {
    use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};
    assert!(ics.lines().all(|l| l.len() <= 76), "folded at 75 octets");
    assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF line ends");
    let calendar: icalendar::Calendar = icalendar::parser::unfold(ics).parse().unwrap();
    let event = calendar.events().next().expect("a VEVENT");
    let seoul = |t: Option<DatePerhapsTime>| match t {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            assert_eq!(tzid, "Asia/Seoul");
            date_time
        }
        other => panic!("not a Seoul time: {other:?}"),
    };
    (
        calendar.property_value("METHOD").unwrap().to_owned(),
        event.get_uid().unwrap().to_owned(),
        event.get_sequence().unwrap(),
        seoul(event.get_start()),
        seoul(event.get_end()),
        event.get_location().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_invitation_keeps_its_uid_raises_its_sequence_and_is_cancelled() {
    let d = desk(1).await;
    let case = &d.cases[0];
    let first = day();
    let w1 = d
        .app
        .open_window(
            &d.supervisor,
            first,
            "09:30",
            "09:45",
            15,
            1,
            "Consular section, window 3",
        )
        .await;
    let w2 = d
        .app
        .open_window(
            &d.supervisor,
            first,
            "14:00",
            "14:20",
            20,
            1,
            "Consular section; window 5",
        )
        .await;
    let s1 = w1["slots"][0]["id"].as_str().unwrap();
    let s2 = w2["slots"][0]["id"].as_str().unwrap();
    let invitations = |rows: Vec<OutboxRow>| -> Vec<String> {
        rows.into_iter()
            .filter(|r| r.audience == "applicant")
            .filter_map(|r| r.calendar)
            .collect()
    };
    let booked = schedule(&d, &d.officer, case, "schedule_interview", s1).await;
    assert_eq!(booked.status(), 200);
    let booked: Value = booked.json().await.unwrap();
    let ics = invitations(outbox_of(&d.app, case).await);
    assert_eq!(
        ics.len(),
        1,
        "the invitation goes with the interview mail only"
    );
    let (method, uid, sequence, starts, ends, location) = parse_invitation(&ics[0]);
    assert_eq!(method, "REQUEST");
    assert_eq!(uid, format!("interview-{case}@kitdesk"));
    assert_eq!(sequence, 0);
    assert_eq!(location, "Consular section, window 3");
    // Seoul and UTC agree: the case's UTC time is the invitation's Seoul time less 9 hours
    let utc: chrono::DateTime<chrono::Utc> =
        booked["interview_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(starts - chrono::Duration::hours(9), utc.naive_utc());
    assert_eq!(starts, first.and_hms_opt(9, 30, 0).unwrap());
    assert_eq!(ends, first.and_hms_opt(9, 45, 0).unwrap());
    assert!(ics[0].contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\n"));
    // moved: same UID, a higher SEQUENCE, the new time
    assert_eq!(
        schedule(&d, &d.officer, case, "reschedule", s2)
            .await
            .status(),
        200
    );
    let ics = invitations(outbox_of(&d.app, case).await);
    assert_eq!(ics.len(), 2);
    let (method, uid2, sequence, starts, ends, location) = parse_invitation(&ics[1]);
    assert_eq!(
        (method.as_str(), uid2.as_str(), sequence),
        ("REQUEST", uid.as_str(), 1)
    );
    assert_eq!(
        (starts, ends),
        (
            first.and_hms_opt(14, 0, 0).unwrap(),
            first.and_hms_opt(14, 20, 0).unwrap()
        )
    );
    assert_eq!(location, "Consular section; window 5");
    // cancelled: METHOD:CANCEL for the same event, SEQUENCE higher still
    let r = act(
        &d,
        &d.officer,
        case,
        json!({"action": "cancel_interview", "reason": "The employer asked for another week"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let ics = invitations(outbox_of(&d.app, case).await);
    assert_eq!(ics.len(), 3);
    let (method, uid3, sequence, starts, _, _) = parse_invitation(&ics[2]);
    assert_eq!(
        (method.as_str(), uid3.as_str(), sequence),
        ("CANCEL", uid.as_str(), 2)
    );
    assert_eq!(starts, first.and_hms_opt(14, 0, 0).unwrap());
    assert!(ics[2].contains("STATUS:CANCELLED"));
    // booked again later: the SEQUENCE keeps rising
    assert_eq!(
        schedule(&d, &d.officer, case, "schedule_interview", s1)
            .await
            .status(),
        200
    );
    let ics = invitations(outbox_of(&d.app, case).await);
    assert_eq!(parse_invitation(&ics[3]).2, 3);
}

#[tokio::test]
async fn the_interview_report_counts_slot_use_no_shows_and_medians() {
    let d = desk(3).await;
    let window = d
        .app
        .open_window(&d.supervisor, day(), "09:00", "09:30", 15, 2, "Window 1")
        .await;
    let s1 = window["slots"][0]["id"].as_str().unwrap();
    let s2 = window["slots"][1]["id"].as_str().unwrap();
    for (case, slot) in [(&d.cases[0], s1), (&d.cases[1], s1), (&d.cases[2], s2)] {
        assert_eq!(
            schedule(&d, &d.officer, case, "schedule_interview", slot)
                .await
                .status(),
            200
        );
    }
    // the first slot was yesterday at 09:00 Seoul; the cases were filed ten days ago
    let yesterday = desk_today() - chrono::Duration::days(1);
    let filed = desk_today() - chrono::Duration::days(10);
    d.app
        .sql(&format!(
            "UPDATE interview_slots SET starts_at = '{yesterday} 00:00:00', ends_at = '{yesterday} 00:15:00' WHERE id = '{s1}';
             UPDATE cases SET filing_date = '{filed}';
             UPDATE cases SET interview_at = '{yesterday} 00:00:00' WHERE id IN ('{}', '{}')",
            d.cases[0], d.cases[1]
        ))
        .await;
    assert_eq!(
        act(
            &d,
            &d.officer,
            &d.cases[0],
            json!({"action": "record_no_show", "note": "Did not come"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(act(&d, &d.officer, &d.cases[1], json!({"action": "approve", "route": "B1-CIW", "reason": "Installer under the sales contract"})).await.status(), 200);
    // officers do not read reports
    assert_eq!(
        d.app
            .get("/api/v1/reports/interviews", Some(&d.officer.token))
            .await
            .status(),
        403
    );
    let response = d
        .app
        .get("/api/v1/reports/interviews", Some(&d.supervisor.token))
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let per_day = report["per_day"].as_array().unwrap();
    assert_eq!(per_day.len(), 2, "{report}");
    assert_eq!(per_day[0]["period"], yesterday.to_string());
    assert_eq!(
        (
            per_day[0]["booked"].as_i64(),
            per_day[0]["capacity"].as_i64()
        ),
        (Some(2), Some(2))
    );
    assert_eq!(per_day[1]["period"], day().to_string());
    assert_eq!(per_day[1]["share_used"], 0.5);
    let weeks: i64 = report["per_week"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["booked"].as_i64().unwrap())
        .sum();
    assert_eq!(weeks, 3);
    assert_eq!(
        (
            report["interviews_due"].as_i64(),
            report["no_shows"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(report["no_show_rate"], 0.5);
    assert_eq!(report["median_days_filing_to_interview"], 9.0);
    assert_eq!(report["median_days_interview_to_decision"], 1.0);
    let bad = d
        .app
        .get(
            "/api/v1/reports/interviews?from=2027-01-10&to=2027-01-01",
            Some(&d.supervisor.token),
        )
        .await;
    assert_problem(bad, 422, "validation_failed").await;
}

/// The benchmark of docs/interviews.md: a 200-worker filing booked in one request, then a
/// storm of 8 clients booking 400 cases one by one. Run it in release, on either backend:
/// `cargo test --release --test api bench_interview_booking -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a benchmark: run on purpose, in release"]
async fn bench_interview_booking() {
    let app = spawn_app_configured(Settings::default(), |c| c.outbox.run_in_server = false).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut filings = Vec::new();
    for n in [200usize, 400] {
        let workers: Vec<Value> = (0..n).map(worker).collect();
        let response = app
            .post_json(
                "/api/v1/filings",
                Some(&sponsor.employer.token),
                &json!({"project_id": project, "workers": workers}),
            )
            .await;
        assert_eq!(response.status(), 201);
        filings.push(response.json::<Value>().await.unwrap());
    }
    let mut etags = Vec::new();
    for filing in &filings {
        for c in filing["cases"].as_array().unwrap() {
            let id = c["id"].as_str().unwrap().to_owned();
            let reviewed = app
                .act_ok(&officer, &id, json!({"action": "start_review"}))
                .await;
            etags.push((id, format!("\"{}\"", reviewed["version"])));
        }
    }
    // three working days of windows: 08:00–18:00 in 10-minute slots of 10 places (600 a day)
    let mut day = desk_today();
    for _ in 0..3 {
        day = next_working_day(day);
        app.open_window(
            &supervisor,
            day,
            "08:00",
            "18:00",
            10,
            10,
            "Consular section",
        )
        .await;
    }
    let started = std::time::Instant::now();
    let response = app
        .post_json(
            &format!(
                "/api/v1/filings/{}/interviews",
                filings[0]["id"].as_str().unwrap()
            ),
            Some(&officer.token),
            &json!({"from": desk_today()}),
        )
        .await;
    let batch = started.elapsed();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["booked"], 200);
    // the storm: 8 clients, 50 bookings each, into the free slots in turn
    let free: Vec<String> = {
        let mut out = Vec::new();
        let mut d = desk_today();
        for _ in 0..3 {
            d = next_working_day(d);
            for s in slots(&app, &officer, d).await {
                for _ in 0..(s["capacity"].as_i64().unwrap() - s["booked"].as_i64().unwrap()) {
                    out.push(s["id"].as_str().unwrap().to_owned());
                }
            }
        }
        out
    };
    let storm: Vec<(String, String)> = etags[200..].to_vec();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for client_no in 0..8 {
        let client = app.client.clone();
        let token = officer.token.clone();
        let base = app.url("/api/v1/cases/");
        let mine: Vec<(String, String, String)> = storm
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 8 == client_no)
            .map(|(i, (id, etag))| (id.clone(), etag.clone(), free[i].clone()))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for (id, etag, slot) in mine {
                let t = std::time::Instant::now();
                let r = client
                    .post(format!("{base}{id}/actions"))
                    .bearer_auth(&token)
                    .header("if-match", etag)
                    .json(&json!({"action": "schedule_interview", "slot_id": slot}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let storm_time = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "backend {}: batch booking of 200 workers {:.0} ms ({:.1} ms a case); storm of 8 clients: {} bookings in {:.2} s = {:.0} bookings/s, p50 {:.1} ms, p99 {:.1} ms",
        if app.db.is_postgres() { "postgres" } else { "sqlite" },
        batch.as_secs_f64() * 1000.0,
        batch.as_secs_f64() * 1000.0 / 200.0,
        latencies.len(),
        storm_time.as_secs_f64(),
        latencies.len() as f64 / storm_time.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
}
