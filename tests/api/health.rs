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
async fn quiet_time_closes_idle_sqlite_connections_but_one_and_opens_none() {
    use diesel::connection::SimpleConnection;
    let db = tokio::task::spawn_blocking(TestDb::empty).await.unwrap();
    let url = db.url();
    let sqlite = matches!(url, kitdesk::db::DbUrl::Sqlite(_));
    tokio::task::spawn_blocking(move || {
        let pool = kitdesk::db::connect(&url, &kitdesk::db::PoolOptions::for_url(&url)).unwrap();
        kitdesk::db::run_migrations(&mut pool.get().unwrap()).unwrap();
        // Three connections at once, each reading pages into its cache.
        let mut held: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
        for conn in &mut held {
            conn.batch_execute("SELECT count(*) FROM cases; SELECT count(*) FROM users")
                .unwrap();
        }
        drop(held);
        let open = pool.state().connections;
        let in_use = pool.get().unwrap();
        assert!(open >= 3, "{open}");
        let released = kitdesk::memory::release(&pool);
        if sqlite {
            // Every idle connection, not the one in use: one stays open (emptied), the
            // others close, and none is opened in their place.
            assert_eq!(released as u32, open - 1);
            assert_eq!(pool.state().connections, 2);
        } else {
            // PostgreSQL's caches are the server's (its pool keeps one idle connection
            // open, and may be opening one now: no count to compare).
            assert_eq!(released, 0);
        }
        drop(in_use);
        // The pool serves as before, opening connections again as needed.
        let mut again: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
        for conn in &mut again {
            conn.batch_execute("SELECT count(*) FROM cases").unwrap();
        }
    })
    .await
    .unwrap();
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
    // every schema that a path or another schema names is in the document
    fn named_schemas(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, inner) in fields {
                    match (key.as_str(), inner.as_str()) {
                        ("$ref", Some(target)) => out.push(target.to_owned()),
                        _ => named_schemas(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| named_schemas(i, out)),
            _ => {}
        }
    }
    let mut named = Vec::new();
    named_schemas(&doc, &mut named);
    assert!(named.iter().any(|r| r.ends_with("/ImpactReport")));
    for target in &named {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} is named but not in the document"
        );
    }
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
