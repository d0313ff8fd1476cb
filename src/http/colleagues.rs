//! Colleagues: invitations and a sponsor's users.
//!
//! Authorization: the sponsor's own managers (employer users with the `manage` right) for
//! every `/sponsors/{id}/…` route here (another sponsor's users get 404, desk staff and
//! admins 403); accepting an invitation is open to whoever holds its link (throttled per
//! address).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::extract::{client_ip, parse_id, ApiJson};
use super::{AppState, UserList};
use crate::domain::rights::{Rights, SponsorRight};
use crate::domain::{EmailAddress, Password};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::colleagues::{self, ColleagueChange, InvitationView};
use crate::service::{FieldErrors, ServiceError};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationView>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    pub email: String,
    /// What the colleague may do besides reading the sponsor's cases; `[]` reads only.
    pub rights: Vec<SponsorRight>,
}

/// `POST /api/v1/sponsors/{id}/invitations` (the sponsor's managers) → 201.
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/invitations", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")), request_body = InvitationRequest,
    responses((status = 201, description = "Invited: the link is mailed (72 hours, once)", body = InvitationView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not a manager of the sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "The address has an account (`email_taken`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn invite(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<InvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let sponsor_id = parse_id(&path, "sponsor")?;
    let InvitationRequest { email, rights } = body.0;
    let email = EmailAddress::parse(&email)
        .map_err(|e| ServiceError::validation("email", e.to_string()))?;
    let rights = Rights::from_list(&rights);
    let invitation = state
        .ctx
        .run(move |conn, ctx| colleagues::invite(conn, ctx, &user, &sponsor_id, email, rights))
        .await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// `GET /api/v1/sponsors/{id}/invitations` (the sponsor's managers): unaccepted ones.
#[utoipa::path(get, path = "/api/v1/sponsors/{id}/invitations", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "Invitations not yet accepted, newest first", body = InvitationList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not a manager of the sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn invitations(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sponsor_id = parse_id(&path, "sponsor")?;
    let items = state
        .ctx
        .run(move |conn, _| colleagues::pending_invitations(conn, &user, &sponsor_id))
        .await?;
    Ok(HttpResponse::Ok().json(InvitationList { items }))
}

/// `GET /api/v1/sponsors/{id}/users` (the sponsor's managers).
#[utoipa::path(get, path = "/api/v1/sponsors/{id}/users", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "The sponsor's users with their rights", body = UserList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not a manager of the sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn users(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sponsor_id = parse_id(&path, "sponsor")?;
    let items = state
        .ctx
        .run(move |conn, _| colleagues::list_users(conn, &user, &sponsor_id))
        .await?;
    Ok(HttpResponse::Ok().json(UserList { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColleagueUpdate {
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub rights: Option<Vec<SponsorRight>>,
}

/// `PATCH /api/v1/sponsors/{id}/users/{user_id}` (the sponsor's managers).
#[utoipa::path(patch, path = "/api/v1/sponsors/{id}/users/{user_id}", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id"), ("user_id" = String, Path, description = "User id")), request_body = ColleagueUpdate,
    responses((status = 200, description = "Updated; disabling ends the user's sessions", body = crate::service::accounts::UserView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not a manager of the sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor or user", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "The sponsor would have no enabled manager (`last_manager`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn update_user(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: ApiJson<ColleagueUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (sponsor_raw, user_raw) = path.into_inner();
    let sponsor_id = parse_id(&sponsor_raw, "sponsor")?;
    let user_id = parse_id(&user_raw, "user")?;
    let change = ColleagueChange {
        disabled: body.0.disabled,
        rights: body.0.rights.as_deref().map(Rights::from_list),
    };
    if change.disabled.is_none() && change.rights.is_none() {
        return Err(ServiceError::validation("body", "name `disabled`, `rights` or both").into());
    }
    let updated = state
        .ctx
        .run(move |conn, _| colleagues::update_user(conn, &user, &sponsor_id, &user_id, change))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    /// The `token` of the mailed link.
    pub token: String,
    pub password: String,
    /// The name colleagues and the desk see (1 to 200 characters).
    pub display_name: String,
}

/// `POST /api/v1/invitations/accept` (whoever holds the link; throttled) → 201 with the new
/// user, who then signs in.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "accounts", request_body = AcceptInvitation,
    responses((status = 201, description = "The account exists; sign in with its address and the password", body = crate::service::accounts::UserView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "The address got an account meanwhile (`email_taken`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field (`validation_failed`), or a token that is unknown, used or expired (`invalid_token`)", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<AcceptInvitation>,
) -> Result<HttpResponse, ApiError> {
    let AcceptInvitation {
        token,
        password,
        display_name,
    } = body.0;
    let address = client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state.account_throttle.check_token_use(address) {
        tracing::warn!(%address, "invitation acceptance throttled");
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    let (password, name) = parse_acceptance(&password, &display_name)?;
    let user = colleagues::accept(&state.ctx, token, password, name).await?;
    tracing::info!(user_id = %user.id, "invitation accepted");
    Ok(HttpResponse::Created().json(user))
}

/// The password and name of an acceptance, each error named.
pub(crate) fn parse_acceptance(
    password: &str,
    display_name: &str,
) -> Result<(Password, String), ServiceError> {
    let mut errors = FieldErrors::new();
    let password = errors.check("password", Password::parse(password));
    let name = crate::domain::text::one_line(display_name);
    match name.chars().count() {
        0 => errors.add("display_name", "is required"),
        n if n > 200 => errors.add("display_name", "must be at most 200 characters"),
        _ => {}
    }
    match (password, errors.is_empty()) {
        (Some(password), true) => Ok((password, name)),
        _ => Err(ServiceError::Validation(errors.into_vec())),
    }
}
