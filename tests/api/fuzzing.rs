//! Regressions found by the API fuzzing (`scripts/fuzz`, schemathesis against the OpenAPI
//! document). Each test names the finding it pins down.

use kitdesk::domain::Role;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

/// Routes that answer without a session.
const OPEN: &[&str] = &[
    "/auth/login",
    "/sponsors/register",
    "/status",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
    "/auth/mfa",
    "/auth/mfa/passkey/begin",
    "/auth/mfa/passkey/finish",
    "/invitations/accept",
    "/verify/{token}",
    "/public/training",
];

fn concrete(template: &str) -> String {
    template
        .replace("{id}", "0193a6d4-0c4f-7b36-9c1e-5f0d2b8a4e21")
        .replace("{route}", "E4-PWK")
        .replace("{fy}", "2027")
}

/// Finding: with a session token that is not valid (expired, signed out, made up), a request
/// whose body or query string was also malformed got that complaint (422, 400, 415) instead
/// of 401 — actix polls a handler's extractors together, and the body's error was ready while
/// the session lookup still waited on the database. So a caller with no session could probe
/// how each route validates its input. Every route that needs a session must answer 401 first.
#[tokio::test]
async fn a_bad_session_is_reported_before_a_bad_body_or_query() {
    let app = spawn_app().await;
    // A real session, then ended: the token is well-formed but no longer valid.
    let user = app.user(Role::Admin, None).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&user.token)
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 204);

    for (method, template) in kitdesk::http::API_ROUTES {
        if OPEN.contains(template) {
            continue;
        }
        let url = app.url(&format!(
            "/api/v1{}?limit=not-a-number&no_such_parameter=1",
            concrete(template)
        ));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let bodies: [(&str, &str); 3] = [
            ("application/json", r#"{"no_such_field": 1}"#),
            ("application/json", "{not json"),
            ("text/plain", "plain text"),
        ];
        for (content_type, body) in bodies {
            // A few rounds: the old behaviour depended on which extractor finished first.
            for _ in 0..3 {
                let response = app
                    .client
                    .request(method.clone(), &url)
                    .bearer_auth(&user.token)
                    .header("content-type", content_type)
                    .header("if-match", "\"1\"")
                    .body(body)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(
                    response.status(),
                    401,
                    "{method} {template} with {content_type} {body:?}"
                );
            }
        }
    }
    // The same holds for a token that never existed, sent as the cookie.
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .header("cookie", "kitdesk_session=made-up")
        .json(&json!({"no_such_field": 1}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 401, "unauthenticated").await;
}

/// Finding: the document said `string` and `integer` where the service accepts a few values
/// or a range, so the fuzzer's "valid" requests were mostly 422s and never reached the
/// handlers' real work. The document now states the limits, from the validation's own
/// constants; here each documented value is accepted and a step past each bound refused.
#[tokio::test]
async fn the_documented_input_limits_are_the_enforced_ones() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let query = |path: &str, name: &str| -> serde_json::Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} ?{name} undocumented"))["schema"]
            .clone()
    };
    let strings = |schema: &serde_json::Value| -> Vec<String> {
        schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no enum in {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let officer = app.user(Role::Officer, None).await;
    let admin = app.user(Role::Admin, None).await;

    for (name, values) in [
        ("status", strings(&query("/api/v1/cases", "status"))),
        ("route", strings(&query("/api/v1/cases", "route"))),
    ] {
        assert!(!values.is_empty());
        for value in values {
            let response = app
                .get(
                    &format!("/api/v1/cases?{name}={value}"),
                    Some(&officer.token),
                )
                .await;
            assert_eq!(response.status(), 200, "?{name}={value}");
        }
    }
    for (path, token) in [
        ("/api/v1/cases", &officer.token),
        ("/api/v1/outbox", &admin.token),
    ] {
        let limit = query(path, "limit");
        let (min, max) = (
            limit["minimum"].as_i64().unwrap(),
            limit["maximum"].as_i64().unwrap(),
        );
        for (value, status) in [(min, 200), (max, 200), (min - 1, 422), (max + 1, 422)] {
            let response = app.get(&format!("{path}?limit={value}"), Some(token)).await;
            assert_eq!(response.status(), status, "{path}?limit={value}");
        }
    }
    for state in strings(&query("/api/v1/outbox", "state")) {
        let response = app
            .get(&format!("/api/v1/outbox?state={state}"), Some(&admin.token))
            .await;
        assert_eq!(response.status(), 200, "?state={state}");
    }

    let project = &doc["components"]["schemas"]["NewProject"]["properties"];
    let (sponsor, _) = app.ready_sponsor(&officer, None).await;
    let states = strings(&project["state"]);
    let mut create = Vec::new();
    for sector in strings(&project["sector"]) {
        create.push((sector, states[0].clone(), 201));
    }
    create.push(("energy".into(), states.last().unwrap().clone(), 201));
    create.push(("energy".into(), "ZZ".into(), 422));
    create.push(("no-such-sector".into(), "GA".into(), 422));
    for (sector, state, status) in create {
        let response = app
            .post_json(
                &format!("/api/v1/sponsors/{}/projects", sponsor.id),
                Some(&sponsor.employer.token),
                &json!({
                    "name": "Ellabell battery plant, line 3",
                    "worksite_address": "1 Metaplant Way, Ellabell",
                    "state": state,
                    "sector": sector,
                    "investment_usd": 0,
                    "equipment_purchased_abroad": true,
                    "contract_requires_seller_services": true
                }),
            )
            .await;
        assert_eq!(response.status(), status, "sector {sector}, state {state}");
    }
}

/// Finding (schemathesis' `unsupported_method` check): a method a path does not have — TRACE
/// /api/v1/users, DELETE /api/v1/cases/{id}/notes — answered 404, as if the path did not
/// exist; PATCH /api/v1/sponsors/register reached `PATCH /sponsors/{id}` (401 or 404). It is
/// 405 with `Allow` naming the methods the path has; unknown paths stay 404.
#[tokio::test]
async fn a_method_the_path_lacks_is_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("TRACE", "/api/v1/users", "GET, POST"),
        (
            "DELETE",
            "/api/v1/cases/0193a6d4-0c4f-7b36-9c1e-5f0d2b8a4e21/notes",
            "GET, POST",
        ),
        ("PUT", "/api/v1/sponsors/anything", "GET, PATCH"),
        ("GET", "/api/v1/auth/login", "POST"),
        // A literal path beside a template (`/sponsors/{id}`) keeps to its own methods.
        ("PATCH", "/api/v1/sponsors/register", "POST"),
        ("GET", "/api/v1/sponsors/register", "POST"),
        ("POST", "/api/v1/cases/counts", "GET"),
        ("TRACE", "/healthz", "GET"),
        ("POST", "/metrics", "GET"),
    ] {
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.headers().get("allow").map(|v| v.to_str().unwrap()),
            Some(allow),
            "{method} {path}"
        );
        assert_problem(response, 405, "method_not_allowed").await;
    }
    assert_problem(
        app.client
            .delete(app.url("/api/v1/no-such-thing"))
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
}

/// Finding (schemathesis' `negative_data_rejection` check): `GET /api/v1/cases?sponsor_id=null`
/// answered 200 with an empty page, though the filter is a sponsor id; and an id in upper case
/// found nothing either. A filter that is not a UUID is 422; a UUID is compared in the stored
/// form.
#[tokio::test]
async fn the_queue_sponsor_filter_is_a_uuid() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    app.file(&sponsor.employer, &project, 1).await;
    let response = app
        .get("/api/v1/cases?sponsor_id=null", Some(&officer.token))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "sponsor_id", "{problem}");
    for id in [sponsor.id.clone(), sponsor.id.to_uppercase()] {
        for token in [&officer.token, &sponsor.employer.token] {
            let page: serde_json::Value = app
                .get(&format!("/api/v1/cases?sponsor_id={id}"), Some(token))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(page["items"].as_array().unwrap().len(), 1, "{id}: {page}");
        }
    }
}
