//! Liveness and readiness probes for orchestrators and load balancers. No authentication:
//! they reveal nothing but up/down.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up", body = serde_json::Value)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The process can reach its database: 200, or 503 so a balancer routes elsewhere.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "The database answers", body = serde_json::Value), (status = 503, description = "The database does not answer", body = serde_json::Value)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.ctx.pool.clone();
    let reachable = tokio::task::spawn_blocking(move || {
        pool.get_timeout(std::time::Duration::from_secs(2))
            .map(|mut conn| conn.verify())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    if reachable {
        HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(json!({"status": "unavailable", "database": "unreachable"}))
    }
}
