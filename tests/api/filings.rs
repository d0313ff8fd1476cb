//! Batch filing: validation of every field, all-or-nothing, idempotency, CSV, receipts.

use std::collections::HashSet;

use kitdesk::domain::{ReceiptNumber, Role};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, workbook_of, worker, TestApp};

async fn case_count(app: &TestApp) -> i64 {
    app.ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            Ok(kitdesk::db::schema::cases::table
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn one_bad_worker_rejects_the_batch_naming_each_field() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut workers: Vec<Value> = (0..5).map(worker).collect();
    workers[3]["passport_expiry"] = json!("2020-01-01");
    workers[3]["education"] = json!("phd");
    workers[1]["assignment"]["planned_exit"] = json!("2020-01-01");
    workers[4]["assignment"]["activities"] = json!(["install", "dance"]);
    let response = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": workers}),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let fields: HashSet<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for expected in [
        "workers[3].passport_expiry",
        "workers[3].education",
        "workers[1].assignment.planned_exit",
        "workers[4].assignment.activities[1]",
    ] {
        assert!(
            fields.contains(expected),
            "{expected} missing from {fields:?}"
        );
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_4xx_and_write_nothing() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let token = &sponsor.employer.token;
    let send_raw = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/filings"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_problem(
        send_raw("{\"project_id\": ").await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    let mut w = worker(0);
    w["years_experience"] = json!("nine");
    let problem = assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(token),
            &json!({"project_id": project, "workers": [w]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "workers[0].years_experience");
    let mut w = worker(0);
    w.as_object_mut().unwrap().remove("email");
    let problem = assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(token),
            &json!({"project_id": project, "workers": [w]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "workers[0].email");
    // oversized batch
    let many: Vec<Value> = (0..501).map(worker).collect();
    let problem = assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(token),
            &json!({"project_id": project, "workers": many}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "workers");
    // empty batch, unknown project
    assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(token),
            &json!({"project_id": project, "workers": []}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let problem = assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(token),
            &json!({"project_id": unknown, "workers": [worker(0)]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "project_id");
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_a_different_body() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let body = json!({"project_id": project, "workers": [worker(1), worker(2)]});
    let send = |b: Value| {
        app.client
            .post(app.url("/api/v1/filings"))
            .bearer_auth(&sponsor.employer.token)
            .header("idempotency-key", "batch-2026-11-27-a")
            .json(&b)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(body.clone()).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again);
    assert_eq!(case_count(&app).await, 2);
    let other = json!({"project_id": project, "workers": [worker(3)]});
    let problem = assert_problem(send(other).await.unwrap(), 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(case_count(&app).await, 2);
}

#[tokio::test]
async fn only_verified_sponsors_file() {
    let app = spawn_app().await;
    let sponsor = app.register_sponsor(None).await;
    let project = app.create_project(&sponsor.employer, &sponsor.id).await;
    let response = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [worker(0)]}),
        )
        .await;
    assert_problem(response, 409, "sponsor_not_verified").await;
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn csv_batches_validate_like_json() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let header = kitdesk::service::filing::CSV_COLUMNS.join(",");
    let row = |name: &str, passport: &str, expiry: &str| {
        format!(
            "{name},Park,박지훈,{name}@example.kr,1990-02-03,KR,{passport},{expiry},bachelor,true,6,24,technician,true,false,false,install;service,2027-01-04,2027-03-20,foreign,false,,,,,,,,,,,,"
        )
    };
    let bad = format!(
        "{header}\n{}\n{}\n",
        row("Jihoon", "M55550001", "2031-01-01"),
        row("Seoyeon", "M55550002", "2019-01-01")
    );
    let send = |body: String| {
        app.client
            .post(app.url(&format!("/api/v1/filings?project_id={project}")))
            .bearer_auth(&sponsor.employer.token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let problem = assert_problem(send(bad).await.unwrap(), 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "workers[1].passport_expiry");
    assert_eq!(case_count(&app).await, 0);
    let good = format!(
        "{header}\n{}\n{}\n",
        row("Jihoon", "M55550001", "2031-01-01"),
        row("Seoyeon", "M55550002", "2032-01-01")
    );
    let response = send(good).await.unwrap();
    assert_eq!(response.status(), 201);
    let filed: Value = response.json().await.unwrap();
    assert_eq!(filed["cases"].as_array().unwrap().len(), 2);
    // yes and no as a Korean HR manager writes them in the sheet: 예, 아니오 (or O, X)
    let korean = row("Minji", "M55550003", "2032-01-01").replacen(
        ",true,6,24,technician,true,false,false,",
        ",예,6,24,technician,O,아니오,X,",
        1,
    );
    let response = send(format!("{header}\n{korean}\n")).await.unwrap();
    assert_eq!(response.status(), 201);
    let filed: Value = response.json().await.unwrap();
    let id = filed["cases"][0]["id"].as_str().unwrap();
    let (case, _) = app.case(&officer, id).await;
    let applicant = &case["facts"]["applicant"];
    assert_eq!(applicant["degree_in_specialty"], true);
    assert_eq!(applicant["specialized_knowledge"], true);
    assert_eq!(applicant["prior_us_violation"], false);
    assert_eq!(applicant["previously_detained_2025"], false);
}

#[tokio::test]
async fn concurrent_filings_never_share_or_skip_receipts() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = app.client.clone();
        let url = app.url("/api/v1/filings");
        let token = sponsor.employer.token.clone();
        let body = json!({"project_id": project, "workers": [worker(0), worker(1), worker(2)]});
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }));
    }
    let mut receipts = Vec::new();
    for t in tasks {
        let v = t.await.unwrap();
        for c in v["cases"].as_array().unwrap() {
            receipts.push(c["receipt_number"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(receipts.len(), 24);
    let fy = kitdesk::domain::receipt::fiscal_year(kitdesk::service::filing::desk_today());
    let mut expected: Vec<String> = (1..=24)
        .map(|n| ReceiptNumber::new(fy, n).unwrap().to_string())
        .collect();
    receipts.sort();
    expected.sort();
    assert_eq!(receipts, expected);
    // Each filing appended its audit rows after the one before it committed: one chain, no
    // fork (on PostgreSQL the lock and the chain's head are one call: migration 000067).
    let report = app.verify_audit().await;
    assert!(report.first_broken_seq.is_none(), "{report:?}");
    assert!(report.rows_checked >= 8 * 4, "{report:?}");
}

#[tokio::test]
async fn the_same_passport_twice_is_flagged_and_stored_encrypted() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut w = worker(0);
    w["passport_number"] = json!("M7777 1234");
    let first = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [w.clone()]}),
        )
        .await;
    let first: Value = first.json().await.unwrap();
    // the flag is the desk's: it would tell an employer of another sponsor's filing
    // (issue 14)
    assert!(
        first["cases"][0].get("duplicate_passport").is_none(),
        "{first}"
    );
    w["passport_number"] = json!("m7777-1234");
    let second: Value = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [w]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        second["cases"][0].get("duplicate_passport").is_none(),
        "{second}"
    );
    let id = second["cases"][0]["id"].as_str().unwrap();
    let (as_employer, _) = app.case(&sponsor.employer, id).await;
    assert!(as_employer.get("duplicate_passport").is_none());
    let history: Value = app
        .get(
            &format!("/api/v1/cases/{id}/history"),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !history.to_string().contains("duplicate_passport"),
        "{history}"
    );
    let (case, _) = app.case(&officer, id).await;
    assert_eq!(case["duplicate_passport"], true);
    assert_eq!(case["worker"]["passport_last4"], "1234");
    assert!(!case.to_string().contains("M77771234"));
    let stored = app
        .ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::cases;
            Ok(cases::table
                .select(cases::passport_ciphertext)
                .load::<String>(conn)?)
        })
        .await
        .unwrap();
    assert!(stored.iter().all(|c| !c.contains("M77771234")));
}

