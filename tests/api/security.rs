//! Regression tests of issue 14 (security hardening): each test names the finding it pins.

use kitdesk::domain::Role;
use kitdesk::http::client_ip::ClientIpSource;
use kitdesk::service::Settings;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured, spawn_app_with, TestApp};

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
            for i in 0..n {
                let entry = audit::entry(None, "test.event", None, None, json!({"i": i}));
                audit_rows::append(conn, &[entry])?;
            }
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
    assert_eq!((intact.rows_checked, intact.anchors_checked), (8, 1));
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
