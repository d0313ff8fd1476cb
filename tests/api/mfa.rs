//! The second factor over HTTP: TOTP enrolment with a clock window, sign-in in two steps, no
//! replay of a code, single-use recovery codes, throttling, desk MFA required vs optional,
//! an administrator's reset, and the pages.

use std::time::Duration;

use kitdesk::domain::Role;
use kitdesk::service::mfa::DeskMfa;
use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::account_support::Browser;
use crate::helpers::{
    assert_problem, spawn_app, spawn_app_configured, TestApp, TestUser, PASSWORD,
};

/// The authenticator app: the secret from the enrolment answer.
fn app_for(secret: &str) -> TOTP {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32 secret");
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).expect("totp")
}

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// Waits, if needed, until at least 8 s remain in the current 30-second step, so that codes
/// computed here and checked by the server fall in the same step.
async fn steady_step() {
    let into = now() % 30;
    if into > 22 {
        tokio::time::sleep(Duration::from_secs(30 - into + 1)).await;
    }
}

/// Starts and confirms an authenticator for `user` with the code of the previous step (a
/// phone 30 s behind); returns the app and the recovery codes.
async fn enrol(app: &TestApp, user: &TestUser) -> (TOTP, Vec<String>) {
    let response = app
        .post_json("/api/v1/me/mfa/totp", Some(&user.token), &Value::Null)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let secret = body["secret"].as_str().unwrap();
    let uri = body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/KIT%20Desk%3A"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")) && uri.contains("issuer=KIT%20Desk"));
    let totp = app_for(secret);
    steady_step().await;
    let response = app
        .post_json(
            "/api/v1/me/mfa/totp/confirm",
            Some(&user.token),
            &json!({"code": totp.generate(now() - 30)}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (totp, codes)
}

/// Signs in with the password; returns the `mfa_token` of the second step.
async fn password_step(app: &TestApp, email: &str) -> String {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session before the code"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["mfa_required"], true);
    assert!(body.get("token").is_none());
    body["mfa_token"].as_str().unwrap().to_owned()
}

async fn code_step(app: &TestApp, mfa_token: &str, code: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/mfa",
        None,
        &json!({"mfa_token": mfa_token, "code": code}),
    )
    .await
}

#[tokio::test]
async fn an_authenticator_signs_in_within_its_clock_window_and_no_code_is_taken_twice() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    // a wrong first code confirms nothing
    let response = app
        .post_json("/api/v1/me/mfa/totp", Some(&officer.token), &Value::Null)
        .await;
    let secret = response.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = format!(
        "{:06}",
        (app_for(&secret).generate(now()).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let body = assert_problem(
        app.post_json(
            "/api/v1/me/mfa/totp/confirm",
            Some(&officer.token),
            &json!({"code": wrong}),
        )
        .await,
        422,
        "invalid_code",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "code");
    let (totp, codes) = enrol(&app, &officer).await;
    assert_eq!(codes.len(), 10);
    assert_problem(
        app.post_json(
            "/api/v1/me/mfa/totp/confirm",
            Some(&officer.token),
            &json!({"code": totp.generate(now())}),
        )
        .await,
        409,
        "already_enrolled",
    )
    .await;

    steady_step().await;
    let token = password_step(&app, &officer.email).await;
    // the code confirmed at enrolment (the previous step) is spent: no replay
    assert_problem(
        code_step(&app, &token, &totp.generate(now() - 30)).await,
        422,
        "invalid_code",
    )
    .await;
    // two steps ahead is outside the window
    assert_problem(
        code_step(&app, &token, &totp.generate(now() + 60)).await,
        422,
        "invalid_code",
    )
    .await;
    // a phone 30 s ahead is inside it
    let code = totp.generate(now() + 30);
    let response = code_step(&app, &token, &code).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_some());
    let session: Value = response.json().await.unwrap();
    let session_token = session["token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/me", Some(session_token)).await.status(),
        200
    );
    // the token of a completed sign-in is spent
    assert_problem(
        code_step(&app, &token, &totp.generate(now())).await,
        422,
        "invalid_token",
    )
    .await;
    // the same code again, in a new sign-in, is refused; so is the current one (older)
    let again = password_step(&app, &officer.email).await;
    assert_problem(code_step(&app, &again, &code).await, 422, "invalid_code").await;
    assert_problem(
        code_step(&app, &again, &totp.generate(now())).await,
        422,
        "invalid_code",
    )
    .await;
}

