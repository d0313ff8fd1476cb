//! Overstay alerts: `GET /api/v1/cases/{id}/overstay-alerts`,
//! `POST /api/v1/overstay-alerts/{id}/finding`.
//!
//! Authorization: the desk only (officers and supervisors); employers and administrators get
//! 403, whoever they are, so that the route tells an employer nothing about a case. Checked
//! by `service::overstay`.

use actix_web::{web, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::overstay::{self, NewFinding};

/// `GET /api/v1/cases/{id}/overstay-alerts`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/overstay-alerts", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case's overstay alerts, newest first", body = crate::service::overstay::AlertList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let list = state
        .ctx
        .run(move |conn, ctx| overstay::list(conn, ctx, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/overstay-alerts/{id}/finding`.
#[utoipa::path(post, path = "/api/v1/overstay-alerts/{id}/finding", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Alert id")), request_body = NewFinding,
    responses((status = 200, description = "The finding recorded (and the cases amended, if asked)", body = crate::service::overstay::FindingOutcome), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such alert", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "`alert_decided`: a finding is already recorded", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "No reason, or `amend_open_cases` without a violation", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn finding(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<NewFinding>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "overstay alert")?;
    let input = body.0;
    let outcome = state
        .ctx
        .run(move |conn, ctx| overstay::decide(conn, ctx, &user, &id, input))
        .await?;
    Ok(HttpResponse::Ok().json(outcome))
}
