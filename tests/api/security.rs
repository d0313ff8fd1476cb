//! Regression tests of issue 14 (security hardening): each test names the finding it pins.

use kitdesk::domain::Role;
use kitdesk::http::client_ip::ClientIpSource;
use kitdesk::service::Settings;
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, spawn_app, spawn_app_configured, spawn_app_with, HeldLock, TestApp,
};

/// An app behind one trusted proxy that writes `X-Forwarded-For`.
async fn app_behind_proxy() -> TestApp {
    spawn_app_configured(Settings::default(), |c| {
        c.client_ip = ClientIpSource::Header {
            name: "x-forwarded-for".into(),
            hops: 1,
        }
    })
    .await
}

async fn status_lookup(app: &TestApp, headers: &[(&str, String)], receipt: &str, dob: &str) -> u16 {
    let mut req = app
        .client
        .post(app.url("/api/v1/status"))
        .json(&json!({"receipt_number": receipt, "date_of_birth": dob}));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.send().await.unwrap().status().as_u16()
}

// Finding 1: rotating `Forwarded: for=…` no longer gives a fresh allowance.
#[tokio::test]
async fn forwarded_header_is_ignored_unless_configured() {
    let app = app_behind_proxy().await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let headers = [
            ("forwarded", format!("for=198.51.100.{i}")),
            ("x-forwarded-for", "203.0.113.5".to_owned()),
        ];
        statuses.push(status_lookup(&app, &headers, "KIT2799999990", "1990-01-01").await);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    // the same over sign-in: spraying accounts from one address stops at its limit
    let mut last = 0;
    for i in 0..22 {
        last = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("forwarded", format!("for=198.51.100.{i}"))
            .header("x-forwarded-for", "203.0.113.6")
            .json(&json!({"email": format!("user{i}@example.com"), "password": "wrong password"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
}

// Finding 1: the client's own part of X-Forwarded-For (left of what the proxy wrote) is not
// read, and an IPv6 /64 is one client.
#[tokio::test]
async fn only_the_proxy_written_address_counts_and_an_ipv6_64_is_one_client() {
    let app = app_behind_proxy().await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let headers = [("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.8"))];
        statuses.push(status_lookup(&app, &headers, "KIT2799999990", "1990-01-01").await);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let mut statuses = Vec::new();
    for i in 0..12 {
        let headers = [("x-forwarded-for", format!("2001:db8:7:7:{i:x}::1"))];
        statuses.push(status_lookup(&app, &headers, "KIT2799999990", "1990-01-01").await);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // another /64 is another client
    let other = [("x-forwarded-for", "2001:db8:7:8::1".to_owned())];
    assert_eq!(
        status_lookup(&app, &other, "KIT2799999990", "1990-01-01").await,
        404
    );
}

// Finding 1: a receipt's date of birth cannot be guessed from many addresses.
#[tokio::test]
async fn status_lookup_is_limited_per_receipt_across_addresses() {
    let app = app_behind_proxy().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let receipt = filing["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut statuses = Vec::new();
    for day in 1..=12 {
        let headers = [("x-forwarded-for", format!("192.0.2.{day}"))];
        let dob = format!("1990-01-{day:02}");
        statuses.push(status_lookup(&app, &headers, &receipt, &dob).await);
    }
    assert_eq!(&statuses[..10], &[404; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    // typed differently, it is the same receipt
    let lower = receipt.to_lowercase();
    let headers = [("x-forwarded-for", "192.0.2.99".to_owned())];
    assert_eq!(
        status_lookup(&app, &headers, &lower, "1988-04-12").await,
        429
    );
    let problem = app
        .client
        .post(app.url("/api/v1/status"))
        .header("x-forwarded-for", "192.0.2.100")
        .json(&json!({"receipt_number": receipt, "date_of_birth": "1988-04-12"}))
        .send()
        .await
        .unwrap();
    assert!(problem.headers().get("retry-after").is_some());
    let body: Value = assert_problem(problem, 429, "too_many_requests").await;
    assert!(body["detail"].is_string());
}

// ---- Finding 2: an audit chain that a database writer without the key cannot rewrite ----

use kitdesk::db::audit::{self as audit_rows, AuditRow};
use kitdesk::service::audit::{self, ChainReport, Tampering};
use kitdesk::service::ServiceError;

/// An app with `n` audit rows, its head anchored.
async fn app_with_anchored_chain(n: usize) -> TestApp {
    let app = spawn_app().await;
    let dir = app.data_dir.clone();
    app.ctx
        .run(move |conn, ctx| {
            // One append: the app's own anchoring task, which anchors the first head it sees,
            // finds either no row or all of them, never a head halfway (under load it used to
            // anchor row 3 of 8, and the tests below expect the anchor at the last row).
            let entries: Vec<_> = (0..n)
                .map(|i| audit::entry(None, "test.event", None, None, json!({"i": i})))
                .collect();
            audit_rows::append(conn, &entries)?;
            audit::anchor_head(conn, &ctx.secrets.audit_chain, &dir)?;
            Ok(())
        })
        .await
        .unwrap();
    app
}

async fn verify(app: &TestApp) -> ChainReport {
    let path = app.data_dir.join(audit::ANCHOR_FILE);
    app.ctx
        .run(move |conn, ctx| {
            let anchors = audit::read_anchors(&path)?;
            audit::verify_chain(conn, &ctx.secrets.audit_chain, &anchors)
        })
        .await
        .unwrap()
}

async fn rows(app: &TestApp) -> Vec<AuditRow> {
    app.ctx
        .run(|conn, _| Ok(audit_rows::page(conn, 0, 1000)?))
        .await
        .unwrap()
}

/// What an attacker without the key can do: recompute every link from row `from` on with a
/// key of their own (or plain SHA-256), keeping the chain internally consistent.
async fn rehash_from(app: &TestApp, from: i64) {
    let all = rows(app).await;
    let forged_key = [7u8; 32];
    let mut prev = all
        .iter()
        .find(|r| r.seq == from - 1)
        .map(|r| r.hash.clone())
        .unwrap_or_else(|| audit_rows::GENESIS.to_owned());
    for row in all.iter().filter(|r| r.seq >= from) {
        let hash = audit_rows::row_mac(&forged_key, &prev, row.seq, &row.entry());
        app.sql(&format!(
            "UPDATE audit_log SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            row.seq
        ))
        .await;
        prev = hash;
    }
}

#[tokio::test]
async fn audit_verify_detects_a_rewritten_and_rehashed_row() {
    let app = app_with_anchored_chain(8).await;
    let intact = verify(&app).await;
    assert!(intact.first_broken_seq.is_none(), "{intact:?}");
    assert_eq!(intact.rows_checked, 8);
    // ours, and perhaps the app's own anchoring task's
    assert!(intact.anchors_checked >= 1, "{intact:?}");
    app.sql("UPDATE audit_log SET summary = '{\"i\":\"forged\"}' WHERE seq = 4")
        .await;
    rehash_from(&app, 4).await;
    let report = verify(&app).await;
    assert_eq!(report.first_broken_seq, Some(4), "{report:?}");
    assert_eq!(report.tampering, Some(Tampering::Rewritten), "{report:?}");

    // rewritten as plain SHA-256 rows (the old, unkeyed format) from the start: the anchor
    // saw another head
    let all = rows(&app).await;
    let mut prev = audit_rows::GENESIS.to_owned();
    for row in &all {
        let hash = audit_rows::row_hash(&prev, row.seq, &row.entry());
        app.sql(&format!(
            "UPDATE audit_log SET chain_version = 1, prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            row.seq
        ))
        .await;
        prev = hash;
    }
    let report = verify(&app).await;
    assert_eq!(report.first_broken_seq, Some(8), "{report:?}");
    assert_eq!(report.tampering, Some(Tampering::Rewritten), "{report:?}");
}

#[tokio::test]
async fn audit_verify_detects_truncation_against_the_anchor() {
    let app = app_with_anchored_chain(6).await;
    app.sql("DELETE FROM audit_log WHERE seq >= 5").await;
    let report = verify(&app).await;
    assert_eq!(report.tampering, Some(Tampering::Truncated), "{report:?}");
    assert_eq!(report.first_broken_seq, Some(5));
    assert!(report.problem.unwrap().contains("truncated"));
    // even the last row alone
    let app = app_with_anchored_chain(3).await;
    app.sql("DELETE FROM audit_log WHERE seq = 3").await;
    assert_eq!(verify(&app).await.tampering, Some(Tampering::Truncated));
}

#[tokio::test]
async fn audit_verify_detects_deletion_and_renumbering() {
    // a middle row deleted
    let app = app_with_anchored_chain(6).await;
    app.sql("DELETE FROM audit_log WHERE seq = 3").await;
    let report = verify(&app).await;
    assert_eq!(report.tampering, Some(Tampering::Deleted), "{report:?}");
    assert_eq!(report.first_broken_seq, Some(3));

    // deleted and the later rows renumbered to close the gap
    let app = app_with_anchored_chain(6).await;
    app.sql("DELETE FROM audit_log WHERE seq = 3").await;
    for seq in 4..=6 {
        app.sql(&format!(
            "UPDATE audit_log SET seq = {} WHERE seq = {seq}",
            seq - 1
        ))
        .await;
    }
    let report = verify(&app).await;
    assert_eq!(report.tampering, Some(Tampering::Renumbered), "{report:?}");
    assert_eq!(report.first_broken_seq, Some(3));

    // …and rehashed without the key: still caught at that row
    let app = app_with_anchored_chain(6).await;
    app.sql("DELETE FROM audit_log WHERE seq = 3").await;
    for seq in 4..=6 {
        app.sql(&format!(
            "UPDATE audit_log SET seq = {} WHERE seq = {seq}",
            seq - 1
        ))
        .await;
    }
    rehash_from(&app, 3).await;
    let report = verify(&app).await;
    assert_eq!(report.first_broken_seq, Some(3), "{report:?}");
    assert!(report.tampering.is_some());
}

#[tokio::test]
async fn audit_rows_are_keyed_and_anchored_at_intervals_and_a_forged_anchor_is_refused() {
    let app = spawn_app_with(Settings {
        audit_anchor_rows: 3,
        audit_anchor_interval: std::time::Duration::from_millis(200),
        ..Settings::default()
    })
    .await;
    app.ctx
        .run(|conn, _| {
            for i in 0..4 {
                let entry = audit::entry(None, "test.event", None, None, json!({"i": i}));
                audit_rows::append(conn, &[entry])?;
            }
            Ok::<_, ServiceError>(())
        })
        .await
        .unwrap();
    let all = rows(&app).await;
    assert!(all.iter().all(|r| r.chain_version == audit_rows::CHAIN_V2));
    let path = app.data_dir.join(audit::ANCHOR_FILE);
    let mut anchors = Vec::new();
    for _ in 0..50 {
        anchors = audit::read_anchors(&path).unwrap();
        if anchors.last().is_some_and(|a| a.seq == 4) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(anchors.last().map(|a| a.seq), Some(4), "{anchors:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // an anchor line written without the key is refused
    let forged = format!(
        "{{\"written_at\":\"2026-01-01T00:00:00Z\",\"seq\":2,\"hash\":\"{}\",\"mac\":\"00\"}}\n",
        all[1].hash
    );
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&forged);
    std::fs::write(&path, text).unwrap();
    assert_eq!(verify(&app).await.tampering, Some(Tampering::BadAnchor));
}

// ---- Finding 7: CSRF on the JSON API with cookie sign-in ----

#[tokio::test]
async fn cookie_signed_api_requests_need_this_origin_and_an_api_content_type() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let sponsor = app.register_sponsor(None).await;
    app.complete_checklist(&officer, &sponsor.id).await;
    let verify = app.url(&format!("/api/v1/sponsors/{}/verify", sponsor.id));
    let cookie = format!("kitdesk_session={}", officer.token);
    let post = |headers: &[(&str, &str)]| {
        let mut req = app.client.post(&verify).header("cookie", &cookie);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req
    };
    // a same-site (sibling subdomain) form post, as in the finding
    let r = post(&[("sec-fetch-site", "same-site")])
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    // an older browser: only Origin
    let r = post(&[
        ("origin", "https://evil.example"),
        ("content-type", "application/json"),
    ])
    .body("null")
    .send()
    .await
    .unwrap();
    assert_problem(r, 403, "forbidden").await;
    // same origin, but a body any page could send
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let r = post(&[
            ("sec-fetch-site", "same-origin"),
            ("content-type", content_type),
        ])
        .body("x=1")
        .send()
        .await
        .unwrap();
        assert_problem(r, 415, "unsupported_media_type").await;
    }
    // rule sets as text/plain with the cookie: refused before anything is parsed
    let r = app
        .client
        .post(app.url("/api/v1/rulesets"))
        .header("cookie", format!("kitdesk_session={}", supervisor.token))
        .header("content-type", "text/plain")
        .body("route = \"B1-CIW\"")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported_media_type").await;
    // nothing was verified
    let got: Value = app
        .get(
            &format!("/api/v1/sponsors/{}", sponsor.id),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "pending_verification", "{got}");
    // the same origin with JSON works
    let r = post(&[
        ("sec-fetch-site", "same-origin"),
        ("content-type", "application/json"),
    ])
    .body("null")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // bearer tokens are unaffected, whatever the headers
    let other = app.register_sponsor(None).await;
    app.complete_checklist(&officer, &other.id).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/sponsors/{}/verify", other.id)))
        .bearer_auth(&officer.token)
        .header("sec-fetch-site", "cross-site")
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

// ---- Finding 8: registration ----

#[tokio::test]
async fn registration_gives_the_same_answer_for_a_taken_address_and_mails_it() {
    let app = spawn_app().await;
    let first = app.sponsor_body(None);
    let fresh = app
        .post_json("/api/v1/sponsors/register", None, &first)
        .await;
    assert_eq!(fresh.status(), 202);
    let fresh: Value = fresh.json().await.unwrap();
    // another company, the same contact address (in other letter case)
    let mut second = app.sponsor_body(None);
    second["contact"]["email"] = json!(first["contact"]["email"].as_str().unwrap().to_uppercase());
    second["contact"]["password"] = json!("another long passphrase 42");
    let taken = app
        .post_json("/api/v1/sponsors/register", None, &second)
        .await;
    assert_eq!(taken.status(), 202);
    let taken: Value = taken.json().await.unwrap();
    assert_eq!(fresh, taken);
    // nothing was created for the second, and the existing address got a mail (ko + en)
    let address = first["contact"]["email"].as_str().unwrap().to_owned();
    let mails = app
        .ctx
        .run(|conn, _| Ok(kitdesk::db::outbox::list(conn, None, 100)?))
        .await
        .unwrap();
    let notice = mails
        .iter()
        .find(|m| m.kind == "account_exists")
        .expect("an account_exists mail");
    assert_eq!(notice.recipient, address);
    assert!(notice.body_text.contains("이미 계정이 있으므로"));
    assert!(notice.body_text.contains("already has an account"));
    let officer = app.user(Role::Officer, None).await;
    let sponsors: Value = app
        .get("/api/v1/sponsors", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = sponsors["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["legal_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec![first["legal_name"].as_str().unwrap()]);
    // the first registrant's password still works, the second's does not
    app.login(&address, crate::helpers::PASSWORD).await;
}

#[tokio::test]
async fn registration_is_throttled_and_a_known_business_number_is_sponsor_exists() {
    let app = spawn_app().await;
    let body = app.sponsor_body(None);
    assert_eq!(
        app.post_json("/api/v1/sponsors/register", None, &body)
            .await
            .status(),
        202
    );
    // the same company again, typed without dashes: sponsor_exists, not a bare 409 duplicate
    let mut again = app.sponsor_body(None);
    again["business_registration_no"] = body["business_registration_no"].clone();
    let problem = assert_problem(
        app.post_json("/api/v1/sponsors/register", None, &again)
            .await,
        409,
        "sponsor_exists",
    )
    .await;
    assert_eq!(problem["field"], "business_registration_no", "{problem}");
    // one client registering many companies is throttled like sign-in
    let client = app.client_from(31);
    let mut statuses = Vec::new();
    for _ in 0..22 {
        let mut invalid = app.sponsor_body(None);
        invalid["legal_name"] = json!("");
        statuses.push(
            client
                .post(app.url("/api/v1/sponsors/register"))
                .json(&invalid)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

// ---- Finding 9: NUL characters are a 422 naming the field, on both backends ----

async fn assert_nul_refused(response: reqwest::Response, field: &str) {
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], field, "{body}");
}

#[tokio::test]
async fn nul_characters_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;

    // sign-in and registration
    let r = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": "kim\u{0}@example.com", "password": "x"}),
        )
        .await;
    assert_nul_refused(r, "email").await;
    let mut body = app.sponsor_body(None);
    body["contact"]["password"] = json!("a long pass\u{0}phrase here");
    let r = app
        .post_json("/api/v1/sponsors/register", None, &body)
        .await;
    assert_nul_refused(r, "contact.password").await;
    let mut body = app.sponsor_body(None);
    body["legal_name"] = json!("Hanbit\u{0}");
    let r = app
        .post_json("/api/v1/sponsors/register", None, &body)
        .await;
    assert_nul_refused(r, "legal_name").await;

    // a batch, as JSON and as CSV
    let mut w = crate::helpers::worker(0);
    w["given_name"] = json!("Min\u{0}jun");
    let r = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [w.clone()]}),
        )
        .await;
    assert_nul_refused(r, "workers[0].given_name").await;
    let csv = crate::helpers::csv_of(&[w]);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/filings?project_id={project}")))
        .bearer_auth(&sponsor.employer.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_nul_refused(r, "body (CSV line 2)").await;

    // query strings, path segments and page forms
    let r = app
        .get("/api/v1/cases?status=filed%00", Some(&officer.token))
        .await;
    assert_nul_refused(r, "status").await;
    let r = app
        .get("/api/v1/rulesets/B1%00", Some(&officer.token))
        .await;
    assert_problem(r, 404, "not_found").await;
    let r = app
        .client
        .post(app.url("/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "kim\u{0}@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_nul_refused(r, "email").await;

    // the status look-up
    let r = app
        .post_json(
            "/api/v1/status",
            None,
            &json!({"receipt_number": "KIT\u{0}", "date_of_birth": "1990-01-01"}),
        )
        .await;
    assert_nul_refused(r, "receipt_number").await;
}

// ---- Finding 10: lower findings ----

#[tokio::test]
async fn wrong_typed_secrets_are_not_echoed_and_free_text_is_bounded() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": "kim@example.com", "password": 73917391}),
        )
        .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert!(!body.to_string().contains("73917391"), "{body}");
    let mut w = crate::helpers::worker(0);
    w["passport_number"] = json!(48151623);
    let r = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [w]}),
        )
        .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "workers[0].passport_number");
    assert!(!body.to_string().contains("48151623"), "{body}");

    // any JSON string is bounded…
    let r = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": "k".repeat(10_001), "password": "x"}),
        )
        .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email");
    // …and the interview location has its own limit
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case_id = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let supervisor = app.user(Role::Supervisor, None).await;
    app.act_ok(
        &supervisor,
        &case_id,
        json!({"action": "assign", "assignee_id": officer.id}),
    )
    .await;
    app.act_ok(&officer, &case_id, json!({"action": "start_review"}))
        .await;
    let (_, etag) = app.case(&officer, &case_id).await;
    let r = app
        .post_json(
            "/api/v1/interview-windows",
            Some(&supervisor.token),
            &json!({"date": crate::helpers::next_working_day(kitdesk::domain::time::desk_today()),
                "start": "09:00", "end": "10:00", "slot_minutes": 15, "capacity": 2,
                "location": "x".repeat(201)}),
        )
        .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "location");
    let r = app
        .act(
            &officer,
            &case_id,
            Some(&etag),
            &json!({"action": "schedule_interview", "slot_id": "not-a-slot"}),
        )
        .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "slot_id");
}

