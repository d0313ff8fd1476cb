//! A ZIP of documents with a CSV batch: file names say which worker (the spreadsheet line) and
//! which kind; the preview shows who gets what and flags the files that go nowhere; filing
//! attaches them in the same transaction, or refuses while any file goes nowhere.

use std::io::Write;

use kitdesk::domain::Role;
use kitdesk::service::documents::DocumentLimits;
use kitdesk::service::Settings;
use serde_json::Value;

use crate::helpers::{
    assert_problem, csv_of, spawn_app, spawn_app_configured, worker, TestApp, TestUser,
};

const MARKER: &[u8] = b"KITDESK-ZIP-PLAINTEXT-MARKER";

fn pdf(label: &str) -> Vec<u8> {
    let mut body = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ".to_vec();
    body.extend_from_slice(MARKER);
    body.extend_from_slice(label.as_bytes());
    body.extend(std::iter::repeat_n(b'x', 30_000));
    body.extend_from_slice(b"\n%%EOF\n");
    body
}

/// A ZIP of (name, bytes), deflated.
fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

async fn send(
    app: &TestApp,
    user: &TestUser,
    path: &str,
    project: &str,
    csv: &str,
    zip: Option<Vec<u8>>,
    bundle_id: Option<&str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("project_id", project.to_owned())
        .part(
            "workers",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
                .file_name("batch.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    if let Some(zip) = zip {
        form = form.part(
            "documents",
            reqwest::multipart::Part::bytes(zip)
                .file_name("서류.zip")
                .mime_str("application/zip")
                .unwrap(),
        );
    }
    if let Some(id) = bundle_id {
        form = form.text("bundle_id", id.to_owned());
    }
    app.client
        .post(app.url(path))
        .bearer_auth(&user.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn case_documents(app: &TestApp, user: &TestUser, case: &str) -> Vec<Value> {
    let response = app
        .get(
            &format!("/api/v1/cases/{case}/documents"),
            Some(&user.token),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn case_count(app: &TestApp, user: &TestUser) -> usize {
    let body: Value = app
        .get("/api/v1/cases", Some(&user.token))
        .await
        .json()
        .await
        .unwrap();
    body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_preview_shows_who_gets_which_file_and_flags_the_files_that_go_nowhere() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let csv = csv_of(&[worker(1), worker(2)]);
    let zip = zip_of(&[
        ("scans/row2_passport_bio_page.pdf", pdf("a")),
        ("row3_employment_letter.PDF", pdf("b")),
        ("row3_other_2.pdf", pdf("c")),
        ("project_sales_contract.pdf", pdf("d")),
        ("row9_passport_bio_page.pdf", pdf("e")),
        ("row2_passport.pdf", pdf("f")),
        ("김민준 여권.pdf", pdf("g")),
        (
            "row2_training_plan.pdf",
            b"\x7fELF\x02\x01\x01 an executable".to_vec(),
        ),
        (
            "__MACOSX/._row2_passport_bio_page.pdf",
            b"resource fork".to_vec(),
        ),
        (".DS_Store", b"finder".to_vec()),
    ]);
    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        Some(zip),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let preview: Value = response.json().await.unwrap();
    assert_eq!(preview["valid"], false, "files go nowhere: {preview}");
    assert_eq!(preview["rows_with_errors"], 0);
    let rows = preview["rows"].as_array().unwrap();
    assert_eq!(rows[0]["line"], 2, "the header is line 1");
    assert_eq!(rows[1]["line"], 3);
    let kinds = |row: &Value| -> Vec<String> {
        row["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kinds(&rows[0]), ["passport_bio_page"]);
    assert_eq!(kinds(&rows[1]), ["employment_letter", "other"]);
    let documents = &preview["documents"];
    assert_eq!(documents["matched"], 4);
    assert_eq!(
        documents["unmatched"], 4,
        "clutter is passed over: {documents}"
    );
    let problem = |file: &str| -> String {
        documents["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file)
            .unwrap_or_else(|| panic!("{file} not listed"))["problem"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(problem("row9_passport_bio_page.pdf"), "no_such_row");
    assert_eq!(problem("row2_passport.pdf"), "unknown_kind");
    assert_eq!(problem("김민준 여권.pdf"), "bad_name");
    assert_eq!(problem("row2_training_plan.pdf"), "unsupported_type");
    assert_eq!(problem("project_sales_contract.pdf"), "");

    // Filing with that ZIP is refused, naming each file, and files nothing.
    let bundle = documents["id"].as_str().unwrap();
    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings",
        &project,
        &csv,
        None,
        Some(bundle),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"documents/row9_passport_bio_page.pdf"),
        "{problem}"
    );
    assert!(fields.contains(&"documents/김민준 여권.pdf"), "{problem}");
    assert_eq!(
        case_count(&app, &sponsor.employer).await,
        0,
        "nothing filed"
    );
}

#[tokio::test]
async fn a_previewed_zip_is_filed_with_its_batch_and_each_file_lands_on_its_worker() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let (other, other_project) = app.ready_sponsor(&officer, None).await;
    let csv = csv_of(&[worker(1), worker(2)]);
    let zip = zip_of(&[
        ("row2_passport_bio_page.pdf", pdf("first")),
        ("row3_passport_bio_page.pdf", pdf("second")),
        ("project_sales_contract.pdf", pdf("contract")),
    ]);
    let preview: Value = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        Some(zip),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(preview["valid"], true, "{preview}");
    let bundle = preview["documents"]["id"].as_str().unwrap().to_owned();

    // The staged files rest encrypted, and nothing is filed yet.
    for entry in std::fs::read_dir(app.data_dir.join("documents")).unwrap() {
        let stored = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!stored.windows(MARKER.len()).any(|w| w == MARKER));
    }
    assert_eq!(case_count(&app, &sponsor.employer).await, 0);

    // Another sponsor cannot use the staged ZIP, nor for its own project.
    let response = send(
        &app,
        &other.employer,
        "/api/v1/filings",
        &other_project,
        &csv_of(&[worker(3), worker(4)]),
        None,
        Some(&bundle),
    )
    .await;
    assert_problem(response, 422, "validation_failed").await;

    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings",
        &project,
        &csv,
        None,
        Some(&bundle),
    )
    .await;
    assert_eq!(response.status(), 201);
    let filing: Value = response.json().await.unwrap();
    let cases = filing["cases"].as_array().unwrap();
    for (i, case) in cases.iter().enumerate() {
        let documents = case_documents(&app, &sponsor.employer, case["id"].as_str().unwrap()).await;
        let own: Vec<&Value> = documents.iter().filter(|d| d["origin"] == "case").collect();
        assert_eq!(own.len(), 1, "{documents:?}");
        assert_eq!(own[0]["kind"], "passport_bio_page");
        assert_eq!(
            own[0]["filename"],
            format!("row{}_passport_bio_page.pdf", i + 2)
        );
        assert_eq!(own[0]["status"], "submitted");
        let shared: Vec<&Value> = documents
            .iter()
            .filter(|d| d["origin"] == "project")
            .collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0]["kind"], "sales_contract");
    }
    // The second worker's file is the second worker's.
    let second = case_documents(&app, &officer, cases[1]["id"].as_str().unwrap()).await;
    let id = second.iter().find(|d| d["origin"] == "case").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let content = app
        .get(
            &format!("/api/v1/documents/{id}/content"),
            Some(&officer.token),
        )
        .await;
    assert_eq!(content.status(), 200);
    let bytes = content.bytes().await.unwrap();
    assert!(bytes.windows(6).any(|w| w == b"second"));

    // The bundle is used up: a second filing with it is refused.
    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings",
        &project,
        &csv_of(&[worker(5), worker(6)]),
        None,
        Some(&bundle),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "bundle_id");
    // Each attached file has its audit row.
    let history: Value = app
        .get(
            &format!("/api/v1/cases/{}/history", cases[0]["id"].as_str().unwrap()),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        history.to_string().contains("document.uploaded"),
        "{history}"
    );
}

#[tokio::test]
async fn one_request_files_the_csv_with_its_zip_and_replays_with_the_same_key() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let csv = csv_of(&[worker(1)]);
    let zip = zip_of(&[("row2_employment_letter.pdf", pdf("letter"))]);
    let form = |zip: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("project_id", project.clone())
            .part(
                "workers",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("b.csv"),
            )
            .part(
                "documents",
                reqwest::multipart::Part::bytes(zip).file_name("d.zip"),
            )
    };
    let post = |zip: Vec<u8>| {
        app.client
            .post(app.url("/api/v1/filings"))
            .bearer_auth(&sponsor.employer.token)
            .header("Idempotency-Key", "zip-batch-1")
            .multipart(form(zip))
            .send()
    };
    let first = post(zip.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let filed: Value = first.json().await.unwrap();
    let case = filed["cases"][0]["id"].as_str().unwrap();
    let documents = case_documents(&app, &sponsor.employer, case).await;
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["kind"], "employment_letter");

    let again = post(zip).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(case_count(&app, &sponsor.employer).await, 1);
    assert_eq!(case_documents(&app, &sponsor.employer, case).await.len(), 1);

    // A batch with a bad row stages nothing and files nothing.
    let mut bad = worker(2);
    bad["passport_expiry"] = "2001-01-01".into();
    let before = std::fs::read_dir(app.data_dir.join("documents"))
        .unwrap()
        .count();
    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings",
        &project,
        &csv_of(&[bad]),
        Some(zip_of(&[("row2_other.pdf", pdf("x"))])),
        None,
    )
    .await;
    assert_problem(response, 422, "validation_failed").await;
    let after = std::fs::read_dir(app.data_dir.join("documents"))
        .unwrap()
        .count();
    assert_eq!(before, after);
}

