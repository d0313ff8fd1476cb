//! Password reset over HTTP, with the link read out of the mail: the same answer for every
//! address, a single-use 30-minute link, every session ended, throttling, and the pages.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::account_support::{
    assert_korean_then_english, link_token, mails_to, spawn_app_with_quick_mail, wait_for_mails,
    Browser,
};
use crate::helpers::{assert_problem, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "a brand new passphrase for the desk";
const LINK: &str = "https://kitdesk.test/password-reset?token=";

async fn ask(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/password-reset",
        None,
        &json!({ "email": email }),
    )
    .await
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/password-reset/confirm",
        None,
        &json!({ "token": token, "password": password }),
    )
    .await
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/auth/login",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

/// Asks for a link for `email` and reads the token from the `n`-th mail to it.
async fn mailed_token(app: &TestApp, email: &str, n: usize) -> String {
    let response = ask(app, email).await;
    assert_eq!(response.status(), 202);
    let mails = wait_for_mails(app, email, n).await;
    link_token(&mails[n - 1].text, LINK)
}

#[tokio::test]
async fn the_mailed_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_app_with_quick_mail().await;
    let officer = app.user(Role::Officer, None).await;
    let second_session = app.login(&officer.email, PASSWORD).await;

    let response = ask(&app, &officer.email.to_uppercase()).await;
    assert_eq!(response.status(), 202);
    let mails = wait_for_mails(&app, &officer.email, 1).await;
    let mail = &mails[0];
    assert!(mail.subject.contains("비밀번호 재설정") && mail.subject.contains("password"));
    assert_korean_then_english(mail);
    assert!(
        mail.text.contains("KST"),
        "the expiry is in Seoul time: {}",
        mail.text
    );
    let token = link_token(&mail.text, LINK);
    assert_eq!(token.len(), 43, "256 bits, base64url");
    // the token is stored only as its hash
    let stored: Vec<String> = app
        .ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::password_resets::dsl::*;
            Ok(password_resets.select(token_hash).load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    // sessions are alive until the reset
    assert_eq!(
        app.get("/api/v1/me", Some(&officer.token)).await.status(),
        200
    );
    let response = confirm(&app, &token, NEW_PASSWORD).await;
    assert_eq!(response.status(), 204, "{:?}", response.text().await);
    for session in [&officer.token, &second_session] {
        assert_problem(
            app.get("/api/v1/me", Some(session)).await,
            401,
            "unauthenticated",
        )
        .await;
    }
    assert_eq!(login_status(&app, &officer.email, PASSWORD).await, 401);
    assert_eq!(login_status(&app, &officer.email, NEW_PASSWORD).await, 200);

    // the link works once
    let body = assert_problem(
        confirm(&app, &token, "yet another passphrase here").await,
        422,
        "invalid_token",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "token");
    assert_eq!(login_status(&app, &officer.email, NEW_PASSWORD).await, 200);
}

