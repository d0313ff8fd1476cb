//! Sponsors and their projects.
//!
//! Authorization: registration is open; verification is for officers and supervisors;
//! listing and reading follow `service::access` (employers: own sponsor and subcontractors;
//! desk and admins: all); projects are added by the sponsor's employer users (or its prime's).
//! A sponsor's settings (`PATCH`) are changed by its own employer users only.

use actix_web::{web, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::sponsors::{self, NewProject, RegisterSponsor, SponsorSettings};

/// `POST /api/v1/sponsors/register` (anyone) → 201 `{sponsor, user}`.
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
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = state
        .ctx
        .run(move |conn, _| sponsors::list(conn, &user))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/sponsors/{id}`.
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
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/projects/{id}`.
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
