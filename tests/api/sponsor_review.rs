//! Sponsor verification over HTTP: the four-item checklist with notes and documents, verify
//! only when every item is confirmed, reject and request information with a reason, each
//! audited and mailed to the sponsor's managers in Korean and English; and the desk's page.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::account_support::{
    assert_korean_then_english, mails_to, spawn_app_with_quick_mail, wait_for_mails, Browser,
};
use crate::colleagues::colleague;
use crate::helpers::{assert_problem, TestApp, TestUser};

const ITEMS: [&str; 4] = [
    "business_registration",
    "korean_ownership",
    "treaty_investor",
    "authorised_signatory",
];

async fn put_check(
    app: &TestApp,
    officer: &TestUser,
    sponsor: &str,
    item: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/sponsors/{sponsor}/checklist/{item}")))
        .bearer_auth(&officer.token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp, subject: &str) -> Vec<(String, String)> {
    let subject = subject.to_owned();
    app.ctx
        .run(move |conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::audit_log::dsl::*;
            Ok(audit_log
                .filter(subject_id.eq(subject))
                .order(seq.asc())
                .select((action, summary))
                .load(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn only_a_complete_checklist_verifies_and_the_managers_hear_of_it() {
    let app = spawn_app_with_quick_mail().await;
    let officer = app.user(Role::Officer, None).await;
    let sponsor = app.register_sponsor(None).await;
    let filer = colleague(&app, &sponsor, json!(["file"])).await;
    let verify = format!("/api/v1/sponsors/{}/verify", sponsor.id);

    let body = assert_problem(
        app.post_json(&verify, Some(&officer.token), &Value::Null)
            .await,
        409,
        "checklist_incomplete",
    )
    .await;
    assert_eq!(body["open_items"], json!(ITEMS));

    // each finding needs its note; not applicable fits only an unclaimed treaty item; a
    // document must be this sponsor's
    let body = assert_problem(
        put_check(
            &app,
            &officer,
            &sponsor.id,
            "business_registration",
            json!({"outcome": "confirmed", "note": " "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "note");
    let body = assert_problem(
        put_check(
            &app,
            &officer,
            &sponsor.id,
            "korean_ownership",
            json!({"outcome": "not_applicable", "note": "n/a"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "outcome");
    // a document of another sponsor
    let (other_ready, other_project) = app.ready_sponsor(&officer, None).await;
    let form = reqwest::multipart::Form::new().text("kind", "other").part(
        "file",
        reqwest::multipart::Part::bytes(std::fs::read("tests/fixtures/two-pages.pdf").unwrap())
            .file_name("register.pdf"),
    );
    let uploaded: Value = app
        .client
        .post(app.url(&format!("/api/v1/projects/{other_project}/documents")))
        .bearer_auth(&other_ready.employer.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let foreign = uploaded["id"].as_str().expect("document id").to_owned();
    let body = assert_problem(
        put_check(
            &app,
            &officer,
            &sponsor.id,
            "authorised_signatory",
            json!({"outcome": "confirmed", "note": "Signed by the CEO.", "document_id": foreign}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "document_id");

    // a problem keeps it open
    let response = put_check(
        &app,
        &officer,
        &sponsor.id,
        "korean_ownership",
        json!({"outcome": "problem", "note": "The shareholder list is missing."}),
    )
    .await;
    let list: Value = response.json().await.unwrap();
    assert_eq!(list["complete"], false);
    assert_eq!(list["items"][1]["outcome"], "problem");
    assert_eq!(list["items"][1]["title_ko"], "한국인 소유 지분이 입증됨");
    for item in ITEMS {
        let response = put_check(
            &app,
            &officer,
            &sponsor.id,
            item,
            json!({"outcome": "confirmed", "note": format!("{item}: checked.")}),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    let list: Value = app
        .get(
            &format!("/api/v1/sponsors/{}/checklist", sponsor.id),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["complete"], true);
    assert_eq!(list["items"][0]["checked_by"], officer.id.as_str());

    let response = app
        .post_json(&verify, Some(&officer.token), &Value::Null)
        .await;
    assert_eq!(response.status(), 200);
    let verified: Value = response.json().await.unwrap();
    assert_eq!(verified["status"], "verified");
    // the manager is mailed in Korean and English; a colleague who only files is not
    let mails = wait_for_mails(&app, &sponsor.employer.email, 1).await;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("회사 확인 완료"))
        .expect("decision mail");
    assert!(mail.subject.contains("verified"));
    assert_korean_then_english(mail);
    assert!(mail.text.contains("https://kitdesk.test/employer"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(mails_to(&app, &filer.email)
        .iter()
        .all(|m| !m.subject.contains("회사 확인")));

    let actions = audit_actions(&app, &sponsor.id).await;
    assert_eq!(
        actions
            .iter()
            .filter(|(a, _)| a == "sponsor.check_recorded")
            .count(),
        5
    );
    assert!(actions.iter().any(|(a, _)| a == "sponsor.verified"));
    // the checklist is closed once verified
    assert_problem(
        put_check(
            &app,
            &officer,
            &sponsor.id,
            "korean_ownership",
            json!({"outcome": "problem", "note": "late"}),
        )
        .await,
        409,
        "already_verified",
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/sponsors/{}/reject", sponsor.id),
            Some(&officer.token),
            &json!({"reason": "late"}),
        )
        .await,
        409,
        "already_verified",
    )
    .await;
}

#[tokio::test]
async fn asking_for_more_and_rejecting_tell_the_managers_why() {
    let app = spawn_app_with_quick_mail().await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let sponsor = app.register_sponsor(None).await;
    let project = app.create_project(&sponsor.employer, &sponsor.id).await;
    let ask = format!("/api/v1/sponsors/{}/request-information", sponsor.id);
    let body = assert_problem(
        app.post_json(&ask, Some(&supervisor.token), &json!({"reason": ""}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "reason");
    let response = app
        .post_json(
            &ask,
            Some(&supervisor.token),
            &json!({"reason": "Send the shareholder register dated this year."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["status"],
        "information_requested"
    );
    let mails = wait_for_mails(&app, &sponsor.employer.email, 1).await;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("추가 자료 요청"))
        .expect("mail");
    assert!(mail
        .text
        .contains("Send the shareholder register dated this year."));
    assert_korean_then_english(mail);
    // the company's page says what the desk asked for, and when (Seoul time)
    let mut employer = crate::pages::Visitor::signed_in(&app, &sponsor.employer);
    let page = employer.get("/employer").await;
    let message = &page.body[page
        .body
        .find("id=\"sponsor-desk-message\"")
        .expect("the desk's message on the dashboard")..];
    assert!(message.contains("Send the shareholder register dated this year."));
    assert!(message.contains(" KST)"));
    // still no filing
    assert_problem(
        app.post_json(
            "/api/v1/filings",
            Some(&sponsor.employer.token),
            &json!({"project_id": project, "workers": [crate::helpers::worker(1)]}),
        )
        .await,
        409,
        "sponsor_not_verified",
    )
    .await;
    let response = app
        .post_json(
            &format!("/api/v1/sponsors/{}/reject", sponsor.id),
            Some(&supervisor.token),
            &json!({"reason": "The company is not Korean-owned."}),
        )
        .await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["status"],
        "rejected"
    );
    let mails = wait_for_mails(&app, &sponsor.employer.email, 2).await;
    assert!(mails
        .iter()
        .any(|m| m.subject.contains("회사 확인 거절") && m.text.contains("not Korean-owned")));
    let list: Value = app
        .get(
            &format!("/api/v1/sponsors/{}/checklist", sponsor.id),
            Some(&supervisor.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["status"], "rejected");
    assert_eq!(list["decision_reason"], "The company is not Korean-owned.");
    let actions = audit_actions(&app, &sponsor.id).await;
    let rejected = actions
        .iter()
        .find(|(a, _)| a == "sponsor.rejected")
        .expect("audited");
    assert!(rejected.1.contains("not Korean-owned"));
    assert!(actions
        .iter()
        .any(|(a, _)| a == "sponsor.information_requested"));
}

#[tokio::test]
async fn the_desk_works_the_checklist_on_its_page_in_korean() {
    let app = spawn_app_with_quick_mail().await;
    let officer = app.user(Role::Officer, None).await;
    let sponsor = app.register_sponsor(None).await;
    let mut desk = Browser::signed_in(&app, &officer.token);
    desk.accept_language = Some("ko");
    let list = desk.get("/desk/sponsors").await;
    assert!(list
        .body
        .contains(&format!("href=\"/desk/sponsors/{}\"", sponsor.id)));
    let path = format!("/desk/sponsors/{}", sponsor.id);
    let page = desk.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("스폰서 확인") && page.body.contains("사업자등록번호가 확인됨"));
    let early = desk
        .post(&format!("{path}/verify"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(early.location, format!("{path}?msg=checklist_incomplete"));
    assert!(desk
        .get(&early.location)
        .await
        .body
        .contains("먼저 모든 확인 항목을"));
    for item in ITEMS {
        let saved = desk
            .post(
                &format!("{path}/checklist/{item}"),
                &[
                    ("csrf", &page.csrf()),
                    ("outcome", "confirmed"),
                    ("note", "등기부등본으로 확인"),
                    ("document_id", ""),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let done = desk
        .post(&format!("{path}/verify"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(done.location, "/desk/sponsors?msg=verified");
    // an employer or an admin does not get the page
    let mut employer = Browser::signed_in(&app, &sponsor.employer.token);
    assert_eq!(employer.get(&path).await.status, 403);
}