#[tokio::test]
async fn recovery_codes_sign_in_once_each() {
    let app = spawn_app().await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (_, codes) = enrol(&app, &supervisor).await;
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    // stored only as HMACs
    let stored: Vec<String> = app
        .ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::recovery_codes::dsl::*;
            Ok(recovery_codes.select(code_hash).load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(codes.iter().all(|c| !stored.contains(c)));

    let token = password_step(&app, &supervisor.email).await;
    // typed in capitals with spaces instead of the dash
    let typed = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(code_step(&app, &token, &typed).await.status(), 200);
    let token = password_step(&app, &supervisor.email).await;
    assert_problem(
        code_step(&app, &token, &codes[0]).await,
        422,
        "invalid_code",
    )
    .await;
    assert_eq!(code_step(&app, &token, &codes[1]).await.status(), 200);
}

#[tokio::test]
async fn codes_are_throttled_and_a_stale_sign_in_expires() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    enrol(&app, &officer).await;
    let token = password_step(&app, &officer.email).await;
    // ten codes at once per account (the enrolment's first code was one of them)
    for _ in 0..9 {
        assert_problem(
            code_step(&app, &token, "zzzzz-zzzzz").await,
            422,
            "invalid_code",
        )
        .await;
    }
    let response = code_step(&app, &token, "zzzzz-zzzzz").await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "too_many_requests").await;

    let other = app.user(Role::Officer, None).await;
    let (totp, _) = enrol(&app, &other).await;
    let token = password_step(&app, &other.email).await;
    app.sql("UPDATE mfa_challenges SET expires_at = created_at")
        .await;
    let body = assert_problem(
        code_step(&app, &token, &totp.generate(now() + 30)).await,
        422,
        "invalid_token",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "mfa_token");
}

