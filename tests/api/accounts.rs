//! Accounts and sessions: sign in, sign out, session lifetimes, user administration by role,
//! throttling.

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, PASSWORD};

#[tokio::test]
async fn login_returns_token_user_and_cookie() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Officer, None).await;

    // the address is matched without regard to case
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": user.email.to_uppercase(), "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.starts_with("kitdesk_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert_eq!(body["user"]["id"], user.id);
    assert_eq!(body["user"]["email"], user.email);
    assert_eq!(body["user"]["role"], "officer");
    assert_eq!(body["user"]["sponsor_id"], Value::Null);

    let me: Value = app
        .get("/api/v1/me", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], user.id);

    // the cookie alone authenticates too (what browsers send)
    let cookie_value = cookie.split(';').next().unwrap().to_owned();
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie_value)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Officer, None).await;
    let wrong_password = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": user.email, "password": "not the password"}),
        )
        .await;
    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@example.com", "password": "not the password"}),
        )
        .await;
    let b = assert_problem(unknown, 401, "invalid_credentials").await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn the_token_is_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let user = app.user(Role::Officer, None).await;
    let hash = kitdesk::service::accounts::token_hash(&user.token);
    let token = user.token.clone();
    let (with_token, with_hash) = app
        .ctx
        .run(move |conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::sessions;
            let by_token: i64 = sessions::table
                .filter(sessions::token_hash.eq(&token))
                .count()
                .get_result(conn)?;
            let by_hash: i64 = sessions::table
                .filter(sessions::token_hash.eq(&hash))
                .count()
                .get_result(conn)?;
            Ok((by_token, by_hash))
        })
        .await
        .unwrap();
    assert_eq!((with_token, with_hash), (0, 1));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let user = app.user(Role::Supervisor, None).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let after = app.get("/api/v1/me", Some(&user.token)).await;
    assert_problem(after, 401, "unauthenticated").await;
}

/// Backdates a session's last use, as if time had passed.
async fn set_last_seen(app: &TestApp, token_hash: &str, at: chrono::NaiveDateTime) {
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = '{}' WHERE token_hash = '{token_hash}'",
        at.format("%Y-%m-%d %H:%M:%S")
    ))
    .await;
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() {
    let app = spawn_app().await;
    let idle = app.user(Role::Officer, None).await;
    let old = app.user(Role::Officer, None).await;
    let fresh = app.user(Role::Officer, None).await;
    let idle_hash = kitdesk::service::accounts::token_hash(&idle.token);
    let old_hash = kitdesk::service::accounts::token_hash(&old.token);
    let now = chrono::Utc::now().naive_utc();
    // idle for 31 minutes
    set_last_seen(&app, &idle_hash, now - chrono::Duration::minutes(31)).await;
    // active a minute ago, but its absolute 12 hours are over
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = '{}', created_at = '{}', expires_at = '{}' WHERE token_hash = '{old_hash}'",
        (now - chrono::Duration::minutes(1)).format("%Y-%m-%d %H:%M:%S"),
        (now - chrono::Duration::hours(12)).format("%Y-%m-%d %H:%M:%S"),
        (now - chrono::Duration::seconds(1)).format("%Y-%m-%d %H:%M:%S"),
    ))
    .await;
    assert_problem(
        app.get("/api/v1/me", Some(&idle.token)).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_problem(
        app.get("/api/v1/me", Some(&old.token)).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/me", Some(&fresh.token)).await.status(),
        200
    );
}

#[tokio::test]
async fn a_session_in_use_stays_alive() {
    let app = spawn_app().await;
    let user = app.user(Role::Officer, None).await;
    let hash = kitdesk::service::accounts::token_hash(&user.token);
    let now = chrono::Utc::now().naive_utc();
    // last seen 29 minutes ago: still alive, and this request renews it
    set_last_seen(&app, &hash, now - chrono::Duration::minutes(29)).await;
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).await.status(), 200);
    let h = hash.clone();
    let last_seen = app
        .ctx
        .run(move |conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::sessions;
            Ok(sessions::table
                .find(&h)
                .select(sessions::last_seen_at)
                .first::<chrono::NaiveDateTime>(conn)?)
        })
        .await
        .unwrap();
    assert!(now - last_seen < chrono::Duration::minutes(1));
}

#[tokio::test]
async fn a_session_due_for_a_touch_is_touched_once() {
    let app = spawn_app().await;
    let user = app.user(Role::Officer, None).await;
    let hash = kitdesk::service::accounts::token_hash(&user.token);
    let now = chrono::Utc::now().naive_utc();
    set_last_seen(&app, &hash, now - chrono::Duration::minutes(5)).await;
    // Two requests that both found the session due (last seen before the cutoff): the first
    // records the use, the second finds the row fresh and changes nothing.
    let cutoff = now - chrono::Duration::minutes(1);
    let changed = app
        .ctx
        .run(move |conn, _| {
            let first = kitdesk::db::sessions::touch(conn, &hash, now, cutoff)?;
            let second = kitdesk::db::sessions::touch(
                conn,
                &hash,
                now + chrono::Duration::milliseconds(5),
                cutoff,
            )?;
            Ok((first, second))
        })
        .await
        .unwrap();
    assert_eq!(changed, (1, 0));
}