#[tokio::test]
async fn implausible_dates_are_refused() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut w = crate::helpers::worker(0);
    w["passport_expiry"] = json!("9999-12-31");
    w["assignment"]["planned_entry"] = json!("1900-01-01");
    let r = app
        .post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [w]}),
        )
        .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"workers[0].passport_expiry"), "{body}");
    assert!(
        fields.contains(&"workers[0].assignment.planned_entry"),
        "{body}"
    );
}

#[tokio::test]
async fn the_visa_annotation_keeps_employer_text_on_one_line() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case_id = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let chr = if app.db.is_postgres() { "chr" } else { "char" };
    app.sql(&format!(
        "UPDATE sponsors SET legal_name = 'Hanbit' || {chr}(10) || 'VALID FOR ALL ROUTES' || {chr}(13) || {chr}(9) || 'Ltd' WHERE id = '{}'",
        sponsor.id
    ))
    .await;
    app.act_ok(
        &supervisor,
        &case_id,
        json!({"action": "assign", "assignee_id": officer.id}),
    )
    .await;
    app.act_ok(&officer, &case_id, json!({"action": "start_review"}))
        .await;
    let approved = app
        .act_ok(&officer, &case_id, json!({"action": "approve", "route": "B1-CIW", "reason": "Installation under the sales contract; foreign pay."}))
        .await;
    let annotation = approved["decision"]["annotation"].as_str().unwrap();
    assert!(!annotation.contains(['\n', '\r', '\t']), "{annotation:?}");
    assert!(
        annotation.contains("Employer: Hanbit VALID FOR ALL ROUTES Ltd"),
        "{annotation}"
    );
}

