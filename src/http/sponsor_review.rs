//! Sponsor verification: the checklist and the desk's decisions.
//!
//! Authorization: officers and supervisors, for every route here (employers and admins 403).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::sponsor_review::{self, CheckInput, CheckItem, SponsorDecision};
use crate::service::ServiceError;

/// `GET /api/v1/sponsors/{id}/checklist` (desk).
#[utoipa::path(get, path = "/api/v1/sponsors/{id}/checklist", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "The four items with the desk's findings", body = crate::service::sponsor_review::Checklist), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn checklist(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let list = state
        .ctx
        .run(move |conn, _| sponsor_review::checklist(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `PUT /api/v1/sponsors/{id}/checklist/{item}` (desk): records a finding.
#[utoipa::path(put, path = "/api/v1/sponsors/{id}/checklist/{item}", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id"), ("item" = CheckItem, Path, description = "business_registration, korean_ownership, treaty_investor or authorised_signatory")), request_body = CheckInput,
    responses((status = 200, description = "The checklist with the finding", body = crate::service::sponsor_review::Checklist), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor or item", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "The sponsor is verified (`already_verified`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field (`note`, `outcome`, `document_id`)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn record(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: ApiJson<CheckInput>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, raw_item) = path.into_inner();
    let id = parse_id(&raw_id, "sponsor")?;
    let item = CheckItem::parse(&raw_item).ok_or(ServiceError::NotFound("checklist item"))?;
    let input = body.0;
    let list = state
        .ctx
        .run(move |conn, _| sponsor_review::record_check(conn, &user, &id, item, input))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionReason {
    /// Told to the sponsor's managers (one line, at most 4,000 characters).
    pub reason: String,
}

async fn decide(
    state: &AppState,
    user: AuthUser,
    raw_id: &str,
    decision: SponsorDecision,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(raw_id, "sponsor")?;
    let sponsor = state
        .ctx
        .run(move |conn, ctx| {
            sponsor_review::decide(conn, &ctx.settings.public_url, &user, &id, decision)
        })
        .await?;
    Ok(HttpResponse::Ok().json(sponsor))
}

/// `POST /api/v1/sponsors/{id}/verify` (desk): every checklist item must be confirmed.
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/verify", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "Verified; the sponsor's managers are mailed", body = crate::service::sponsors::SponsorView), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Already verified (`already_verified`), or a checklist item is not confirmed (`checklist_incomplete`, with `open_items`)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn verify(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    decide(&state, user, &path, SponsorDecision::Verify).await
}

/// `POST /api/v1/sponsors/{id}/reject` (desk).
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/reject", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")), request_body = DecisionReason,
    responses((status = 200, description = "Rejected; the sponsor's managers are mailed the reason", body = crate::service::sponsors::SponsorView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Already verified", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "No reason", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn reject(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<DecisionReason>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.reason;
    decide(&state, user, &path, SponsorDecision::Reject { reason }).await
}

/// `POST /api/v1/sponsors/{id}/request-information` (desk).
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/request-information", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")), request_body = DecisionReason,
    responses((status = 200, description = "More information asked; the sponsor's managers are mailed what", body = crate::service::sponsors::SponsorView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Already verified", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "No reason", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn request_information(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<DecisionReason>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.reason;
    decide(
        &state,
        user,
        &path,
        SponsorDecision::RequestInformation { reason },
    )
    .await
}
