//! Sponsors and their projects.
//!
//! Authorization: registration is open; verification is for officers and supervisors;
//! listing and reading follow `service::access` (employers: own sponsor and subcontractors;
//! desk and admins: all); projects are added by the sponsor's employer users (or its prime's).
//! A sponsor's settings (`PATCH`) are changed by its own employer users only.

use actix_web::{web, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::{AppState, ProjectList, SponsorList};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::sponsors::{self, NewProject, RegisterSponsor, SponsorSettings};

/// `POST /api/v1/sponsors/register` (anyone) → 201 `{sponsor, user}`.
#[utoipa::path(post, path = "/api/v1/sponsors/register", tag = "sponsors", request_body = RegisterSponsor,
    responses((status = 201, description = "Registered, pending verification", body = crate::service::sponsors::Registration), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Sponsor or e-mail already registered", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    body: ApiJson<RegisterSponsor>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let registration = state
        .ctx
        .run(move |conn, _| sponsors::register(conn, input))
        .await?;
    tracing::info!(sponsor_id = %registration.sponsor.id, "sponsor registered");
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/sponsors/{}", registration.sponsor.id),
        ))
        .json(registration))
}

/// `POST /api/v1/sponsors/{id}/verify` (officer, supervisor).
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/verify", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "Verified", body = crate::service::sponsors::SponsorView), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Already verified", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn verify(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let sponsor = state
        .ctx
        .run(move |conn, _| sponsors::verify(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(sponsor))
}

/// `GET /api/v1/sponsors`.
#[utoipa::path(get, path = "/api/v1/sponsors", tag = "sponsors", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "Sponsors the user may see", body = SponsorList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = state
        .ctx
        .run(move |conn, _| sponsors::list(conn, &user))
        .await?;
    Ok(HttpResponse::Ok().json(SponsorList { items }))
}

/// `GET /api/v1/sponsors/{id}`.
#[utoipa::path(get, path = "/api/v1/sponsors/{id}", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "The sponsor", body = crate::service::sponsors::SponsorView), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let sponsor = state
        .ctx
        .run(move |conn, _| sponsors::get(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(sponsor))
}

/// `POST /api/v1/sponsors/{id}/projects` (the sponsor's or its prime's employer users).
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/projects", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")), request_body = NewProject,
    responses((status = 201, description = "Created", body = crate::service::sponsors::ProjectView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Employers only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or not yours)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn create_project(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<NewProject>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let input = body.0;
    let project = state
        .ctx
        .run(move |conn, _| sponsors::create_project(conn, &user, &id, input))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/projects/{}", project.id)))
        .json(project))
}

/// `GET /api/v1/sponsors/{id}/projects`.
#[utoipa::path(get, path = "/api/v1/sponsors/{id}/projects", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")),
    responses((status = 200, description = "The sponsor's projects", body = ProjectList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list_projects(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let items = state
        .ctx
        .run(move |conn, _| sponsors::list_projects(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(ProjectList { items }))
}

/// `GET /api/v1/projects/{id}`.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = crate::service::sponsors::ProjectView), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such project (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn get_project(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "project")?;
    let project = state
        .ctx
        .run(move |conn, _| sponsors::get_project(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(project))
}

/// `PATCH /api/v1/sponsors/{id}` (the sponsor's own employer users) — `{"notify_mode":
/// "per_event"|"daily_digest"}`.
#[utoipa::path(patch, path = "/api/v1/sponsors/{id}", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Sponsor id")), request_body = crate::service::sponsors::SponsorSettings,
    responses((status = 200, description = "Updated", body = crate::service::sponsors::SponsorView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the sponsor's own employer user", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such sponsor (or not yours)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<SponsorSettings>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let input = body.0;
    let sponsor = state
        .ctx
        .run(move |conn, _| sponsors::update_settings(conn, &user, &id, input))
        .await?;
    Ok(HttpResponse::Ok().json(sponsor))
}
