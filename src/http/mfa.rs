//! The second factor over the API: enrolment, the sign-in step, an administrator's reset.
//!
//! Authorization: `/auth/mfa` is open to whoever holds a sign-in's `mfa_token` (codes
//! throttled per account and per address); `/me/mfa/…` is the signed-in user's own, also
//! for a desk account that must still enrol; resetting a user's factor is for
//! administrators.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::extract::{client_ip, parse_id, ApiJson, Enrolling};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::{mfa, ServiceError};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaSignIn {
    /// From the sign-in's answer `{"mfa_required": true, "mfa_token"}`.
    pub mfa_token: String,
    /// The authenticator's 6-digit code, or an unused recovery code.
    pub code: String,
}

/// `POST /api/v1/auth/mfa`: the second step of signing in → the session, as the login.
#[utoipa::path(post, path = "/api/v1/auth/mfa", tag = "accounts", request_body = MfaSignIn,
    responses((status = 200, description = "Signed in; also sets the kitdesk_session cookie", body = crate::http::auth::LoginResponse),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A wrong, used or stale code (`invalid_code`), or an unknown or expired `mfa_token` (`invalid_token`)", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<MfaSignIn>,
) -> Result<HttpResponse, ApiError> {
    let MfaSignIn { mfa_token, code } = body.0;
    let session = complete(&state, &req, mfa_token, code).await?;
    tracing::info!(user_id = %session.user.id, "signed in with a second factor");
    Ok(super::auth::session_answer(session, &state))
}

/// Finds the challenge's account, counts the code against its throttle, then checks it (the
/// pages use this too).
pub async fn complete(
    state: &AppState,
    req: &HttpRequest,
    mfa_token: String,
    code: String,
) -> Result<crate::service::accounts::NewSession, ServiceError> {
    let token = mfa_token.clone();
    let owner = state
        .ctx
        .run(move |conn, _| mfa::challenge_owner(conn, &token))
        .await?;
    let address = client_ip(req, &state.client_ip);
    if let Err(retry_after) = state.account_throttle.check_code(&owner, address) {
        tracing::warn!(user_id = %owner, %address, "second-factor codes throttled");
        return Err(ServiceError::Throttled { retry_after });
    }
    state
        .ctx
        .run(move |conn, ctx| mfa::complete_challenge(conn, ctx, &mfa_token, &code))
        .await
}

/// `POST /api/v1/me/mfa/totp`: starts enrolling an authenticator → the secret.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The secret, for the authenticator app; confirm with a code", body = crate::service::mfa::TotpEnrolment), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "An authenticator is confirmed already (`already_enrolled`)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn start_totp(
    state: web::Data<AppState>,
    Enrolling(user): Enrolling,
) -> Result<HttpResponse, ApiError> {
    let enrolment = state
        .ctx
        .run(move |conn, ctx| mfa::start_totp(conn, ctx, &user))
        .await?;
    Ok(HttpResponse::Ok().json(enrolment))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    /// The authenticator's current 6-digit code.
    pub code: String,
}

