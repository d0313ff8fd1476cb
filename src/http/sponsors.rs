//! Sponsors and their projects.
//!
//! Authorization: registration is open; verification is for officers and supervisors;
//! listing and reading follow `service::access` (employers: own sponsor and subcontractors;
//! desk and admins: all); projects are added by the sponsor's employer users (or its prime's).
//! A sponsor's settings (`PATCH`) are changed by its own employer users only.

use actix_web::{web, HttpResponse};

use super::extract::{client_ip, parse_id, ApiJson};
use super::{AppState, ProjectList, SponsorList};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::sponsors::{self, NewProject, RegisterSponsor, SponsorSettings};
use crate::service::ServiceError;

/// The answer to every accepted registration, whether the address was new (the company and
/// its employer user now exist) or already had an account (that address got a mail instead).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RegistrationReceived {
    /// Always `received`.
    pub status: &'static str,
    pub message_en: &'static str,
    pub message_ko: &'static str,
}

pub const REGISTRATION_RECEIVED: RegistrationReceived = RegistrationReceived {
    status: "received",
    message_en: "Registration received. Sign in with the address and password you gave; filing opens once the desk has verified the company. If the address already had an account, it was sent a mail instead.",
    message_ko: "등록 신청을 받았습니다. 입력하신 주소와 비밀번호로 로그인하십시오. 데스크가 회사를 확인하면 신청할 수 있습니다. 이미 계정이 있는 주소라면 그 주소로 안내 메일을 보냈습니다.",
};

/// `POST /api/v1/sponsors/register` (anyone; throttled like sign-in) → 202, the same answer
/// whether or not the contact address already has an account.
#[utoipa::path(post, path = "/api/v1/sponsors/register", tag = "sponsors", request_body = RegisterSponsor,
    responses((status = 202, description = "Received: the sponsor (pending verification) and its employer user were created, or, if the address already had an account, that address was mailed; the answer does not say which", body = RegistrationReceived), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "A sponsor with this business registration number is registered (`sponsor_exists`)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 429, description = "Throttled; see Retry-After", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn register(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: ApiJson<RegisterSponsor>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let address = client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state
        .registration_throttle
        .check(&input.contact.email, address)
    {
        tracing::warn!(%address, "registration throttled");
        return Err(ServiceError::Throttled { retry_after }.into());
    }
    sponsors::register_anonymously(&state.ctx, input).await?;
    Ok(HttpResponse::Accepted().json(REGISTRATION_RECEIVED))
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

/// A prime contractor's pending subcontractor requests.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LinkRequestList {
    pub items: Vec<sponsors::LinkRequestView>,
}

/// `GET /api/v1/sponsors/{id}/subcontractor-requests` (the prime's employer users).
#[utoipa::path(get, path = "/api/v1/sponsors/{id}/subcontractor-requests", tag = "sponsors", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "The prime contractor's sponsor id")),
    responses((status = 200, description = "Sponsors that registered naming this prime, awaiting its answer", body = LinkRequestList),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Not an employer user", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "Not your sponsor", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn link_requests(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sponsor")?;
    let items = state
        .ctx
        .run(move |conn, _| sponsors::link_requests(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(LinkRequestList { items }))
}

/// `POST /api/v1/sponsors/{id}/subcontractor-requests/{sub}` `{"decision": "accept"|"decline"}`.
#[utoipa::path(post, path = "/api/v1/sponsors/{id}/subcontractor-requests/{sub}", tag = "sponsors", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "The prime contractor's sponsor id"), ("sub" = String, Path, description = "The requesting sponsor's id")),
    request_body = sponsors::LinkDecision,
    responses((status = 200, description = "Answered: accepted links the subcontractor (it files through the prime, which reads its cases)", body = crate::service::sponsors::SponsorView),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Not an employer user", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "Not your sponsor, or no such request", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "A decision other than accept or decline", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn decide_link(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: ApiJson<sponsors::LinkDecision>,
) -> Result<HttpResponse, ApiError> {
    let (id, sub) = path.into_inner();
    let id = parse_id(&id, "sponsor")?;
    let sub = parse_id(&sub, "request")?;
    let input = body.0;
    let view = state
        .ctx
        .run(move |conn, _| sponsors::decide_link(conn, &user, &id, &sub, input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
