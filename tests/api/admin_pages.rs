//! The administrator's pages: sponsors read-only, the mail outbox with retry, and resetting
//! a user's second factor with a reason.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::account_support::{spawn_app_with_quick_mail, wait_for_mails, Browser};
use crate::helpers::PASSWORD;

#[tokio::test]
async fn admins_read_sponsors_and_retry_failed_mail() {
    let app = spawn_app_with_quick_mail().await;
    let admin = app.user(Role::Admin, None).await;
    let officer = app.user(Role::Officer, None).await;
    let sponsor = app.register_sponsor(None).await;
    let mut browser = Browser::signed_in(&app, &admin.token);
    browser.accept_language = Some("ko");
    let page = browser.get("/admin/sponsors").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("한빛배터리시스템") && page.body.contains("확인 대기"));
    assert!(
        page.body.matches("<form method=\"post\"").count() == 1,
        "read-only: only the sign-out form"
    );
    for token in [&officer.token, &sponsor.employer.token] {
        let mut other = Browser::signed_in(&app, token);
        assert_eq!(other.get("/admin/sponsors").await.status, 403);
        assert_eq!(other.get("/admin/outbox").await.status, 403);
    }

    // a mail that failed for good
    let response = app
        .post_json(
            "/api/v1/auth/password-reset",
            None,
            &json!({"email": officer.email}),
        )
        .await;
    assert_eq!(response.status(), 202);
    wait_for_mails(&app, &officer.email, 1).await;
    app.sql("UPDATE outbox SET state = 'dead', last_error = 'mailbox unavailable' WHERE kind = 'password_reset'")
        .await;
    let page = browser.get("/admin/outbox?state=dead").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("password_reset") && page.body.contains("mailbox unavailable"));
    assert!(!page.body.contains(&officer.email), "recipients are masked");
    let marker = "action=\"/admin/outbox/";
    let at = page.body.find(marker).expect("a retry form") + marker.len();
    let id = page.body[at..].split('/').next().unwrap().to_owned();
    let retried = browser
        .post(
            &format!("/admin/outbox/{id}/retry"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(
        (retried.status, retried.location.as_str()),
        (303, "/admin/outbox?msg=mail_retried")
    );
    // sent again (the file sink rewrites the same message file)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let sent: Value = app
            .get("/api/v1/outbox?state=sent", Some(&admin.token))
            .await
            .json()
            .await
            .unwrap();
        if sent["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str())
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not sent again");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let actors: Vec<Option<String>> = app
        .ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::audit_log::dsl::*;
            Ok(audit_log
                .filter(action.eq("outbox.retried"))
                .select(actor_id)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(actors, vec![Some(admin.id.clone())]);
}

#[tokio::test]
async fn admins_reset_a_second_factor_from_the_users_page_with_a_reason() {
    let app = spawn_app_with_quick_mail().await;
    let admin = app.user(Role::Admin, None).await;
    let officer = app.user(Role::Officer, None).await;
    let response = app
        .post_json("/api/v1/me/mfa/totp", Some(&officer.token), &Value::Null)
        .await;
    let secret = response.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).unwrap();
    let response = app
        .post_json(
            "/api/v1/me/mfa/totp/confirm",
            Some(&officer.token),
            &json!({"code": totp.generate_current().unwrap()}),
        )
        .await;
    assert_eq!(response.status(), 200);

    let mut browser = Browser::signed_in(&app, &admin.token);
    let page = browser.get("/admin/users").await;
    let form = format!("/admin/users/{}/mfa-reset", officer.id);
    assert!(page.body.contains(&form));
    let refused = browser
        .post(&form, &[("csrf", &page.csrf()), ("reason", " ")])
        .await;
    assert_eq!(refused.location, "/admin/users?msg=reason_needed");
    let done = browser
        .post(
            &form,
            &[("csrf", &page.csrf()), ("reason", "Phone replaced")],
        )
        .await;
    assert_eq!(done.location, "/admin/users?msg=second_factor_reset");
    let user: Value = app
        .get(&format!("/api/v1/users/{}", officer.id), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["second_factor"], false);
    let body: Value = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": officer.email, "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(body["token"].is_string());
}