#[tokio::test]
async fn every_address_gets_the_same_answer_and_only_enabled_accounts_get_a_link() {
    let app = spawn_app_with_quick_mail().await;
    let employer = app.register_sponsor(None).await.employer;
    let admin = app.user(Role::Admin, None).await;
    let disabled = app.user(Role::Officer, None).await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", disabled.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let known: Value = ask(&app, &employer.email).await.json().await.unwrap();
    let unknown = ask(&app, "nobody-at-all@example.com").await;
    assert_eq!(unknown.status(), 202);
    let unknown: Value = unknown.json().await.unwrap();
    let off = ask(&app, &disabled.email).await;
    assert_eq!(off.status(), 202);
    let off: Value = off.json().await.unwrap();
    assert_eq!(known, unknown);
    assert_eq!(known, off);
    assert_eq!(known["status"], "received");
    assert!(known["message_ko"].as_str().unwrap().contains("30분"));

    let mails = wait_for_mails(&app, &employer.email, 1).await;
    assert!(mails[0].text.contains(LINK));
    // give the outbox time to send anything else it had
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(mails_to(&app, "nobody-at-all@example.com").is_empty());
    assert!(mails_to(&app, &disabled.email).is_empty());

    // not an address at all: 422 naming the field (which says nothing about accounts)
    let body = assert_problem(ask(&app, "not an address").await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn expired_and_superseded_links_are_refused() {
    let app = spawn_app_with_quick_mail().await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let first = mailed_token(&app, &supervisor.email, 1).await;
    let second = mailed_token(&app, &supervisor.email, 2).await;
    assert_ne!(first, second);
    // asking again made the first link useless
    assert_problem(
        confirm(&app, &first, NEW_PASSWORD).await,
        422,
        "invalid_token",
    )
    .await;

    // 31 minutes later the second has expired too
    app.sql(
        "UPDATE password_resets SET expires_at = created_at, created_at = created_at \
         WHERE used_at IS NULL",
    )
    .await;
    assert_problem(
        confirm(&app, &second, NEW_PASSWORD).await,
        422,
        "invalid_token",
    )
    .await;
    assert_eq!(login_status(&app, &supervisor.email, PASSWORD).await, 200);
    // nothing was changed: the session still works
    assert_eq!(
        app.get("/api/v1/me", Some(&supervisor.token))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_weak_password_is_refused_by_name_and_the_link_still_works() {
    let app = spawn_app_with_quick_mail().await;
    let employer = app.register_sponsor(None).await.employer;
    let token = mailed_token(&app, &employer.email, 1).await;
    for weak in ["short", "password123"] {
        let body =
            assert_problem(confirm(&app, &token, weak).await, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "password");
    }
    let body = assert_problem(
        app.post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({"token": token}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status(), 204);
}

#[tokio::test]
async fn asking_and_confirming_are_throttled() {
    let app = spawn_app_with_quick_mail().await;
    let officer = app.user(Role::Officer, None).await;
    for _ in 0..3 {
        assert_eq!(ask(&app, &officer.email).await.status(), 202);
    }
    let response = ask(&app, &officer.email).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "too_many_requests").await;
    // guessing tokens from one address
    for i in 0..10 {
        assert_problem(
            confirm(&app, &format!("guess-{i}"), NEW_PASSWORD).await,
            422,
            "invalid_token",
        )
        .await;
    }
    assert_problem(
        confirm(&app, "guess-11", NEW_PASSWORD).await,
        429,
        "too_many_requests",
    )
    .await;
}

#[tokio::test]
async fn the_reset_pages_work_in_korean_from_the_mailed_link() {
    let app = spawn_app_with_quick_mail().await;
    let employer = app.register_sponsor(None).await.employer;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("ko-KR,ko;q=0.9");
    let login = browser.get("/login").await;
    assert!(login.body.contains("href=\"/password-reset\""));
    assert!(login.body.contains("비밀번호를 잊으셨나요?"));
    let form = browser.get("/password-reset").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("비밀번호 재설정"));
    let sent = browser
        .post(
            "/password-reset",
            &[("csrf", &form.csrf()), ("email", &employer.email)],
        )
        .await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location, "/login?msg=reset_sent");
    let flash = browser.get(&sent.location).await;
    assert!(flash.body.contains("30분 동안 한 번만"), "{}", flash.body);
    // a form without its token is refused
    let refused = browser
        .post("/password-reset", &[("email", &employer.email)])
        .await;
    assert_eq!(refused.status, 403);

    let mails = wait_for_mails(&app, &employer.email, 1).await;
    let token = link_token(&mails[0].html, LINK);
    let choose = browser.get(&format!("/password-reset?token={token}")).await;
    assert_eq!(choose.status, 200);
    assert!(choose.body.contains("새 비밀번호 정하기"));
    assert_eq!(choose.hidden("token"), token);
    let mismatch = browser
        .post(
            "/password-reset/confirm",
            &[
                ("csrf", &choose.csrf()),
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_again", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("두 비밀번호가 서로 다릅니다"));
    let done = browser
        .post(
            "/password-reset/confirm",
            &[
                ("csrf", &choose.csrf()),
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location, "/login?msg=password_reset");
    assert_eq!(login_status(&app, &employer.email, NEW_PASSWORD).await, 200);
    let again = browser
        .post(
            "/password-reset/confirm",
            &[
                ("csrf", &choose.csrf()),
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("만료되었습니다"));
}