#[tokio::test]
async fn garbage_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    for token in [
        "",
        "x",
        &"a".repeat(500),
        "not-a-real-token-but-long-enough-to-look-like-one",
    ] {
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, "unauthenticated").await;
    }
    assert_problem(app.get("/api/v1/me", None).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn only_admins_manage_users() {
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let officer = app.user(Role::Officer, None).await;
    let new_user =
        json!({"email": "new.officer@example.com", "password": PASSWORD, "role": "officer"});

    for who in [&supervisor, &officer] {
        let response = app
            .post_json("/api/v1/users", Some(&who.token), &new_user)
            .await;
        assert_problem(response, 403, "forbidden").await;
        assert_problem(
            app.get("/api/v1/users", Some(&who.token)).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_problem(
        app.post_json("/api/v1/users", None, &new_user).await,
        401,
        "unauthenticated",
    )
    .await;

    let response = app
        .post_json("/api/v1/users", Some(&admin.token), &new_user)
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["role"], "officer");
    assert!(created.get("password_hash").is_none());

    let list: Value = app
        .get("/api/v1/users", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert!(emails.contains(&"new.officer@example.com"));

    // the new user can sign in
    app.login("new.officer@example.com", PASSWORD).await;

    // the same address in another case is taken
    let again =
        json!({"email": "NEW.Officer@example.com", "password": PASSWORD, "role": "officer"});
    assert_problem(
        app.post_json("/api/v1/users", Some(&admin.token), &again)
            .await,
        409,
        "email_taken",
    )
    .await;
}

#[tokio::test]
async fn user_creation_validates_each_field() {
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None).await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD, "role": "officer"}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "password": "short", "role": "officer"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": "password123", "role": "officer"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": "x".repeat(129), "role": "officer"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "role": "root"}),
            "role",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "role": "employer"}),
            "sponsor_id",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "role": "officer", "sponsor_id": "abc"}),
            "sponsor_id",
        ),
        (
            json!({"email": 42, "password": PASSWORD, "role": "officer"}),
            "email",
        ),
        (json!({"password": PASSWORD, "role": "officer"}), "email"),
    ];
    for (body, field) in cases {
        let response = app
            .post_json("/api/v1/users", Some(&admin.token), &body)
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{body} → {problem}");
    }
    // malformed JSON and the wrong content type
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "malformed_json").await;
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported_media_type").await;
    // nothing was written
    let list: Value = app
        .get("/api/v1/users", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None).await;
    let officer = app.user(Role::Officer, None).await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", officer.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_problem(
        app.get("/api/v1/me", Some(&officer.token)).await,
        401,
        "unauthenticated",
    )
    .await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": officer.email, "password": PASSWORD}),
        )
        .await;
    assert_problem(login, 401, "invalid_credentials").await;
    // an admin cannot lock themselves out
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", admin.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "cannot_disable_self").await;
    // unknown and malformed ids are 404
    assert_problem(
        app.get("/api/v1/users/not-a-uuid", Some(&admin.token))
            .await,
        404,
        "not_found",
    )
    .await;
    let unknown = format!("/api/v1/users/{}", uuid::Uuid::new_v4());
    assert_problem(
        app.get(&unknown, Some(&admin.token)).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address_but_the_user_can_sign_in_elsewhere() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Officer, None).await;
    let attacker = app.client_from(11);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let response = attacker
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": user.email, "password": "guess guess guess"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let retry: u64 = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .expect("Retry-After in seconds");
            assert!((1..=60).contains(&retry), "{retry}");
            assert_problem(response, 429, "too_many_requests").await;
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // even the right password is refused from the throttled address…
    let response = attacker
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": user.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    // …but the user signs in from their own machine
    let response = app
        .client_from(12)
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": user.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_subcontractor_is_linked_only_once_its_prime_accepts() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (prime, _) = app.ready_sponsor(&officer, None).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let sub = app.register_sponsor_unlinked(Some(&prime.id)).await;
    // not linked yet: the prime reads nothing of it
    assert_problem(
        app.get(
            &format!("/api/v1/sponsors/{}", sub.id),
            Some(&prime.employer.token),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let me: serde_json::Value = app
        .get(
            &format!("/api/v1/sponsors/{}", sub.id),
            Some(&sub.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["prime_sponsor_id"], serde_json::Value::Null);
    // a registration naming no sponsor at all answers exactly the same
    let ghost = app
        .post_json(
            "/api/v1/sponsors/register",
            None,
            &app.sponsor_body(Some(&uuid::Uuid::now_v7().to_string())),
        )
        .await;
    assert_eq!(ghost.status(), 202);
    // the prime sees the request; nobody else does
    let path = format!("/api/v1/sponsors/{}/subcontractor-requests", prime.id);
    let requests: serde_json::Value = app
        .get(&path, Some(&prime.employer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(requests["items"].as_array().unwrap().len(), 1);
    assert_eq!(requests["items"][0]["sponsor_id"], sub.id);
    assert_problem(
        app.get(&path, Some(&other.employer.token)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&path, Some(&sub.employer.token)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get(&path, Some(&officer.token)).await, 403, "forbidden").await;
    // the subcontractor cannot accept itself into the prime
    let decide = format!("{path}/{}", sub.id);
    assert_problem(
        app.post_json(
            &decide,
            Some(&sub.employer.token),
            &json!({"decision": "accept"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let accepted: serde_json::Value = app
        .post_json(
            &decide,
            Some(&prime.employer.token),
            &json!({"decision": "accept"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accepted["prime_sponsor_id"], prime.id);
    let read = app
        .get(
            &format!("/api/v1/sponsors/{}", sub.id),
            Some(&prime.employer.token),
        )
        .await;
    assert_eq!(read.status(), 200);
    // answered once
    assert_problem(
        app.post_json(
            &decide,
            Some(&prime.employer.token),
            &json!({"decision": "decline"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // a declined request leaves no link
    let declined = app.register_sponsor_unlinked(Some(&prime.id)).await;
    let answered: serde_json::Value = app
        .post_json(
            &format!("{path}/{}", declined.id),
            Some(&prime.employer.token),
            &json!({"decision": "decline"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answered["prime_sponsor_id"], serde_json::Value::Null);
}
