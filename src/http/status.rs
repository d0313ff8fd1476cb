//! The applicant's status look-up.
//!
//! Authorization: open to anyone (applicants have no account), throttled per client address and per receipt number;
//! it answers only with the public status message.

use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{client_ip, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::status::{self, StatusQuery};
use crate::service::ServiceError;

/// `POST /api/v1/status` `{"receipt_number","date_of_birth"}`.
#[utoipa::path(post, path = "/api/v1/status", tag = "public", request_body = StatusQuery,
    responses((status = 200, description = "The public status, in English and Korean", body = crate::service::status::PublicStatus), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No case with this receipt number and date of birth", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid date", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn lookup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let address = client_ip(&req, &state.client_ip);
    let query = body.0;
    if let Err(retry_after) = state.status_throttle.check(address, &query.receipt_number) {
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    let answer = status::find(&state.ctx, query).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(answer))
}
