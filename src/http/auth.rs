//! Sign-in, sign-out and "who am I".
//!
//! Authorization: login is open (throttled); logout and /me need a session.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::extract::{client_ip, ApiJson, SESSION_COOKIE};
use super::AppState;
use crate::domain::Role;
use crate::error::ApiError;
use crate::service::accounts::{self, AuthUser};
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
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: UserSummary,
}

/// `POST /api/v1/auth/login`: open to anyone, throttled per account and per address.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, description = "Signed in; also sets the kitdesk_session cookie", body = LoginResponse),
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
        Ok(session) => session,
        Err(e) => {
            if matches!(e, ServiceError::InvalidCredentials) {
                tracing::info!(account = %masked, %address, "sign-in failed");
            }
            return Err(e.into());
        }
    };
    tracing::info!(user_id = %session.user.id, "signed in");
    let cookie = session_cookie(session.token.clone(), state.cookie_secure);
    Ok(HttpResponse::Ok().cookie(cookie).json(LoginResponse {
        token: session.token,
        expires_at: crate::domain::time::from_stored(session.expires_at),
        user: UserSummary {
            id: session.user.id,
            email: session.user.email,
            role: session.user.role,
            sponsor_id: session.user.sponsor_id,
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
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
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
pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(UserSummary {
        id: user.id,
        email: user.email,
        role: user.role,
        sponsor_id: user.sponsor_id,
    })
}
