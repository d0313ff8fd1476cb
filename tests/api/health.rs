//! Probes, metrics, and migrations on an empty database.

use crate::helpers::{assert_problem, spawn_app, TestDb};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn metrics_report_requests_by_route_and_the_pool() {
    let app = spawn_app().await;
    app.get("/healthz", None).await;
    let body = app.get("/metrics", None).await.text().await.unwrap();
    assert!(body.contains("http_requests_total{"), "{body}");
    assert!(body.contains("route=\"/healthz\""), "{body}");
    assert!(
        body.contains("http_request_duration_seconds_bucket"),
        "{body}"
    );
    assert!(body.contains("db_pool_connections"), "{body}");
}

#[tokio::test]
async fn unknown_routes_are_problem_json() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/nothing-here", None).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_once() {
    let db = tokio::task::spawn_blocking(TestDb::empty).await.unwrap();
    let url = db.url();
    let (first, second) = tokio::task::spawn_blocking(move || {
        let pool = kitdesk::db::connect(&url, &kitdesk::db::PoolOptions::for_url(&url)).unwrap();
        let mut conn = pool.get().unwrap();
        let first = kitdesk::db::run_migrations(&mut conn).unwrap();
        let second = kitdesk::db::run_migrations(&mut conn).unwrap();
        (first, second)
    })
    .await
    .unwrap();
    assert!(first >= 1);
    assert_eq!(second, 0);
    drop(db);
}

#[tokio::test]
async fn openapi_documents_every_route_and_the_docs_page_is_served() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut missing = Vec::new();
    for (method, path) in kitdesk::http::API_ROUTES {
        let full = format!("/api/v1{path}");
        if paths.get(&full).and_then(|p| p.get(*method)).is_none() {
            missing.push(format!("{method} {full}"));
        }
    }
    assert!(missing.is_empty(), "undocumented routes: {missing:?}");
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("cdn"),
        "the docs page must not load from a CDN"
    );
}