#[tokio::test]
async fn queue_pages_with_a_cursor_and_filters() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    app.file(&sponsor.employer, &project, 7).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=3&cursor={c}"),
            None => "/api/v1/cases?limit=3".to_owned(),
        };
        let page: Value = app
            .get(&path, Some(&officer.token))
            .await
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["receipt_number"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    let empty: Value = app
        .get("/api/v1/cases?status=approved", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(empty["items"].as_array().unwrap().is_empty());
    assert_problem(
        app.get("/api/v1/cases?status=lost", Some(&officer.token))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/cases?limit=0", Some(&officer.token)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/cases?cursor=zzz", Some(&officer.token))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let counts: Value = app
        .get("/api/v1/cases/counts", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["filed"], 7);
}

/// The names of the filed cases, as the desk reads them: (romanised family name, Hangul).
async fn filed_names(app: &TestApp, token: &str, filing: &Value) -> Vec<(String, String)> {
    let mut names = Vec::new();
    for case in filing["cases"].as_array().unwrap() {
        let body: Value = app
            .get(
                &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
                Some(token),
            )
            .await
            .json()
            .await
            .unwrap();
        names.push((
            body["worker"]["family_name"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            body["worker"]["name_ko"].as_str().unwrap_or("").to_owned(),
        ));
    }
    names
}

#[tokio::test]
async fn korean_names_survive_excel_csv_in_cp949_and_workbooks_and_bad_bytes_are_refused() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let token = sponsor.employer.token.clone();
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url(&format!("/api/v1/filings?project_id={project}")))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    // Excel's "CSV (comma delimited)" on a Korean Windows: CP949.
    let mut w = worker(1);
    w["name_ko"] = "이서연".into();
    w["family_name"] = "Lee".into();
    let csv = crate::helpers::csv_of(&[w]);
    let (cp949, _, unmappable) = encoding_rs::EUC_KR.encode(&csv);
    assert!(!unmappable);
    assert_ne!(&cp949[..], csv.as_bytes(), "really CP949 bytes");
    let response = post("text/csv", cp949.into_owned()).await.unwrap();
    assert_eq!(response.status(), 201);
    let filed: Value = response.json().await.unwrap();
    assert_eq!(
        filed_names(&app, &officer.token, &filed).await,
        [("Lee".to_owned(), "이서연".to_owned())]
    );

    // An .xlsx workbook, with a real Excel date.
    let mut w = worker(2);
    w["name_ko"] = "박지훈".into();
    let workbook = workbook_of(&crate::helpers::csv_of(&[w]));
    let response = post(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        workbook,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let filed: Value = response.json().await.unwrap();
    assert_eq!(
        filed_names(&app, &officer.token, &filed).await[0].1,
        "박지훈"
    );

    // Bytes that are neither UTF-8 nor CP949: a clear, bilingual 422; nothing stored.
    let before = case_count(&app).await;
    let mut garbage = crate::helpers::csv_of(&[worker(3)]).into_bytes();
    let at = garbage.len() - 20;
    garbage.splice(at..at, [0xFF, 0xFF, 0x80, 0xFF]);
    let problem = assert_problem(
        post("text/csv", garbage).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "csv");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("CP949") && message.contains("저장해"),
        "{message}"
    );
    assert_eq!(case_count(&app).await, before);
}
