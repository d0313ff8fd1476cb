//! After the visa (issue 16): the desk's signed confirmation and its public verification.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kitdesk::domain::Role;
use kitdesk::service::confirmation::{ConfirmationKey, Statement};
use kitdesk::service::Secrets;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, TestUser};

/// A sponsor with one filed case, approved on B1-CIW by an officer.
struct Approved {
    app: TestApp,
    officer: TestUser,
    employer: TestUser,
    other_employer: TestUser,
    case_id: String,
}

async fn approved_case() -> Approved {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case_id = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    app.act_ok(&officer, &case_id, json!({"action": "start_review"}))
        .await;
    let approved = app
        .act_ok(&officer, &case_id, json!({"action": "approve", "route": "B1-CIW", "reason": "Installer under the sales contract"}))
        .await;
    assert_eq!(approved["status"], "approved");
    Approved {
        app,
        officer,
        employer: sponsor.employer,
        other_employer: other.employer,
        case_id,
    }
}

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let response = app.get(path, token).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_approved_case_has_a_confirmation_that_verifies_with_the_published_key() {
    let d = approved_case().await;
    let path = format!("/api/v1/cases/{}/confirmation", d.case_id);
    let (status, confirmation) = get_json(&d.app, &path, Some(&d.employer.token)).await;
    assert_eq!(status, 200, "{confirmation}");
    let token = confirmation["token"].as_str().unwrap();
    assert!(token.len() < 800, "a token of {} characters", token.len());
    assert_eq!(
        confirmation["verify_url"],
        format!("https://kitdesk.test/verify/{token}")
    );
    let statement = &confirmation["statement"];
    assert_eq!(statement["route"], "B1-CIW");
    assert_eq!(statement["outcome"], "approved");
    assert_eq!(statement["worker"], "KIM Minjun0");
    assert!(statement["basis"]
        .as_str()
        .unwrap()
        .contains("9 FAM 402.2-5(E)"));
    assert_eq!(
        statement["activities"],
        json!(["install", "train_us_workers"])
    );
    // minimal personal data: no date of birth, no full passport number, no e-mail
    let claims = statement.as_object().unwrap();
    for key in ["date_of_birth", "passport_number", "email", "name_ko"] {
        assert!(!claims.contains_key(key), "{key} in {statement}");
    }
    assert_eq!(statement["passport_last4"].as_str().unwrap().len(), 4);

    // the desk sees the same; another sponsor does not learn the case exists
    let (status, _) = get_json(&d.app, &path, Some(&d.officer.token)).await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&d.app, &path, Some(&d.other_employer.token)).await;
    assert_eq!(status, 404);

    // the signature verifies with the key set, as an offline tool would check it
    let (status, keys) = get_json(&d.app, "/.well-known/kitdesk-keys.json", None).await;
    assert_eq!(status, 200);
    let jwk = &keys["keys"][0];
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert_eq!(jwk["alg"], "EdDSA");
    let (input, signature) = token.rsplit_once('.').unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(input.split_once('.').unwrap().0)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], jwk["kid"]);
    let x: [u8; 32] = URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap()
        .try_into()
        .unwrap();
    public
        .verify_strict(
            input.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&signature),
        )
        .expect("the published key verifies the token");

    // anyone may verify it, without an account
    let (status, verified) = get_json(&d.app, &format!("/api/v1/verify/{token}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["status"], "valid");
    assert_eq!(verified["receipt_number"], statement["receipt_number"]);
    assert_eq!(verified["worker"], "KIM Minjun0");
}

#[tokio::test]
async fn a_tampered_token_or_another_key_fails_and_a_withdrawn_case_shows_revoked() {
    let d = approved_case().await;
    let (_, confirmation) = get_json(
        &d.app,
        &format!("/api/v1/cases/{}/confirmation", d.case_id),
        Some(&d.employer.token),
    )
    .await;
    let token = confirmation["token"].as_str().unwrap().to_owned();

    // one byte of the claims changed (another route), signature kept
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["route"] = json!("E2-ESS");
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let tampered = format!("{header}.{forged_payload}.{signature}");
    // and a single character of the signature
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    // the same statement signed by another key
    let statement: Statement = serde_json::from_value(confirmation["statement"].clone()).unwrap();
    let other_key =
        ConfirmationKey::from_secrets(&Secrets::derive(b"another desk's secret key, long enough"));
    let foreign = other_key.sign(&statement).unwrap();
    for bad in [&tampered, &flipped, &foreign, &"not-a-token".to_owned()] {
        let (status, verified) = get_json(&d.app, &format!("/api/v1/verify/{bad}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(verified["valid"], false, "{bad}");
        assert_eq!(verified["status"], "invalid");
        assert!(
            verified.get("worker").is_none(),
            "claims of a bad token are not shown"
        );
    }

    // the page says the same to a person with a phone, in both languages
    let page = d
        .app
        .get(&format!("/verify/{token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("유효한 확인서입니다"), "{page}");
    assert!(page.contains("Valid confirmation"));
    assert!(page.contains("KIM Minjun0"));
    assert!(page.contains("장비 설치"));
    let page = d
        .app
        .get(&format!("/verify/{tampered}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("확인할 수 없는 확인서입니다"));
    assert!(!page.contains("KIM Minjun0"));

    // the sponsor withdraws: the same token now shows revoked
    d.app
        .act_ok(
            &d.employer,
            &d.case_id,
            json!({"action": "withdraw", "reason": "project delayed"}),
        )
        .await;
    let (_, verified) = get_json(&d.app, &format!("/api/v1/verify/{token}"), None).await;
    assert_eq!(verified["valid"], false);
    assert_eq!(verified["status"], "revoked");
    assert_eq!(verified["worker"], "KIM Minjun0");
    let page = d
        .app
        .get(&format!("/verify/{token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("취소된 확인서입니다"));
    assert_problem(
        d.app
            .get(
                &format!("/api/v1/cases/{}/confirmation", d.case_id),
                Some(&d.employer.token),
            )
            .await,
        409,
        "confirmation_revoked",
    )
    .await;
}

#[tokio::test]
async fn an_undecided_case_has_no_confirmation() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let id = filed["cases"][0]["id"].as_str().unwrap();
    for resource in ["confirmation", "confirmation.pdf"] {
        assert_problem(
            app.get(
                &format!("/api/v1/cases/{id}/{resource}"),
                Some(&sponsor.employer.token),
            )
            .await,
            409,
            "no_confirmation",
        )
        .await;
    }
}

#[tokio::test]
async fn the_pdf_carries_a_qr_code_of_the_verification_address() {
    let d = approved_case().await;
    let (_, confirmation) = get_json(
        &d.app,
        &format!("/api/v1/cases/{}/confirmation", d.case_id),
        Some(&d.employer.token),
    )
    .await;
    let pdf_path = format!("/api/v1/cases/{}/confirmation.pdf", d.case_id);
    let response = d.app.get(&pdf_path, Some(&d.employer.token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        kitdesk::service::pdf_view::page_count(pdf.clone()).unwrap(),
        1
    );

    // another sponsor gets 404, the desk gets the sheet (asked before the slow rendering
    // below, which outlasts the server's keep-alive)
    let response = d.app.get(&pdf_path, Some(&d.other_employer.token)).await;
    assert_eq!(response.status(), 404);
    let response = d.app.get(&pdf_path, Some(&d.officer.token)).await;
    assert_eq!(response.status(), 200);

    // look at it as a person would: the page as an image, the QR code read back from it
    let page = kitdesk::service::pdf_view::render_page(pdf, 1).unwrap();
    if let Ok(dir) = std::env::var("KITDESK_KEEP_CONFIRMATION_PNG") {
        std::fs::write(format!("{dir}/confirmation.png"), &page.png).unwrap();
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(page.png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels;
        buf[i]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, confirmation["verify_url"].as_str().unwrap());
}

// ---- trips and presence ----

fn days_ago(n: i64) -> String {
    (kitdesk::domain::time::desk_today() - chrono::Duration::days(n)).to_string()
}

async fn post_trip(app: &TestApp, user: &TestUser, case: &str, body: Value) -> (u16, Value) {
    let response = app
        .post_json(
            &format!("/api/v1/cases/{case}/trips"),
            Some(&user.token),
            &body,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn presence_counts_calendar_days_once_with_open_trips_to_today() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let employer = &sponsor.employer;
    // 10 days on B1, then an overlapping ESTA record of 10 days (5 new), then an open trip
    for (class, entry, exit) in [("B1", 100, Some(91)), ("WB", 95, Some(86)), ("wb", 4, None)] {
        let body = json!({"admission_class": class, "entry_date": days_ago(entry),
            "exit_date": exit.map(days_ago), "port": "ATL"});
        let (status, trip) = post_trip(&app, employer, &case, body).await;
        assert_eq!(status, 201, "{trip}");
    }
    let (status, list) = get_json(
        &app,
        &format!("/api/v1/cases/{case}/trips"),
        Some(&employer.token),
    )
    .await;
    assert_eq!(status, 200);
    let days: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["days"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [10, 10, 5]);
    assert_eq!(list["items"][2]["admission_class"], "WB");

    let (status, presence) = get_json(
        &app,
        &format!("/api/v1/cases/{case}/presence"),
        Some(&employer.token),
    )
    .await;
    assert_eq!(status, 200);
    let mut keys: Vec<&String> = presence.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["days_by_class", "days_in_us_last_365", "open_trip", "trips"]
    );
    assert_eq!(presence["days_in_us_last_365"], 20);
    assert_eq!(presence["days_by_class"], json!({"B1": 5, "WB": 15}));
    assert_eq!(presence["open_trip"], true);
    assert_eq!(presence["trips"].as_array().unwrap().len(), 3);

    // bad input is refused naming the field
    for (body, field) in [
        (
            json!({"admission_class": "VISITOR1", "entry_date": days_ago(3)}),
            "admission_class",
        ),
        (
            json!({"admission_class": "B1", "entry_date": days_ago(3), "exit_date": days_ago(5)}),
            "exit_date",
        ),
        (
            json!({"admission_class": "B1", "entry_date": days_ago(-3)}),
            "entry_date",
        ),
    ] {
        let response = app
            .post_json(
                &format!("/api/v1/cases/{case}/trips"),
                Some(&employer.token),
                &body,
            )
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
}

#[tokio::test]
async fn the_desk_sees_one_worker_across_sponsors_and_no_sponsor_learns_of_the_other() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (first, first_project) = app.ready_sponsor(&officer, None).await;
    let (second, second_project) = app.ready_sponsor(&officer, None).await;
    // the same worker (same passport) filed by two unrelated sponsors
    let worker = crate::helpers::worker(1);
    let file = |sponsor: &crate::helpers::TestSponsor, project: &str| {
        let mut w = worker.clone();
        w["email"] = json!(format!("{}@example.kr", uuid::Uuid::new_v4().simple()));
        (
            sponsor.employer.token.clone(),
            json!({"project_id": project, "workers": [w]}),
        )
    };
    let mut ids = Vec::new();
    for (token, body) in [file(&first, &first_project), file(&second, &second_project)] {
        let response = app.post_json("/api/v1/filings", Some(&token), &body).await;
        assert_eq!(response.status(), 201);
        let filed: Value = response.json().await.unwrap();
        ids.push(filed["cases"][0]["id"].as_str().unwrap().to_owned());
    }
    let (mine, theirs) = (&ids[0], &ids[1]);
    let (status, _) = post_trip(
        &app,
        &first.employer,
        mine,
        json!({"admission_class": "B1", "entry_date": days_ago(30), "exit_date": days_ago(21)}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post_trip(
        &app,
        &second.employer,
        theirs,
        json!({"admission_class": "WB", "entry_date": days_ago(60), "exit_date": days_ago(41)}),
    )
    .await;
    assert_eq!(status, 201);

    // the desk: both sponsors' trips, and the other case named
    let (_, desk) = get_json(
        &app,
        &format!("/api/v1/cases/{mine}/presence"),
        Some(&officer.token),
    )
    .await;
    assert_eq!(desk["days_in_us_last_365"], 30);
    assert_eq!(desk["other_cases"][0]["id"], theirs.as_str());
    // the employer: its own trips only, and nothing about the other case
    let response = app
        .get(
            &format!("/api/v1/cases/{mine}/presence"),
            Some(&first.employer.token),
        )
        .await;
    let text = response.text().await.unwrap();
    let own: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(own["days_in_us_last_365"], 10);
    assert!(own.get("other_cases").is_none());
    assert!(!text.contains(theirs.as_str()));
    assert!(!text.contains("WB"));
    // another sponsor: 404 on the case's trips and presence, and may not record
    for path in ["trips", "presence"] {
        let (status, _) = get_json(
            &app,
            &format!("/api/v1/cases/{mine}/{path}"),
            Some(&second.employer.token),
        )
        .await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = post_trip(
        &app,
        &second.employer,
        mine,
        json!({"admission_class": "B1", "entry_date": days_ago(3)}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_i94_travel_history_imports_as_trips_all_or_nothing() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let (body, _) = app.case(&officer, &case).await;
    let last4 = body["worker"]["passport_last4"]
        .as_str()
        .unwrap()
        .to_owned();
    let import = |csv: String| {
        app.client
            .post(app.url(&format!("/api/v1/cases/{case}/trips/import")))
            .bearer_auth(&sponsor.employer.token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let good = format!(
        "Date,Document,Class,Port,Type\n{},M0000{last4},B1,ATL,Arrival\n{},M0000{last4},B1,ATL,Departure\n{},M0000{last4},WB,ATL,Arrival\n",
        days_ago(50), days_ago(41), days_ago(2)
    );
    let bad = format!("{good}{},X1,B1,ATL,Arrival\n", days_ago(1));
    let problem = assert_problem(import(bad).await.unwrap(), 422, "validation_failed").await;
    assert_eq!(
        problem["errors"][0]["field"], "lines[5].document",
        "{problem}"
    );
    let response = import(good).await.unwrap();
    assert_eq!(response.status(), 201);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["items"][0]["source"], "i94_import");
    let (_, presence) = get_json(
        &app,
        &format!("/api/v1/cases/{case}/presence"),
        Some(&sponsor.employer.token),
    )
    .await;
    assert_eq!(presence["days_in_us_last_365"], 13);
    assert_eq!(presence["days_by_class"], json!({"B1": 10, "WB": 3}));
    assert_eq!(presence["open_trip"], true);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/cases/{case}/trips/import")))
        .bearer_auth(&sponsor.employer.token)
        .json(&json!({"csv": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}
