//! Sign-in, sign-out and "who am I".
//!
//! Authorization: login is open (throttled); logout and /me need a session.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::extract::{client_ip, ApiJson, Enrolling, SESSION_COOKIE};
use super::AppState;
use crate::domain::Role;
use crate::error::ApiError;
use crate::service::accounts::{self, LoginOutcome};
use crate::service::ServiceError;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub sponsor_id: Option<String>,
    /// This desk account must enrol a second factor before anything else
    /// (`KITDESK_DESK_MFA=required`): `POST /api/v1/me/mfa/totp`.
    pub mfa_enrolment_required: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: UserSummary,
}

/// The password was right and the account has a second factor: send a code to
/// `POST /api/v1/auth/mfa` with this token within five minutes.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MfaRequired {
    /// Always true.
    pub mfa_required: bool,
    pub mfa_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A session, or the second step.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Session(LoginResponse),
    SecondFactor(MfaRequired),
}

/// `POST /api/v1/auth/login`: open to anyone, throttled per account and per address.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, description = "Signed in (also sets the kitdesk_session cookie), or, for an account with a second factor, `{\"mfa_required\": true, \"mfa_token\"}` for POST /api/v1/auth/mfa", body = LoginAnswer),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Wrong e-mail address or password", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let address = client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state.login_throttle.check(&email, address) {
        tracing::warn!(account = %crate::domain::email::mask_email(&email), %address, "sign-in throttled");
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    let masked = crate::domain::email::mask_email(&email);
    let result = accounts::login(&state.ctx, email, password).await;
    let session = match result {
        Ok(LoginOutcome::Session(session)) => session,
        Ok(LoginOutcome::SecondFactor(challenge)) => {
            tracing::info!(account = %masked, "password accepted; second factor asked");
            return Ok(
                HttpResponse::Ok().json(LoginAnswer::SecondFactor(MfaRequired {
                    mfa_required: true,
                    mfa_token: challenge.mfa_token,
                    expires_at: crate::domain::time::from_stored(challenge.expires_at),
                })),
            );
        }
        Err(e) => {
            if matches!(e, ServiceError::InvalidCredentials) {
                tracing::info!(account = %masked, %address, "sign-in failed");
            }
            return Err(e.into());
        }
    };
    tracing::info!(user_id = %session.user.id, "signed in");
    Ok(session_answer(session, &state))
}

/// 200 with the session's token and user, and the session cookie.
pub fn session_answer(session: accounts::NewSession, state: &AppState) -> HttpResponse {
    let cookie = session_cookie(session.token.clone(), state.cookie_secure);
    let must_enrol = crate::service::mfa::must_enrol(
        state.ctx.settings.desk_mfa,
        session.user.role,
        session.user.second_factor,
    );
    HttpResponse::Ok()
        .cookie(cookie)
        .json(LoginAnswer::Session(LoginResponse {
            token: session.token,
            expires_at: crate::domain::time::from_stored(session.expires_at),
            user: UserSummary {
                id: session.user.id,
                email: session.user.email,
                role: session.user.role,
                sponsor_id: session.user.sponsor_id,
                mfa_enrolment_required: must_enrol,
            },
        }))
}

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// `POST /api/v1/auth/logout`: any signed-in user; ends this session only.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Session ended"), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn logout(
    state: web::Data<AppState>,
    Enrolling(user): Enrolling,
) -> Result<HttpResponse, ApiError> {
    state
        .ctx
        .run(move |conn, _| accounts::logout(conn, &user))
        .await?;
    let mut gone = session_cookie(String::new(), state.cookie_secure);
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// `GET /api/v1/me`: any signed-in user; their own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The signed-in user", body = UserSummary), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn me(Enrolling(user): Enrolling) -> HttpResponse {
    HttpResponse::Ok().json(UserSummary {
        mfa_enrolment_required: user.must_enrol,
        id: user.id,
        email: user.email,
        role: user.role,
        sponsor_id: user.sponsor_id,
    })
}