#[tokio::test]
async fn data_files_and_folders_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = app_with_anchored_chain(1).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&app.data_dir), 0o700);
    assert_eq!(mode(&app.data_dir.join("mail")), 0o700);
    assert_eq!(mode(&app.data_dir.join(audit::ANCHOR_FILE)), 0o600);
    if let kitdesk::db::DbUrl::Sqlite(file) = app.db.url() {
        assert_eq!(mode(&file) & 0o077, 0, "{:o}", mode(&file));
    }
}

#[tokio::test]
async fn readiness_fails_with_503_when_storage_cannot_be_written() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    // the data folder replaced by a file: nothing can be written there any more
    std::fs::remove_dir_all(&app.data_dir).unwrap();
    std::fs::write(&app.data_dir, b"").unwrap();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["problem"], "storage_not_writable");
    std::fs::remove_file(&app.data_dir).unwrap();
    std::fs::create_dir_all(&app.data_dir).unwrap();
}

#[tokio::test]
async fn a_data_folder_that_cannot_be_written_stops_start_up() {
    let db = tokio::task::spawn_blocking(crate::helpers::TestDb::migrated)
        .await
        .unwrap();
    let blocker = std::env::temp_dir().join(format!("kitdesk-blocker-{}", uuid::Uuid::new_v4()));
    std::fs::write(&blocker, b"").unwrap();
    let config = crate::helpers::test_config(&db, blocker.join("data"));
    let result = kitdesk::startup::Application::build(config).await;
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("data folder"), "{message}");
    std::fs::remove_file(&blocker).unwrap();
}