/// `POST /api/v1/me/mfa/totp/confirm`: the first code → ten recovery codes, shown once.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", tag = "accounts", security(("bearer" = []), ("cookie" = [])), request_body = TotpConfirm,
    responses((status = 200, description = "Confirmed: sign-in now asks for a code", body = crate::service::mfa::RecoveryCodes), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Nothing to confirm (`no_enrolment`) or confirmed already (`already_enrolled`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A wrong or stale code (`invalid_code`)", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    req: HttpRequest,
    Enrolling(user): Enrolling,
    body: ApiJson<TotpConfirm>,
) -> Result<HttpResponse, ApiError> {
    let address = client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state.account_throttle.check_code(&user.id, address) {
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    let code = body.0.code;
    let codes = state
        .ctx
        .run(move |conn, ctx| mfa::confirm_totp(conn, ctx, &user, &code))
        .await?;
    Ok(HttpResponse::Ok().json(codes))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaReset {
    /// Why (kept in the audit trail; one line, at most 4,000 characters).
    pub reason: String,
}

/// `POST /api/v1/users/{id}/mfa/reset` (administrators): removes the user's second factor.
#[utoipa::path(post, path = "/api/v1/users/{id}/mfa/reset", tag = "accounts", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "User id")), request_body = MfaReset,
    responses((status = 200, description = "Removed; the user's sessions have ended and it enrols again", body = crate::service::accounts::UserView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such user", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "No reason", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn reset(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<MfaReset>,
) -> Result<HttpResponse, ApiError> {
    super::require_role(&user, &[crate::domain::Role::Admin])?;
    let id = parse_id(&path, "user")?;
    let reason = body.0.reason;
    let actor = user.clone();
    let updated = state
        .ctx
        .run(move |conn, _| mfa::reset(conn, &actor, &id, &reason))
        .await?;
    tracing::info!(actor = %user.id, user_id = %updated.id, "second factor reset");
    Ok(HttpResponse::Ok().json(updated))
}

/// `POST /api/v1/me/mfa/passkeys/begin`: starts registering a passkey (desk accounts, also
/// one that must still enrol).
#[utoipa::path(post, path = "/api/v1/me/mfa/passkeys/begin", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "Options for navigator.credentials.create() and the ceremony token", body = crate::service::passkeys::CeremonyStart), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Employers use an authenticator app", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "The desk is reached by an IP address (`passkeys_unavailable`)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn passkey_register_begin(
    state: web::Data<AppState>,
    Enrolling(user): Enrolling,
) -> Result<HttpResponse, ApiError> {
    let start = state
        .ctx
        .run(move |conn, ctx| crate::service::passkeys::register_begin(conn, ctx, &user))
        .await?;
    Ok(HttpResponse::Ok().json(start))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegistration {
    pub ceremony: String,
    /// The PublicKeyCredential from navigator.credentials.create(), binary fields in base64url.
    #[schema(value_type = Object)]
    pub credential: webauthn_rs::prelude::RegisterPublicKeyCredential,
}

/// `POST /api/v1/me/mfa/passkeys/finish`: stores the passkey; sign-in then asks for it.
#[utoipa::path(post, path = "/api/v1/me/mfa/passkeys/finish", tag = "accounts", security(("bearer" = []), ("cookie" = [])), request_body = PasskeyRegistration,
    responses((status = 204, description = "Registered"), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "An unknown or stale ceremony (`invalid_ceremony`) or an answer that does not check out (`invalid_credential`)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn passkey_register_finish(
    state: web::Data<AppState>,
    Enrolling(user): Enrolling,
    body: ApiJson<PasskeyRegistration>,
) -> Result<HttpResponse, ApiError> {
    let PasskeyRegistration {
        ceremony,
        credential,
    } = body.0;
    state
        .ctx
        .run(move |conn, ctx| {
            crate::service::passkeys::register_finish(conn, ctx, &user, &ceremony, &credential)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeySignInBegin {
    pub mfa_token: String,
}

/// `POST /api/v1/auth/mfa/passkey/begin`: the options for navigator.credentials.get().
#[utoipa::path(post, path = "/api/v1/auth/mfa/passkey/begin", tag = "accounts", request_body = PasskeySignInBegin,
    responses((status = 200, description = "Options and the ceremony token", body = crate::service::passkeys::CeremonyStart), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "The account has no passkey (`no_passkey`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Unknown or expired `mfa_token`", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn passkey_sign_in_begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasskeySignInBegin>,
) -> Result<HttpResponse, ApiError> {
    let mfa_token = body.0.mfa_token;
    throttle_owner(&state, &req, mfa_token.clone()).await?;
    let start = state
        .ctx
        .run(move |conn, ctx| crate::service::passkeys::sign_in_begin(conn, ctx, &mfa_token))
        .await?;
    Ok(HttpResponse::Ok().json(start))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeySignIn {
    pub mfa_token: String,
    pub ceremony: String,
    /// The PublicKeyCredential from navigator.credentials.get(), binary fields in base64url.
    #[schema(value_type = Object)]
    pub credential: webauthn_rs::prelude::PublicKeyCredential,
}

/// `POST /api/v1/auth/mfa/passkey/finish`: the session, as the login.
#[utoipa::path(post, path = "/api/v1/auth/mfa/passkey/finish", tag = "accounts", request_body = PasskeySignIn,
    responses((status = 200, description = "Signed in; also sets the kitdesk_session cookie", body = crate::http::auth::LoginResponse), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Unknown or expired token or ceremony, or an answer that does not check out", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn passkey_sign_in_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasskeySignIn>,
) -> Result<HttpResponse, ApiError> {
    let PasskeySignIn {
        mfa_token,
        ceremony,
        credential,
    } = body.0;
    throttle_owner(&state, &req, mfa_token.clone()).await?;
    let session = state
        .ctx
        .run(move |conn, ctx| {
            crate::service::passkeys::sign_in_finish(conn, ctx, &mfa_token, &ceremony, &credential)
        })
        .await?;
    tracing::info!(user_id = %session.user.id, "signed in with a passkey");
    Ok(super::auth::session_answer(session, &state))
}

/// Counts a second-factor attempt against the account of a sign-in's token.
async fn throttle_owner(
    state: &AppState,
    req: &HttpRequest,
    mfa_token: String,
) -> Result<(), ServiceError> {
    let owner = state
        .ctx
        .run(move |conn, _| mfa::challenge_owner(conn, &mfa_token))
        .await?;
    let address = client_ip(req, &state.client_ip);
    state
        .account_throttle
        .check_code(&owner, address)
        .map_err(|retry_after| ServiceError::Throttled { retry_after })
}
