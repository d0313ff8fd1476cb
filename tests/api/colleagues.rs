//! Colleagues over HTTP: a manager invites, the colleague accepts from the mailed link (API
//! and page), rights decide who files and who manages, managers disable and re-enable, and a
//! sponsor never loses its last manager.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::account_support::{
    assert_korean_then_english, link_token, spawn_app_with_quick_mail, wait_for_mails, Browser,
};
use crate::helpers::{assert_problem, worker, TestApp, TestSponsor, TestUser, PASSWORD};

const LINK: &str = "https://kitdesk.test/invitations/accept?token=";

fn address() -> String {
    format!(
        "colleague-{}@hanbit.example.com",
        uuid::Uuid::new_v4().simple()
    )
}

async fn invite(
    app: &TestApp,
    manager: &TestUser,
    sponsor: &str,
    email: &str,
    rights: Value,
) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/sponsors/{sponsor}/invitations"),
        Some(&manager.token),
        &json!({"email": email, "rights": rights}),
    )
    .await
}

async fn accept(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/invitations/accept",
        None,
        &json!({"token": token, "password": PASSWORD, "display_name": name}),
    )
    .await
}

/// Invites `email` with `rights`, accepts from the mail and signs the colleague in.
pub(crate) async fn colleague(app: &TestApp, sponsor: &TestSponsor, rights: Value) -> TestUser {
    let email = address();
    let response = invite(app, &sponsor.employer, &sponsor.id, &email, rights).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let mails = wait_for_mails(app, &email, 1).await;
    let token = link_token(&mails[0].text, LINK);
    let response = accept(app, &token, "Lee Seoyeon").await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let user: Value = response.json().await.unwrap();
    let token = app.login(&email, PASSWORD).await;
    TestUser {
        id: user["id"].as_str().unwrap().to_owned(),
        email,
        role: Role::Employer,
        token,
        sponsor_id: Some(sponsor.id.clone()),
    }
}

