//! The training ledger: `POST/GET /api/v1/cases/{id}/training-sessions`,
//! `POST /api/v1/cases/{id}/training-sessions/import`, `GET /api/v1/reports/training` (and its
//! CSV export), `GET /api/v1/public/training`.
//!
//! Authorization:
//! - A case's sessions: whoever reads the case (its sponsor's employer users, the prime, the
//!   desk; another sponsor 404, admins 403). Recording and importing: the case's sponsor (with
//!   the `file` right) or the prime that files for it, and the desk; only after the visa (409
//!   `not_after_visa`). Checked by `service::training`.
//! - The report and its export: employers their own sponsor's sessions (a prime also its
//!   subcontractors'; another sponsor's or project's id is a 404); officers and supervisors
//!   every sponsor, with the sector and state tables; admins 403 (`service::training_report`).
//! - The public figures: anyone, no session needed; aggregates only; throttled per client
//!   address (`figures_throttle`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::training::{self, NewTrainingSession};
use crate::service::training_report::{self, TrainingQuery};
use crate::service::ServiceError;

/// `POST /api/v1/cases/{id}/training-sessions`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/training-sessions", tag = "training", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")), request_body = NewTrainingSession,
    responses((status = 201, description = "The session recorded", body = crate::service::training::TrainingSessionView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the case's sponsor or the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "`not_after_visa`: the case is not approved, its visa issued or ESTA travel advised", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid fields (a date in the future or before the decision, hours, U.S. workers, skill, equipment), each named", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn record(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<NewTrainingSession>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let input = body.0;
    let session = state
        .ctx
        .run(move |conn, ctx| training::record(conn, ctx, &user, &id, input))
        .await?;
    Ok(HttpResponse::Created().json(session))
}

/// `GET /api/v1/cases/{id}/training-sessions`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/training-sessions", tag = "training", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case's sessions, earliest first, with their hours and trainee places", body = crate::service::training::TrainingList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let list = state
        .ctx
        .run(move |conn, _| training::list(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/cases/{id}/training-sessions/import` — a ledger sheet as `text/csv`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/training-sessions/import", tag = "training", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    request_body(content = String, content_type = "text/csv", description = "A header line naming date, hours, us_workers_trained, skill and (optionally) equipment — or in Korean 날짜, 시간, 교육인원, 기술/직무, 장비 — then one session per line. UTF-8 (a BOM is fine) or CP949 as Excel saves it; dates as 2026-11-03 or 2026. 11. 3.; hours as 7.5"),
    responses((status = 201, description = "Every session of the file recorded", body = crate::service::training::TrainingImport), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the case's sponsor or the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "`not_after_visa`", content_type = "application/problem+json", body = crate::error::Problem), (status = 413, description = "Larger than a request body may be", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not text/csv", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Lines that do not read, named `lines[N].field` (N as the spreadsheet numbers the line); nothing is recorded", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    super::extract::require_csv(&req, "send the training ledger as text/csv")?;
    let table = super::filings::read_batch_file(&body)?;
    let report = state
        .ctx
        .run(move |conn, ctx| training::import(conn, ctx, &user, &id, &table))
        .await?;
    Ok(HttpResponse::Created().json(report))
}

/// `GET /api/v1/reports/training?sponsor_id=&project_id=&from=&to=`.
#[utoipa::path(get, path = "/api/v1/reports/training", tag = "training", security(("bearer" = []), ("cookie" = [])), params(TrainingQuery),
    responses((status = 200, description = "Sessions, hours, trainee places and trainers: in all, by project and by month; for the desk also by sector and by state", body = crate::service::training_report::TrainingReport),
        (status = 400, description = "An unknown query parameter", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "A sponsor or project the user may not read (or none such)", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A filter that is not a date or an id, or `to` before `from` (named in the problem)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<TrainingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let report = state
        .ctx
        .run(move |conn, ctx| training_report::report(conn, ctx.today(), &user, &q))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /api/v1/reports/training/export?…`: the report as CSV.
#[utoipa::path(get, path = "/api/v1/reports/training/export", tag = "training", security(("bearer" = []), ("cookie" = [])), params(TrainingQuery),
    responses((status = 200, description = "The report as CSV, one section per table, headers in Korean and English, cells neutralised against formulas", content_type = "text/csv"),
        (status = 400, description = "An unknown query parameter", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "A sponsor or project the user may not read", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A bad filter", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<TrainingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let body = state
        .ctx
        .run(move |conn, ctx| {
            let report = training_report::report(conn, ctx.today(), &user, &q)?;
            training_report::to_csv(&report)
        })
        .await?;
    Ok(csv_download(body, "kitdesk-training.csv"))
}

/// A CSV answer saved as `name`, kept out of shared caches.
pub fn csv_download(body: String, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body)
}

/// `GET /api/v1/public/training`: the figures the desk gives the press.
#[utoipa::path(get, path = "/api/v1/public/training", tag = "public", 
    responses((status = 200, description = "U.S. workers trained by Korean technicians (trainee places), hours, sessions and trainers: in all, by state, by sector and by month. No names, sponsors, projects or cases; a state or sector from fewer than `min_sponsors` sponsors is withheld", body = crate::service::training_report::PublicTraining),
        (status = 429, description = "Throttled: 60 answers at once per client address, then one a second", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn public(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    check_figures_throttle(&state, &req)?;
    let figures = state
        .ctx
        .run(|conn, ctx| training_report::public_figures(conn, ctx.today()))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(figures))
}

/// Public figures per client address: 60 at once, then one a second (a reader, or a
/// newsroom's script refreshing the page, is well inside it; each answer sums the ledger).
pub fn figures_throttle() -> crate::service::throttle::KeyedThrottle<std::net::IpAddr> {
    crate::service::throttle::KeyedThrottle::new(60, std::time::Duration::from_secs(1))
}

/// Refuses (429, with Retry-After) a client over [`figures_throttle`].
pub fn check_figures_throttle(state: &AppState, req: &HttpRequest) -> Result<(), ServiceError> {
    let address = super::extract::client_ip(req, &state.client_ip);
    state
        .figures_throttle
        .check(&address)
        .map_err(|retry_after| ServiceError::Throttled { retry_after })
}