#[tokio::test]
async fn a_database_that_does_not_answer_gives_503_within_the_deadline() {
    let app = spawn_app_with(Settings {
        work_deadline: Some(std::time::Duration::from_secs(1)),
        ..Settings::default()
    })
    .await;
    let user = app.user(Role::Officer, None).await;
    // another client holds the write lock (SQLite) or an exclusive table lock (PostgreSQL)
    let url = app.db.url();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        match url {
            kitdesk::db::DbUrl::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
                c.batch_execute("BEGIN IMMEDIATE").unwrap();
                locked_tx.send(()).unwrap();
                let _ = release_rx.recv();
                c.batch_execute("ROLLBACK").unwrap();
            }
            kitdesk::db::DbUrl::Postgres(u) => {
                let mut c = diesel::PgConnection::establish(&u).unwrap();
                c.batch_execute("BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
                    .unwrap();
                locked_tx.send(()).unwrap();
                let _ = release_rx.recv();
                c.batch_execute("ROLLBACK").unwrap();
            }
        }
    });
    locked_rx.recv().unwrap();
    let started = std::time::Instant::now();
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, 503, "unavailable").await;
    assert!(took < std::time::Duration::from_secs(4), "{took:?}");
}

/// Sends `request` while another connection holds the cases table locked: the answer is 503
/// with Retry-After within the service's 1 s deadline (4 s allowed), not a request that hangs
/// (bounded at 10 s here, so that one fails the test instead of holding it).
async fn answers_503_while_cases_are_locked(
    url: &str,
    request: impl std::future::Future<Output = reqwest::Response>,
) {
    let lock = HeldLock::take(url, "LOCK TABLE cases IN ACCESS EXCLUSIVE MODE");
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(std::time::Duration::from_secs(10), request).await;
    let took = started.elapsed();
    lock.release();
    let r = r.expect("the request answered within 10 s");
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, 503, "unavailable").await;
    assert!(took < std::time::Duration::from_secs(4), "{took:?}");
}

