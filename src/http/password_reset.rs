//! Password reset over the API.
//!
//! Authorization: open to anyone (no session): asking is throttled per address and per
//! account, using a token per address. The answers never tell whether an address has an
//! account.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::extract::{client_ip, ApiJson};
use super::AppState;
use crate::domain::{EmailAddress, Password};
use crate::error::ApiError;
use crate::service::{password_reset, ServiceError};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// The one answer to every reset request.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PasswordResetReceived {
    /// Always `received`.
    pub status: &'static str,
    pub message_en: &'static str,
    pub message_ko: &'static str,
}

pub const RESET_RECEIVED: PasswordResetReceived = PasswordResetReceived {
    status: "received",
    message_en: "If this address has an account, a link to choose a new password is on its way. It works once, for 30 minutes.",
    message_ko: "이 주소로 등록된 계정이 있으면 새 비밀번호를 정하는 링크를 메일로 보냈습니다. 링크는 30분 동안 한 번만 사용할 수 있습니다.",
};

/// `POST /api/v1/auth/password-reset`: anyone; throttled; always 202 with the same body.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = PasswordResetRequest,
    responses((status = 202, description = "Received; a link was mailed if the address has an enabled account (the answer does not say)", body = PasswordResetReceived),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Not an e-mail address", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn request(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse(&body.0.email)
        .map_err(|e| ServiceError::validation("email", e.to_string()))?;
    let address = client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state
        .account_throttle
        .check_reset_request(email.as_str(), address)
    {
        tracing::warn!(%address, "password reset request throttled");
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    state
        .ctx
        .run(move |conn, ctx| password_reset::request_reset(conn, ctx, email.as_str()))
        .await?;
    Ok(HttpResponse::Accepted().json(RESET_RECEIVED))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The `token` of the mailed link.
    pub token: String,
    /// The new password (8 to 128 characters, not a common one).
    pub password: String,
}

/// `POST /api/v1/auth/password-reset/confirm`: anyone holding a link; throttled per address.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts", request_body = PasswordResetConfirm,
    responses((status = 204, description = "The password is set; every session of the account has ended"),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid password (`validation_failed`), or a token that is unknown, used or expired (`invalid_token`)", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordResetConfirm>,
) -> Result<HttpResponse, ApiError> {
    let PasswordResetConfirm { token, password } = body.0;
    let address = client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state.account_throttle.check_token_use(address) {
        tracing::warn!(%address, "password reset confirmation throttled");
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    let password = Password::parse(&password)
        .map_err(|e| ServiceError::validation("password", e.to_string()))?;
    password_reset::confirm_reset(&state.ctx, token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}