async fn patch_user(
    app: &TestApp,
    manager: &TestUser,
    sponsor: &str,
    user: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/sponsors/{sponsor}/users/{user}")))
        .bearer_auth(&manager.token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invited_colleague_joins_from_the_mailed_link_with_the_rights_given() {
    let app = spawn_app_with_quick_mail().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let email = address();
    let response = invite(
        &app,
        &sponsor.employer,
        &sponsor.id,
        &email.to_uppercase(),
        json!(["file"]),
    )
    .await;
    assert_eq!(response.status(), 201);
    let invitation: Value = response.json().await.unwrap();
    assert_eq!(invitation["rights"], json!(["file"]));
    assert!(invitation.get("token").is_none() && invitation.get("token_hash").is_none());
    let created =
        chrono::DateTime::parse_from_rfc3339(invitation["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(invitation["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_hours(), 72);

    let mails = wait_for_mails(&app, &email.to_uppercase(), 1).await;
    let mail = &mails[0];
    assert_korean_then_english(mail);
    assert!(
        mail.subject.contains("한빛배터리시스템"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("신청 제출") && mail.text.contains("filing cases"));
    assert!(mail.text.contains("KST"));
    let token = link_token(&mail.text, LINK);

    let response = accept(&app, &token, "  Lee   Seoyeon ").await;
    assert_eq!(response.status(), 201);
    let joined: Value = response.json().await.unwrap();
    assert_eq!(joined["role"], "employer");
    assert_eq!(joined["sponsor_id"], sponsor.id.as_str());
    assert_eq!(joined["rights"], json!(["file"]));
    assert_eq!(joined["display_name"], "Lee Seoyeon");
    // once only
    let body = assert_problem(
        accept(&app, &token, "Someone Else").await,
        422,
        "invalid_token",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "token");

    // a filer files, but does not manage
    let token = app.login(&email, PASSWORD).await;
    let response = app
        .post_json(
            "/api/v1/filings",
            Some(&token),
            &json!({"project_id": project, "workers": [worker(1)]}),
        )
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let filer = TestUser {
        id: joined["id"].as_str().unwrap().to_owned(),
        email: email.clone(),
        role: Role::Employer,
        token,
        sponsor_id: Some(sponsor.id.clone()),
    };
    assert_problem(
        invite(&app, &filer, &sponsor.id, &address(), json!([])).await,
        403,
        "forbidden",
    )
    .await;

    let users: Value = app
        .get(
            &format!("/api/v1/sponsors/{}/users", sponsor.id),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let items = users["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["rights"], json!(["file", "manage"]));
    assert_eq!(items[1]["rights"], json!(["file"]));
}

#[tokio::test]
async fn expired_invitations_are_refused_and_a_reader_cannot_file() {
    let app = spawn_app_with_quick_mail().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let email = address();
    assert_eq!(
        invite(&app, &sponsor.employer, &sponsor.id, &email, json!([]))
            .await
            .status(),
        201
    );
    let first = link_token(&wait_for_mails(&app, &email, 1).await[0].text, LINK);
    // 73 hours later
    app.sql("UPDATE invitations SET expires_at = created_at")
        .await;
    let pending: Value = app
        .get(
            &format!("/api/v1/sponsors/{}/invitations", sponsor.id),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["items"][0]["expired"], true);
    assert_problem(
        accept(&app, &first, "Park Jiho").await,
        422,
        "invalid_token",
    )
    .await;
    assert_eq!(
        app.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": PASSWORD})
        )
        .await
        .status(),
        401
    );

    // invited again: the new link works, the old one still does not
    assert_eq!(
        invite(&app, &sponsor.employer, &sponsor.id, &email, json!([]))
            .await
            .status(),
        201
    );
    let second = link_token(&wait_for_mails(&app, &email, 2).await[1].text, LINK);
    assert_ne!(first, second);
    assert_eq!(accept(&app, &second, "Park Jiho").await.status(), 201);
    let reader = app.login(&email, PASSWORD).await;
    // reads the company's cases, files nothing
    assert_eq!(app.get("/api/v1/cases", Some(&reader)).await.status(), 200);
    assert_eq!(
        app.get(&format!("/api/v1/projects/{project}"), Some(&reader))
            .await
            .status(),
        200
    );
    assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(&reader),
            &json!({"project_id": project, "workers": [worker(2)]}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // the address has an account now: inviting it again is a conflict naming the field
    let body = assert_problem(
        invite(&app, &sponsor.employer, &sponsor.id, &email, json!([])).await,
        409,
        "email_taken",
    )
    .await;
    assert_eq!(body["field"], "email");
}

#[tokio::test]
async fn managers_disable_and_re_enable_and_a_sponsor_keeps_a_manager() {
    let app = spawn_app_with_quick_mail().await;
    let first = app.register_sponsor(None).await;
    let other = app.register_sponsor(None).await;
    let officer = app.user(Role::Officer, None).await;
    let second = colleague(&app, &first, json!(["file", "manage"])).await;

    // disabling ends the colleague's sessions; enabling lets them sign in again
    let response = patch_user(
        &app,
        &first.employer,
        &first.id,
        &second.id,
        json!({"disabled": true}),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_problem(
        app.get("/api/v1/me", Some(&second.token)).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": second.email, "password": PASSWORD})
        )
        .await
        .status(),
        401
    );
    let response = patch_user(
        &app,
        &first.employer,
        &first.id,
        &second.id,
        json!({"disabled": false}),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["disabled"], false);
    let second_token = app.login(&second.email, PASSWORD).await;
    let second = TestUser {
        token: second_token,
        ..second
    };

    // the first manager hands over: gives up managing, then the second cannot
    let response = patch_user(
        &app,
        &first.employer,
        &first.id,
        &first.employer.id,
        json!({"rights": ["file"]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    // (the first's session carries its old rights no longer: it is refused at once)
    assert_problem(
        app.get(
            &format!("/api/v1/sponsors/{}/users", first.id),
            Some(&first.employer.token),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for change in [
        json!({"disabled": true}),
        json!({"rights": ["file"]}),
        json!({"rights": []}),
    ] {
        assert_problem(
            patch_user(&app, &second, &first.id, &second.id, change).await,
            409,
            "last_manager",
        )
        .await;
    }
    let users: Value = app
        .get(
            &format!("/api/v1/sponsors/{}/users", first.id),
            Some(&second.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let managers = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            u["disabled"] == false && u["rights"].as_array().unwrap().contains(&json!("manage"))
        })
        .count();
    assert_eq!(managers, 1);

    // nobody else manages this sponsor's users
    assert_problem(
        patch_user(
            &app,
            &other.employer,
            &first.id,
            &second.id,
            json!({"disabled": true}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        patch_user(
            &app,
            &officer,
            &first.id,
            &second.id,
            json!({"disabled": true}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // a user of another sponsor is not found under this one
    assert_problem(
        patch_user(
            &app,
            &second,
            &first.id,
            &other.employer.id,
            json!({"disabled": true}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // an empty change names the body
    let body = assert_problem(
        patch_user(&app, &second, &first.id, &second.id, json!({})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "body");
}

#[tokio::test]
async fn a_prime_with_a_filer_only_user_leaves_subcontractor_requests_to_its_managers() {
    let app = spawn_app_with_quick_mail().await;
    let prime = app.register_sponsor(None).await;
    let filer = colleague(&app, &prime, json!(["file"])).await;
    let sub = app.register_sponsor_unlinked(Some(&prime.id)).await;
    let path = format!("/api/v1/sponsors/{}/subcontractor-requests", prime.id);
    assert_problem(app.get(&path, Some(&filer.token)).await, 403, "forbidden").await;
    assert_problem(
        app.post_json(
            &format!("{path}/{}", sub.id),
            Some(&filer.token),
            &json!({"decision": "accept"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let listed: Value = app
        .get(&path, Some(&prime.employer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["sponsor_id"], sub.id.as_str());
}

#[tokio::test]
async fn the_colleague_pages_invite_and_accept_in_korean() {
    let app = spawn_app_with_quick_mail().await;
    let sponsor = app.register_sponsor(None).await;
    let mut manager = Browser::signed_in(&app, &sponsor.employer.token);
    manager.accept_language = Some("ko");
    let list = manager.get("/employer").await;
    assert!(list.body.contains("href=\"/employer/users\""));
    let page = manager.get("/employer/users").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("우리 회사 사용자"));
    let email = address();
    let sent = manager
        .post(
            "/employer/users/invite",
            &[("csrf", &page.csrf()), ("email", &email), ("right", "file")],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let shown = manager.get(&sent.location).await;
    assert!(shown.body.contains("초대 메일을 보냈습니다"));
    assert!(shown.body.contains(&email) && shown.body.contains("KST"));

    // disabling the only manager is refused in words
    let refused = manager
        .post(
            &format!("/employer/users/{}", sponsor.employer.id),
            &[("csrf", &page.csrf()), ("disabled", "true")],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("한 명 이상"));

    let token = link_token(&wait_for_mails(&app, &email, 1).await[0].html, LINK);
    let mut newcomer = Browser::new(&app);
    newcomer.accept_language = Some("ko");
    let form = newcomer
        .get(&format!("/invitations/accept?token={token}"))
        .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("계정 만들기"));
    let done = newcomer
        .post(
            "/invitations/accept",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("display_name", "최민서"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, "/login?msg=invitation_accepted");
    let colleague_token = app.login(&email, PASSWORD).await;
    // a filer sees no colleagues link and gets a refusal page
    let mut filer = Browser::signed_in(&app, &colleague_token);
    let dashboard = filer.get("/employer").await;
    assert!(!dashboard.body.contains("href=\"/employer/users\""));
    assert_eq!(filer.get("/employer/users").await.status, 403);
    let again = newcomer
        .post(
            "/invitations/accept",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("display_name", "최민서"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
}