/// The status look-up reads on its own connection on PostgreSQL (`db::async_reads`): a case
/// table that does not answer still gives 503 within the deadline, and the look-up answers
/// again once it does. (On SQLite a writer does not block WAL readers: nothing to hold.)
#[tokio::test]
async fn a_status_look_up_that_the_database_does_not_answer_gives_503_within_the_deadline() {
    let app = spawn_app_with(Settings {
        work_deadline: Some(std::time::Duration::from_secs(1)),
        ..Settings::default()
    })
    .await;
    let kitdesk::db::DbUrl::Postgres(url) = app.db.url() else {
        return;
    };
    let receipt = app.one_filed_receipt().await;
    let body = json!({"receipt_number": receipt, "date_of_birth": "1988-04-12"});
    // the worker's connection is open before the table is locked, and once more after
    let first = app.post_json("/api/v1/status", None, &body).await;
    assert_eq!(first.status(), 200);
    answers_503_while_cases_are_locked(&url, app.post_json("/api/v1/status", None, &body)).await;
    let again = app.post_json("/api/v1/status", None, &body).await;
    assert_eq!(again.status(), 200);
}

/// The desk's queue page reads on the HTTP worker's own connection too (`db::async_reads`):
/// a case table that does not answer gives 503 within the deadline there as well.
#[tokio::test]
async fn a_queue_page_that_the_database_does_not_answer_gives_503_within_the_deadline() {
    let app = spawn_app_with(Settings {
        work_deadline: Some(std::time::Duration::from_secs(1)),
        ..Settings::default()
    })
    .await;
    let kitdesk::db::DbUrl::Postgres(url) = app.db.url() else {
        return;
    };
    app.one_filed_receipt().await;
    let officer = app.user(Role::Officer, None).await;
    let path = "/api/v1/cases?status=filed&limit=5";
    let first = app.get(path, Some(&officer.token)).await;
    assert_eq!(first.status(), 200);
    answers_503_while_cases_are_locked(&url, app.get(path, Some(&officer.token))).await;
    let again = app.get(path, Some(&officer.token)).await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn rows_written_before_the_key_still_verify_and_keyed_rows_cannot_pose_as_them() {
    let app = spawn_app().await;
    app.ctx
        .run(|conn, _| {
            use diesel::RunQueryDsl;
            // two rows as the code before issue 14 wrote them: plain SHA-256 links, version 1
            let mut prev = audit_rows::GENESIS.to_owned();
            for seq in 1..=2 {
                let entry = audit::entry(None, "legacy.event", None, None, json!({"seq": seq}));
                let hash = audit_rows::row_hash(&prev, seq, &entry);
                let row = AuditRow {
                    seq,
                    occurred_at: entry.occurred_at,
                    actor_id: None,
                    actor_role: entry.actor_role.clone(),
                    action: entry.action.clone(),
                    case_id: None,
                    subject_id: None,
                    summary: entry.summary.clone(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    chain_version: audit_rows::CHAIN_V1,
                };
                diesel::insert_into(kitdesk::db::schema::audit_log::table)
                    .values(&row)
                    .execute(conn)?;
                prev = hash;
            }
            // One append, as in `app_with_anchored_chain`: the app's own anchoring task then
            // never anchors the head halfway (under load it anchored row 3, and the tamper
            // check below expects the anchor at row 4).
            let entries: Vec<_> = (0..2)
                .map(|i| audit::entry(None, "test.event", None, None, json!({"i": i})))
                .collect();
            audit_rows::append(conn, &entries)?;
            Ok::<_, ServiceError>(())
        })
        .await
        .unwrap();
    let report = verify(&app).await;
    assert!(report.first_broken_seq.is_none(), "{report:?}");
    assert_eq!((report.rows_checked, report.legacy_rows), (4, 2));
    let dir = app.data_dir.clone();
    app.ctx
        .run(move |conn, ctx| audit::anchor_head(conn, &ctx.secrets.audit_chain, &dir))
        .await
        .unwrap();

    // the keyed rows passed off as old ones, their links recomputed without the key
    let all = rows(&app).await;
    let mut prev = all[1].hash.clone();
    for row in &all[2..] {
        let hash = audit_rows::row_hash(&prev, row.seq, &row.entry());
        app.sql(&format!(
            "UPDATE audit_log SET chain_version = 1, prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            row.seq
        ))
        .await;
        prev = hash;
    }
    let report = verify(&app).await;
    assert_eq!(report.tampering, Some(Tampering::Rewritten), "{report:?}");
    assert_eq!(report.first_broken_seq, Some(4), "{report:?}");

    // only the first of them downgraded: the keyed row after it gives it away
    let app = app_with_anchored_chain(2).await;
    let all = rows(&app).await;
    let hash = audit_rows::row_hash(&all[0].prev_hash, 1, &all[0].entry());
    app.sql(&format!(
        "UPDATE audit_log SET chain_version = 1, hash = '{hash}' WHERE seq = 1"
    ))
    .await;
    let report = verify(&app).await;
    assert_eq!(report.tampering, Some(Tampering::Rewritten), "{report:?}");
    assert_eq!(report.first_broken_seq, Some(2), "{report:?}");
}