#[tokio::test]
async fn what_is_no_zip_or_too_large_is_refused_clearly() {
    let app = spawn_app_configured(Settings::default(), |c| {
        c.document_limits = DocumentLimits {
            file_bytes: 50_000,
            total_bytes: 80_000,
            bundle_bytes: 400_000,
        }
    })
    .await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let csv = csv_of(&[worker(1)]);

    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        Some(b"PK\x03\x04 but not really a zip".to_vec()),
        None,
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "documents");

    // A file that unpacks past the per-file limit (a ZIP bomb stops there), and a worker's
    // files past the per-case total.
    let mut big = pdf("big");
    big.extend(std::iter::repeat_n(b'0', 200_000));
    let zip = zip_of(&[
        ("row2_other_1.pdf", big),
        ("row2_other_2.pdf", pdf("ok")),
        ("row2_other_3.pdf", pdf("ok")),
        ("row2_other_4.pdf", pdf("over the worker's total")),
    ]);
    assert!(zip.len() < 50_000, "compressed small: {}", zip.len());
    let preview: Value = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        Some(zip),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let files = preview["documents"]["files"].as_array().unwrap();
    let problems: Vec<&str> = files
        .iter()
        .map(|f| f["problem"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        problems,
        ["too_large", "ok", "ok", "too_large"],
        "{preview}"
    );

    // Over the ZIP's own limit: 413 as it arrives.
    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        Some(vec![7u8; 500_000]),
        None,
    )
    .await;
    assert_problem(response, 413, "payload_too_large").await;

    // The desk files no batches.
    let response = send(
        &app,
        &officer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        None,
        None,
    )
    .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_zip_never_filed_is_kept_a_day_then_collected() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let csv = csv_of(&[worker(1)]);
    let preview: Value = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        Some(zip_of(&[("row2_other.pdf", pdf("staged"))])),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let bundle = preview["documents"]["id"].as_str().unwrap().to_owned();
    let report = kitdesk::service::documents::gc(&app.ctx, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(report.orphans_removed, 0, "a staged file is no orphan");
    assert_eq!(report.bundles_expired, 0);

    app.sql(&format!(
        "UPDATE document_bundles SET created_at = '2020-01-01 00:00:00' WHERE id = '{bundle}'"
    ))
    .await;
    let report = kitdesk::service::documents::gc(&app.ctx, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!(report.bundles_expired, 1);
    assert_eq!(report.orphans_removed, 1);
    let response = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings",
        &project,
        &csv,
        None,
        Some(&bundle),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "bundle_id");
}