#[tokio::test]
async fn with_desk_mfa_required_a_desk_account_without_a_factor_can_only_enrol() {
    let app = spawn_app_configured(Default::default(), |c| c.desk_mfa = DeskMfa::Required).await;
    let officer = app.user(Role::Officer, None).await;
    let me: Value = app
        .get("/api/v1/me", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["mfa_enrolment_required"], true);
    assert_problem(
        app.get("/api/v1/cases", Some(&officer.token)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/sponsors", Some(&officer.token)).await,
        403,
        "forbidden",
    )
    .await;
    // the pages send it to the enrolment page
    let mut browser = Browser::signed_in(&app, &officer.token);
    let desk = browser.get("/desk").await;
    assert_eq!((desk.status, desk.location.as_str()), (303, "/account/mfa"));
    let page = browser.get("/account/mfa").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"mfa-required\""));
    // employers are not held to it
    let employer = app.register_sponsor(None).await.employer;
    assert_eq!(
        app.get("/api/v1/cases", Some(&employer.token))
            .await
            .status(),
        200
    );

    enrol(&app, &officer).await;
    // the same session may work now
    assert_eq!(
        app.get("/api/v1/cases", Some(&officer.token))
            .await
            .status(),
        200
    );
    let me: Value = app
        .get("/api/v1/me", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["mfa_enrolment_required"], false);

    // optional: a desk account without a factor works (the default of the other tests)
    let relaxed = spawn_app().await;
    let officer = relaxed.user(Role::Officer, None).await;
    assert_eq!(
        relaxed
            .get("/api/v1/cases", Some(&officer.token))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_administrator_resets_a_lost_factor_with_a_reason() {
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None).await;
    let officer = app.user(Role::Officer, None).await;
    enrol(&app, &officer).await;
    let path = format!("/api/v1/users/{}/mfa/reset", officer.id);
    let body = assert_problem(
        app.post_json(&path, Some(&admin.token), &json!({"reason": " "}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "reason");
    assert_problem(
        app.post_json(&path, Some(&officer.token), &json!({"reason": "mine"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let response = app
        .post_json(
            &path,
            Some(&admin.token),
            &json!({"reason": "phone lost on 29 November"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["second_factor"], false);
    assert_problem(
        app.get("/api/v1/me", Some(&officer.token)).await,
        401,
        "unauthenticated",
    )
    .await;
    // the password alone signs in again (and it can enrol anew)
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": officer.email, "password": PASSWORD}),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert!(body["token"].is_string(), "{body}");
    let summaries: Vec<String> = app
        .ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::audit_log::dsl::*;
            Ok(audit_log
                .filter(action.eq("account.second_factor_reset"))
                .select(summary)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(summaries.len(), 1);
    assert!(summaries[0].contains("phone lost on 29 November"));
}

#[tokio::test]
async fn the_pages_enrol_and_sign_in_with_a_code_in_korean() {
    let app = spawn_app_configured(Default::default(), |c| c.desk_mfa = DeskMfa::Required).await;
    let officer = app.create_user(Role::Officer, None).await;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("ko");
    let login = browser.get("/login").await;
    let signed = browser
        .post(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("email", &officer.email),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(
        (signed.status, signed.location.as_str()),
        (303, "/account/mfa")
    );
    let page = browser.get("/account/mfa").await;
    assert!(page.body.contains("2단계 인증"));
    let started = browser
        .post("/account/mfa/totp", &[("csrf", &page.csrf())])
        .await;
    assert_eq!(started.status, 200);
    let marker = "id=\"totp-secret\">";
    let at = started.body.find(marker).unwrap() + marker.len();
    let secret = started.body[at..].split('<').next().unwrap().to_owned();
    let totp = app_for(&secret);
    // a mistyped first code shows the same key again
    let mistyped = browser
        .post(
            "/account/mfa/totp/confirm",
            &[("csrf", &page.csrf()), ("code", "12345x")],
        )
        .await;
    assert_eq!(mistyped.status, 422);
    assert!(mistyped
        .body
        .contains(&format!("id=\"totp-secret\">{secret}<")));
    steady_step().await;
    let confirmed = browser
        .post(
            "/account/mfa/totp/confirm",
            &[("csrf", &page.csrf()), ("code", &totp.generate(now()))],
        )
        .await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(confirmed.body.matches("<li><code>").count(), 10);
    assert!(confirmed.body.contains("복구 코드"));
    assert_eq!(browser.get("/desk").await.status, 200);

    // a second browser: password, then the code form
    let mut other = Browser::new(&app);
    other.accept_language = Some("ko");
    let login = other.get("/login").await;
    let asked = other
        .post(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("email", &officer.email),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("인증 코드 입력"));
    assert!(other.cookie("kitdesk_session").is_none());
    let mfa_token = asked.hidden("mfa_token");
    let wrong = other
        .post(
            "/login/mfa",
            &[
                ("csrf", &asked.csrf()),
                ("mfa_token", &mfa_token),
                ("code", "000000x"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("코드가 틀렸거나"));
    let done = other
        .post(
            "/login/mfa",
            &[
                ("csrf", &asked.csrf()),
                ("mfa_token", &mfa_token),
                ("code", &totp.generate(now() + 30)),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(
        (done.status, done.location.as_str()),
        (303, "/desk"),
        "{}",
        done.body
    );
    assert!(other.cookie("kitdesk_session").is_some());
}
