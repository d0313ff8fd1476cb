//! User accounts.
//!
//! Authorization: admin only, for every route here.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::extract::{parse_id, ApiJson};
use super::{require_role, AppState, UserList};
use crate::domain::{EmailAddress, Password, Role};
use crate::error::ApiError;
use crate::service::accounts::{self, AuthUser, NewAccount};
use crate::service::{FieldErrors, ServiceError};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub sponsor_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

impl CreateUserRequest {
    pub(crate) fn parse(self) -> Result<NewAccount, ServiceError> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", Password::parse(&self.password));
        let display_name = self.display_name.map(|n| n.trim().to_owned());
        if display_name
            .as_ref()
            .is_some_and(|n| n.chars().count() > 200)
        {
            errors.add("display_name", "must be at most 200 characters");
        }
        let sponsor_id = match self.sponsor_id {
            Some(raw) => errors.check(
                "sponsor_id",
                uuid::Uuid::parse_str(raw.trim())
                    .map(|u| u.to_string())
                    .map_err(|_| "must be a sponsor id (UUID)"),
            ),
            None => None,
        };
        match (email, password, errors.is_empty()) {
            (Some(email), Some(password), true) => Ok(NewAccount {
                email,
                display_name: display_name.filter(|n| !n.is_empty()),
                password,
                role: self.role,
                sponsor_id,
            }),
            _ => Err(ServiceError::Validation(errors.into_vec())),
        }
    }
}

/// `POST /api/v1/users` (admin): 201 with the user.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", security(("bearer" = []), ("cookie" = [])), request_body = CreateUserRequest,
    responses((status = 201, description = "Created", body = crate::service::accounts::UserView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins only", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "E-mail address taken", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Admin])?;
    let account = body.0.parse()?;
    let created = state
        .ctx
        .run(move |conn, _| accounts::create_user(conn, account))
        .await?;
    tracing::info!(actor = %user.id, user_id = %created.id, role = %created.role, "user created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", created.id)))
        .json(created))
}

/// `GET /api/v1/users` (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "All users", body = UserList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins only", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Admin])?;
    let users = state.ctx.run(|conn, _| accounts::list_users(conn)).await?;
    Ok(HttpResponse::Ok().json(UserList { items: users }))
}

/// `GET /api/v1/users/{id}` (admin).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The user", body = crate::service::accounts::UserView), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such user", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Admin])?;
    let id = parse_id(&path, "user")?;
    let found = state
        .ctx
        .run(move |conn, _| {
            let row = crate::db::users::find(conn, &id)?.ok_or(ServiceError::NotFound("user"))?;
            accounts::UserView::try_from(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub disabled: bool,
}

/// `PATCH /api/v1/users/{id}` (admin): `{"disabled": true}` disables the account and ends its
/// sessions; `false` enables it again.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "accounts", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "User id")), request_body = UpdateUserRequest,
    responses((status = 200, description = "Updated", body = crate::service::accounts::UserView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such user", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Cannot disable oneself", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Admin])?;
    let id = parse_id(&path, "user")?;
    let disabled = body.0.disabled;
    let actor = user.clone();
    let updated = state
        .ctx
        .run(move |conn, _| accounts::set_disabled(conn, &actor, &id, disabled))
        .await?;
    tracing::info!(actor = %user.id, user_id = %updated.id, disabled, "user updated");
    Ok(HttpResponse::Ok().json(updated))
}