#[tokio::test]
async fn the_preview_predicts_each_rows_route_and_flags_rows_no_route_can_take() {
    // under rules v2 (in force from 2026-12-01)
    let app = spawn_app_configured(Settings::default(), |c| {
        let v2 = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        c.desk_date = Some(c.desk_date.map_or(v2, |d| d.max(v2)));
    })
    .await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut laborer = worker(2);
    laborer["assignment"]["activities"] = serde_json::json!(["construction_labor"]);
    // a Japanese national (no Korean treaty or E-4 route), new to the company (no L-1B)
    laborer["nationality"] = "JP".into();
    laborer["months_employed_by_sponsor_last_3y"] = 0.into();
    laborer["specialized_knowledge"] = false.into();
    let mut misspelt = worker(3);
    misspelt["family_name"] = "Park".into(); // 김 is no Park
    let csv = csv_of(&[worker(1), laborer, misspelt]);
    let preview: Value = send(
        &app,
        &sponsor.employer,
        "/api/v1/filings/preview",
        &project,
        &csv,
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(preview["valid"], true, "no route is no error: {preview}");
    let rows = preview["rows"].as_array().unwrap();
    assert!(rows[0]["predicted_route"].is_string(), "{preview}");
    assert_eq!(rows[0]["no_route"], false);
    assert!(rows[1]["predicted_route"].is_null(), "{}", rows[1]);
    assert_eq!(
        rows[1]["no_route"], true,
        "construction labor by a new Japanese hire fits no route"
    );
    assert_eq!(preview["rows_without_route"], 1);
    // the name check warns, and never blocks
    assert!(
        rows[0]["name_check"].is_null(),
        "김민준 reads as Kim Minjun"
    );
    assert_eq!(rows[2]["name_check"]["family_name"], true);
    assert_eq!(rows[2]["name_check"]["given_name"], false);
    assert!(rows[2]["errors"].as_array().unwrap().is_empty());
}

/// Issue 19's benchmark: the preview of a 500-row workbook, every row validated and evaluated
/// on every route, against the rules engine's own rate for 500 evaluations.
/// `cargo test --release --test api bench_preview_of_500_rows -- --ignored --nocapture`
#[tokio::test]
#[ignore = "benchmark: run by hand"]
async fn bench_preview_of_500_rows() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let workers: Vec<Value> = (0..500).map(worker).collect();
    let csv = csv_of(&workers);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for (c, h) in reader.headers().unwrap().iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, cell).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let mut times = Vec::new();
    for _ in 0..3 {
        let form = reqwest::multipart::Form::new()
            .text("project_id", project.clone())
            .part(
                "workers",
                reqwest::multipart::Part::bytes(xlsx.clone()).file_name("batch.xlsx"),
            );
        let started = std::time::Instant::now();
        let response = app
            .client
            .post(app.url("/api/v1/filings/preview"))
            .bearer_auth(&sponsor.employer.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        times.push(started.elapsed());
        assert_eq!(body["rows"].as_array().unwrap().len(), 500);
        assert!(body["rows"][499]["predicted_route"].is_string());
    }
    // the engine's part alone, in process: the same 500 rows validated, turned into facts and
    // evaluated on every route (what the preview adds is HTTP, the workbook and the answer)
    let table = kitdesk::service::spreadsheet::read_table(&xlsx).unwrap();
    let project_id = project.clone();
    let engine = app
        .ctx
        .run(move |conn, ctx| {
            let started = std::time::Instant::now();
            let predicted =
                kitdesk::service::filing::predict_routes(conn, ctx, &project_id, &table)?;
            assert_eq!(predicted.len(), 500);
            Ok(started.elapsed())
        })
        .await
        .unwrap();
    let best = times.iter().min().unwrap();
    println!(
        "preview of a 500-row workbook: best {:.0} ms of {:?} ms (target <= 2000 ms); its 500 rows validated and evaluated in process: {:.1} ms; ratio in-process/preview = {:.3}",
        best.as_secs_f64() * 1000.0,
        times.iter().map(|t| t.as_millis()).collect::<Vec<_>>(),
        engine.as_secs_f64() * 1000.0,
        engine.as_secs_f64() / best.as_secs_f64()
    );
}
