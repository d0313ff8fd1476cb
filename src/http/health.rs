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

/// The process can reach its database and write its storage: 200, or 503 so a balancer
/// routes elsewhere. Each check is bounded in time (a frozen database is "not ready", not a
/// hung probe).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "The database answers and storage is writable", body = serde_json::Value), (status = 503, description = "The database does not answer, or storage is full, read-only or damaged", body = serde_json::Value)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.ctx.pool.clone();
    let data_dir = state.data_dir.clone();
    let check = tokio::task::spawn_blocking(move || -> Result<(), &'static str> {
        let mut conn = pool
            .get_timeout(std::time::Duration::from_secs(2))
            .map_err(|_| "unreachable")?;
        if !conn.verify() {
            return Err("unreachable");
        }
        if !crate::db::storage_ok(&mut conn) {
            return Err("damaged");
        }
        probe_write(&data_dir).map_err(|_| "storage_not_writable")
    });
    let result = match tokio::time::timeout(std::time::Duration::from_secs(3), check).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("unreachable"),
        Err(_) => Err("not_answering"),
    };
    match result {
        Ok(()) => {
            HttpResponse::Ok().json(json!({"status": "ready", "database": "ok", "storage": "ok"}))
        }
        Err(problem) => HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(json!({"status": "unavailable", "problem": problem})),
    }
}

/// Writes and removes a small synced file in the data folder: fails on a full or read-only
/// disk, where a zero-length file could still be created.
fn probe_write(dir: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let path = dir.join(format!(".ready-probe-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&[0u8; 4096])?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    result
}
