//! Documents over real multipart HTTP: sniffed, limited, encrypted at rest, read on a
//! need-to-know basis, reviewed by the desk (confirmation confirms the evidence rules that
//! name the kind and re-evaluates), and cleaned up (orphans, retention).

use chrono::NaiveDate;
use kitdesk::domain::Role;
use kitdesk::service::documents::DocumentLimits;
use kitdesk::service::Settings;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured, worker, TestApp, TestUser};

const MARKER: &[u8] = b"KITDESK-PLAINTEXT-MARKER-0451";

/// A small but real PDF carrying a marker (to look for in the stored bytes).
fn pdf(extra: usize) -> Vec<u8> {
    let mut body = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ".to_vec();
    body.extend_from_slice(MARKER);
    body.extend(std::iter::repeat_n(b'x', extra));
    body.extend_from_slice(b"\n%%EOF\n");
    body
}

async fn upload(
    app: &TestApp,
    user: &TestUser,
    path: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/pdf")
                .unwrap(),
        );
    app.client
        .post(app.url(path))
        .bearer_auth(&user.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn stored_objects(app: &TestApp) -> Vec<std::path::PathBuf> {
    let dir = app.data_dir.join("documents");
    std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_upload_is_sniffed_encrypted_listed_and_read_on_a_need_to_know_basis() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let admin = app.user(Role::Admin, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();

    let bytes = pdf(200_000);
    let response = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "employment_letter",
        "../재직증명서 2026.pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["kind"], "employment_letter");
    assert_eq!(doc["filename"], "재직증명서 2026.pdf");
    assert_eq!(doc["size"], bytes.len());
    assert_eq!(doc["content_type"], "application/pdf");
    assert_eq!(doc["status"], "submitted");
    assert_eq!(doc["origin"], "case");
    use sha2::Digest;
    assert_eq!(doc["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    let id = doc["id"].as_str().unwrap().to_owned();

    // at rest: no plaintext in the stored object
    let objects = stored_objects(&app);
    assert_eq!(objects.len(), 1, "{objects:?}");
    let stored = std::fs::read(&objects[0]).unwrap();
    assert!(!stored.windows(MARKER.len()).any(|w| w == MARKER));
    assert!(!stored.starts_with(b"%PDF"));

    // a project document shows on the case with its origin
    let response = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/projects/{project}/documents"),
        "sales_contract",
        "contract.pdf",
        pdf(10),
    )
    .await;
    assert_eq!(response.status(), 201);
    let listed: Value = app
        .get(
            &format!("/api/v1/cases/{case}/documents"),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let origins: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["origin"].as_str().unwrap())
        .collect();
    assert_eq!(origins, ["case", "project"]);

    // the desk and the sponsor read it back, byte for byte, as an attachment
    for reader in [&officer, &sponsor.employer] {
        let response = app
            .get(
                &format!("/api/v1/documents/{id}/content"),
                Some(&reader.token),
            )
            .await;
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
    }
    // another sponsor: 404, as if it did not exist; an admin: 403
    for path in [
        format!("/api/v1/documents/{id}/content"),
        format!("/api/v1/cases/{case}/documents"),
    ] {
        assert_problem(
            app.get(&path, Some(&other.employer.token)).await,
            404,
            "not_found",
        )
        .await;
    }
    assert_problem(
        app.get(
            &format!("/api/v1/documents/{id}/content"),
            Some(&admin.token),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let response = upload(
        &app,
        &other.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "other",
        "x.pdf",
        pdf(1),
    )
    .await;
    assert_problem(response, 404, "not_found").await;
    // every download is in the audit trail
    let history: Value = app
        .get(
            &format!("/api/v1/cases/{case}/history"),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let downloads = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "document.downloaded")
        .count();
    assert_eq!(downloads, 2);
}

#[tokio::test]
async fn files_are_told_by_content_and_limited_in_size() {
    let app = spawn_app_configured(Settings::default(), |c| {
        c.document_limits = DocumentLimits {
            file_bytes: 100_000,
            total_bytes: 150_000,
            bundle_bytes: 500_000,
        }
    })
    .await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{case}/documents");
    // an executable renamed .pdf, sent as application/pdf
    let mut exe = b"\x7fELF\x02\x01\x01\x00".to_vec();
    exe.extend(std::iter::repeat_n(0u8, 1000));
    assert_problem(
        upload(
            &app,
            &sponsor.employer,
            &path,
            "sales_contract",
            "contract.pdf",
            exe,
        )
        .await,
        415,
        "unsupported_media_type",
    )
    .await;
    // over one file's limit
    assert_problem(
        upload(
            &app,
            &sponsor.employer,
            &path,
            "sales_contract",
            "big.pdf",
            pdf(150_000),
        )
        .await,
        413,
        "payload_too_large",
    )
    .await;
    // a JPEG and a PNG pass; then the case's total is reached
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &vec![1u8; 60_000]].concat();
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &vec![2u8; 60_000]].concat();
    assert_eq!(
        upload(
            &app,
            &sponsor.employer,
            &path,
            "passport_bio_page",
            "p.jpg",
            jpeg
        )
        .await
        .status(),
        201
    );
    let png_doc: Value = upload(&app, &sponsor.employer, &path, "other", "x.png", png)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(png_doc["content_type"], "image/png");
    assert_problem(
        upload(
            &app,
            &sponsor.employer,
            &path,
            "other",
            "more.pdf",
            pdf(40_000),
        )
        .await,
        413,
        "payload_too_large",
    )
    .await;
    // a kind that is none is a 422 naming it, and leaves nothing behind
    let before = stored_objects(&app).len();
    let problem = assert_problem(
        upload(&app, &sponsor.employer, &path, "invoice", "i.pdf", pdf(10)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "kind");
    assert_eq!(stored_objects(&app).len(), before);
    assert_eq!(before, 2, "refused uploads leave no object");
}

/// A desk past v2's start, so that the evidence rules name their documents.
async fn v2_desk() -> TestApp {
    spawn_app_configured(Settings::default(), |c| {
        c.desk_date = Some(NaiveDate::from_ymd_opt(2027, 1, 11).unwrap())
    })
    .await
}

fn v2_worker(i: usize) -> Value {
    let mut w = worker(i);
    let entry = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    w["assignment"]["planned_entry"] = json!(entry.to_string());
    w["assignment"]["planned_exit"] = json!((entry + chrono::Duration::days(59)).to_string());
    w["assignment"]["worker_employed_by_seller"] = json!(true);
    w
}

async fn eligibility(app: &TestApp, user: &TestUser, case: &str) -> Value {
    app.get(
        &format!("/api/v1/cases/{case}/eligibility"),
        Some(&user.token),
    )
    .await
    .json()
    .await
    .unwrap()
}

fn status_of(eligibility: &Value, route: &str, rule: &str) -> String {
    eligibility["evaluation"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == route)
        .and_then(|r| {
            r["rules"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == rule)
        })
        .map(|x| x["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_confirmed_project_contract_confirms_the_contract_rules_on_all_its_cases() {
    let app = v2_desk().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let workers: Vec<Value> = (0..2).map(v2_worker).collect();
    let filing: Value = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": workers}),
        )
        .await
        .json()
        .await
        .unwrap();
    let cases: Vec<String> = filing["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    for case in &cases {
        let before = eligibility(&app, &officer, case).await;
        assert_eq!(
            status_of(&before, "B1-CIW", "B1CIW-CONTRACT"),
            "unconfirmed"
        );
    }
    let doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/projects/{project}/documents"),
        "sales_contract",
        "contract.pdf",
        pdf(100),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = doc["id"].as_str().unwrap();
    // the employer does not review its own documents
    assert_problem(
        app.post_json(
            &format!("/api/v1/documents/{id}/review"),
            Some(&sponsor.employer.token),
            &json!({"decision": "confirmed", "note": "mine"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let reviewed = app
        .post_json(
            &format!("/api/v1/documents/{id}/review"),
            Some(&officer.token),
            &json!({"decision": "confirmed", "note": "Clause 7.2: the seller installs and trains"}),
        )
        .await;
    assert_eq!(reviewed.status(), 200);
    let reviewed: Value = reviewed.json().await.unwrap();
    assert_eq!(reviewed["status"], "confirmed");
    for case in &cases {
        let after = eligibility(&app, &officer, case).await;
        assert_eq!(after["trigger"], "confirm_evidence");
        assert_eq!(status_of(&after, "B1-CIW", "B1CIW-CONTRACT"), "confirmed");
        assert_eq!(status_of(&after, "ESTA-CIW", "ESTA-CONTRACT"), "confirmed");
    }
    // reviewed once only
    assert_problem(
        app.post_json(
            &format!("/api/v1/documents/{id}/review"),
            Some(&officer.token),
            &json!({"decision": "rejected", "note": "again"}),
        )
        .await,
        409,
        "already_reviewed",
    )
    .await;
}

#[tokio::test]
async fn a_rejected_document_tells_the_employer_why() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let admin = app.user(Role::Admin, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "training_plan",
        "plan.pdf",
        pdf(10),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = doc["id"].as_str().unwrap();
    let problem = assert_problem(
        app.post_json(
            &format!("/api/v1/documents/{id}/review"),
            Some(&officer.token),
            &json!({"decision": "maybe", "note": ""}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
    let reviewed: Value = app
        .post_json(
            &format!("/api/v1/documents/{id}/review"),
            Some(&officer.token),
            &json!({"decision": "rejected", "note": "The plan has no dates for the U.S. trainees"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reviewed["status"], "rejected");
    // on the case, where the employer reads it
    let notes: Value = app
        .get(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(notes["items"].as_array().unwrap().iter().any(|n| n["body"]
        .as_str()
        .unwrap()
        .contains("no dates for the U.S. trainees")));
    // and by mail
    let outbox: Value = app
        .get("/api/v1/outbox?limit=100", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        outbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "document_rejected"),
        "{outbox}"
    );
}

#[tokio::test]
async fn gc_removes_orphans_only_and_purge_applies_retention() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "other",
        "kept.pdf",
        pdf(10),
    )
    .await
    .json()
    .await
    .unwrap();
    let kept = doc["id"].as_str().unwrap().to_owned();
    // a crash between storing the object and committing its row leaves an orphan
    let orphan = uuid::Uuid::now_v7().to_string();
    kitdesk::storage::put_raw_for_tests(&app.ctx.documents, &orphan, b"sealed bytes".to_vec())
        .await
        .unwrap();
    let young = kitdesk::service::documents::gc(&app.ctx, chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((young.orphans_removed, young.orphans_kept), (0, 1));
    let report = kitdesk::service::documents::gc(&app.ctx, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!((report.objects, report.orphans_removed), (2, 1));
    assert_eq!(stored_objects(&app).len(), 1);
    let response = app
        .get(
            &format!("/api/v1/documents/{kept}/content"),
            Some(&officer.token),
        )
        .await;
    assert_eq!(response.status(), 200);

    // retention: the documents of a case closed before the date go, audited
    app.act_ok(&officer, &case, json!({"action": "start_review"}))
        .await;
    app.act_ok(
        &officer,
        &case,
        json!({"action": "refuse", "ground": "214(b)", "reason": "Not needed"}),
    )
    .await;
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(2);
    let dry = kitdesk::service::documents::purge(&app.ctx, tomorrow, true)
        .await
        .unwrap();
    assert_eq!(dry.documents, 1);
    assert_eq!(stored_objects(&app).len(), 1);
    let done = kitdesk::service::documents::purge(&app.ctx, tomorrow, false)
        .await
        .unwrap();
    assert_eq!(done.documents, 1);
    assert_eq!(stored_objects(&app).len(), 0);
    assert_problem(
        app.get(
            &format!("/api/v1/documents/{kept}/content"),
            Some(&officer.token),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn an_evidence_request_names_the_documents_needed() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    app.act_ok(&officer, &case, json!({"action": "start_review"}))
        .await;
    let (_, etag) = app.case(&officer, &case).await;
    let problem = assert_problem(
        app.act(
            &officer,
            &case,
            Some(&etag),
            &json!({"action": "request_evidence", "reason": "x", "documents": ["invoice"]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "documents[0]", "{problem}");
    app.act_ok(
        &officer,
        &case,
        json!({"action": "request_evidence", "reason": "The installation clause", "documents": ["sales_contract", "training_plan"]}),
    )
    .await;
    let notes: Value = app
        .get(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(notes["items"].as_array().unwrap().iter().any(|n| {
        n["body"]
            .as_str()
            .unwrap()
            .contains("Documents to upload: sales contract, training plan.")
            && n["body_ko"]
                .as_str()
                .unwrap()
                .contains("올려 주실 서류: 판매 계약서, 교육 계획서.")
    }));
}

/// An S3-compatible server on loopback for one test: moto's (PyPI `moto[server]`, installed by
/// `.ci/run` into /var/tmp/kitdesk-moto-venv; `KITDESK_MOTO_SERVER` names another binary).
/// Chosen over an in-process Rust server because it is the reference S3 mock the AWS SDKs are
/// tested against, it speaks the multipart-upload API object_store uses, and it adds no crate
/// to the build.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Moto {
    async fn start() -> Moto {
        let binary = std::env::var("KITDESK_MOTO_SERVER")
            .unwrap_or_else(|_| "/var/tmp/kitdesk-moto-venv/bin/moto_server".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {binary} ({e}): install it with `.ci/run` or `python3 -m venv /var/tmp/kitdesk-moto-venv && /var/tmp/kitdesk-moto-venv/bin/pip install 'moto[server]==5.2.5'`")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(&endpoint).send().await.is_ok() {
                return Moto { child, endpoint };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("moto exited before serving: {status}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("moto did not start on {endpoint}");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn documents_round_trip_through_s3_encrypted() {
    let moto = Moto::start().await;
    let bucket = "kitdesk-documents";
    let created = reqwest::Client::new()
        .put(format!("{}/{bucket}", moto.endpoint))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{created:?}");
    let url = format!(
        "s3://{bucket}/desk?endpoint={}&region=us-east-1&access_key_id=testing&secret_access_key=testing",
        moto.endpoint
    );
    let app = spawn_app_configured(Settings::default(), |c| c.documents_url = url).await;
    assert_eq!(app.ctx.documents.described, format!("s3://{bucket}/desk"));
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    // several parts: a file over S3's 5 MiB part size
    let bytes = pdf(6 * 1024 * 1024);
    let doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "sales_contract",
        "contract.pdf",
        bytes.clone(),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = doc["id"].as_str().unwrap().to_owned();
    let raw = app.ctx.documents.raw(&id).await.unwrap();
    assert!(!raw.windows(MARKER.len()).any(|w| w == MARKER));
    let back = app
        .get(
            &format!("/api/v1/documents/{id}/content"),
            Some(&officer.token),
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(back.to_vec(), bytes);
    // an orphan in the bucket is collected; the document stays
    let orphan = uuid::Uuid::now_v7().to_string();
    kitdesk::storage::put_raw_for_tests(&app.ctx.documents, &orphan, b"x".to_vec())
        .await
        .unwrap();
    let report = kitdesk::service::documents::gc(&app.ctx, chrono::Duration::zero())
        .await
        .unwrap();
    assert_eq!((report.objects, report.orphans_removed), (2, 1));
}

#[tokio::test]
async fn the_queue_finds_cases_with_documents_awaiting_review() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 2).await;
    let with_document = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let path = "/api/v1/cases?documents=awaiting_review";
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let none: Value = app
        .get(path, Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(ids(none).is_empty());
    let doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{with_document}/documents"),
        "other",
        "a.pdf",
        pdf(1),
    )
    .await
    .json()
    .await
    .unwrap();
    let one: Value = app
        .get(path, Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(one), vec![with_document]);
    // a project's document awaiting review concerns every case of the project
    upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/projects/{project}/documents"),
        "sales_contract",
        "c.pdf",
        pdf(1),
    )
    .await;
    let both: Value = app
        .get(path, Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(both).len(), 2);
    let id = doc["id"].as_str().unwrap();
    app.post_json(
        &format!("/api/v1/documents/{id}/review"),
        Some(&officer.token),
        &json!({"decision": "confirmed", "note": "ok"}),
    )
    .await;
    assert_problem(
        app.get("/api/v1/cases?documents=some", Some(&officer.token))
            .await,
        422,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn a_pdf_is_shown_page_by_page_as_images_to_those_who_may_read_it() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let two_pages = std::fs::read("tests/fixtures/two-pages.pdf").unwrap();
    let doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "sales_contract",
        "contract.pdf",
        two_pages,
    )
    .await
    .json()
    .await
    .unwrap();
    let id = doc["id"].as_str().unwrap();

    let page = app
        .get(
            &format!("/api/v1/documents/{id}/pages/2"),
            Some(&officer.token),
        )
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "image/png");
    assert_eq!(page.headers()["x-page-count"], "2");
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    let png = page.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    if let Ok(dir) = std::env::var("KITDESK_SHOTS") {
        std::fs::write(std::path::Path::new(&dir).join("pdf-page-2.png"), &png).unwrap();
    }
    for (path, user, status) in [
        (format!("/api/v1/documents/{id}/pages/3"), &officer, 404),
        (format!("/api/v1/documents/{id}/pages/0"), &officer, 404),
        (
            format!("/api/v1/documents/{id}/pages/1"),
            &other.employer,
            404,
        ),
        (
            format!("/api/v1/documents/{id}/pages/1"),
            &sponsor.employer,
            200,
        ),
    ] {
        let response = app.get(&path, Some(&user.token)).await;
        assert_eq!(response.status(), status, "{path}");
    }
    // An image has no pages; a PDF the renderer cannot read is a clear 409.
    let png_doc: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "passport_bio_page",
        "passport.png",
        b"\x89PNG\r\n\x1a\n not much of an image".to_vec(),
    )
    .await
    .json()
    .await
    .unwrap();
    let response = app
        .get(
            &format!(
                "/api/v1/documents/{}/pages/1",
                png_doc["id"].as_str().unwrap()
            ),
            Some(&officer.token),
        )
        .await;
    assert_eq!(response.status(), 404);
    let broken: Value = upload(
        &app,
        &sponsor.employer,
        &format!("/api/v1/cases/{case}/documents"),
        "other",
        "broken.pdf",
        pdf(10),
    )
    .await
    .json()
    .await
    .unwrap();
    let response = app
        .get(
            &format!(
                "/api/v1/documents/{}/pages/1",
                broken["id"].as_str().unwrap()
            ),
            Some(&officer.token),
        )
        .await;
    assert!(
        [404, 409].contains(&response.status().as_u16()),
        "{}",
        response.status()
    );
}
