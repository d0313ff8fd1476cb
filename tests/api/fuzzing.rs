//! Regressions found by the API fuzzing (`scripts/fuzz`, schemathesis against the OpenAPI
//! document). Each test names the finding it pins down.

use kitdesk::domain::Role;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

/// Routes that answer without a session.
const OPEN: &[&str] = &["/auth/login", "/sponsors/register", "/status"];

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
