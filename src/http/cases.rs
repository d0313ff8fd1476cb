//! Cases: the queue, one case, actions, notes, history.
//!
//! Authorization: officers and supervisors read every case; employers read their own
//! sponsor's and (as prime) their subcontractors' — another sponsor's case is a 404;
//! admins read none. Who may take which action is the state machine's rule
//! (`domain::case`), checked by `service::cases`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::{AppState, HistoryList, NoteList};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::cases::{self, CaseAction, NewNote, QueueQuery};
use crate::service::ServiceError;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`); 428 when absent.
fn if_match_version(req: &HttpRequest) -> Result<i64, ApiError> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ServiceError::PreconditionRequired)?
        .to_str()
        .map_err(|_| ServiceError::validation("If-Match", "must be the case's ETag, e.g. \"3\""))?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map_err(|_| {
            ServiceError::validation("If-Match", "must be the case's ETag, e.g. \"3\"").into()
        })
}

/// `GET /api/v1/cases` — the queue, keyset-paginated.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = []), ("cookie" = [])), params(QueueQuery),
    responses((status = 200, description = "One page, oldest first", body = crate::service::cases::QueuePage), (status = 400, description = "Invalid query", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid filter", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let desk = user.role.is_desk();
    let body = match cases::queue_on_worker(&state.ctx, &user, &q).await? {
        Some(page) => super::queue_json::page(&page, desk),
        None => {
            state
                .ctx
                .run_then(
                    move |conn, _| cases::queue(conn, &user, q),
                    move |page| Ok(super::queue_json::page(&page, desk)),
                )
                .await?
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// `GET /api/v1/cases/counts` — cases per status the user can see.
#[utoipa::path(get, path = "/api/v1/cases/counts", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "Number of visible cases per status", body = std::collections::HashMap<String, i64>), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn counts(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let counts = state
        .ctx
        .run(move |conn, _| cases::counts(conn, &user))
        .await?;
    Ok(HttpResponse::Ok().json(counts))
}

/// `GET /api/v1/cases/{id}` — with an `ETag` of its version.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = crate::service::cases::CaseView, headers(("ETag" = String, description = "The case's version, for If-Match"))), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let role = user.role;
    let case = state
        .ctx
        .run(move |conn, _| cases::get(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(case.version)))
        .content_type(actix_web::http::header::ContentType::json())
        .body(super::for_role(role, &case)?))
}

/// `POST /api/v1/cases/{id}/actions` — needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Case id"), ("If-Match" = String, Header, description = "The case's ETag")), request_body = CaseAction,
    responses((status = 200, description = "Applied", body = crate::service::cases::CaseView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not allowed for this role", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or not yours)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Not possible in this state; lists allowed_actions", content_type = "application/problem+json", body = crate::error::Problem), (status = 412, description = "Stale If-Match", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem), (status = 428, description = "If-Match missing", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn act(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: ApiJson<CaseAction>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let version = if_match_version(&req)?;
    let action = body.0;
    let kind = action.kind();
    let actor = user.id.clone();
    let role = user.role;
    let case = state
        .ctx
        .run(move |conn, ctx| cases::apply_action(conn, ctx, &user, &id, version, action))
        .await?;
    tracing::info!(case_id = %case.id, action = %kind, actor = %actor, status = %case.status, "case action");
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(case.version)))
        .content_type(actix_web::http::header::ContentType::json())
        .body(super::for_role(role, &case)?))
}

/// `GET /api/v1/cases/{id}/notes` — employers see shared messages only.
#[utoipa::path(get, path = "/api/v1/cases/{id}/notes", tag = "cases", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "Notes (employers: shared only)", body = NoteList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn notes(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let items = state
        .ctx
        .run(move |conn, _| cases::list_notes(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(NoteList { items }))
}

/// `POST /api/v1/cases/{id}/notes` — `{"body","visibility":"internal"|"shared"}`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")), request_body = NewNote,
    responses((status = 201, description = "Added", body = crate::service::cases::NoteView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or not yours)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn add_note(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let input = body.0;
    let note = state
        .ctx
        .run(move |conn, _| cases::add_note(conn, &user, &id, input))
        .await?;
    Ok(HttpResponse::Created().json(note))
}

/// `GET /api/v1/cases/{id}/history` — the audit rows of the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "cases", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "Audit rows of the case", body = HistoryList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let items = state
        .ctx
        .run(move |conn, _| cases::history(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(HistoryList { items }))
}

/// `POST /api/v1/cases/bulk`: one action on many cases, each checked and recorded as alone.
#[utoipa::path(post, path = "/api/v1/cases/bulk", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    request_body = crate::service::bulk::BulkInput,
    responses((status = 200, description = "Per case: applied, skipped (not possible in its state) or failed (changed since seen, not found…), with its new version", body = crate::service::bulk::BulkAnswer),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "The desk only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such filing or project", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "An action other than assign, start_review or request_evidence, or not exactly one of cases, filing_id, project_id", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn bulk(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<crate::service::bulk::BulkInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let answer = state
        .ctx
        .run(move |conn, ctx| crate::service::bulk::run(conn, ctx, &user, input))
        .await?;
    tracing::info!(
        applied = answer.applied,
        skipped = answer.skipped,
        failed = answer.failed,
        "bulk action"
    );
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/v1/cases/export`: the list's filters, and the format.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (the default) or `csv`.
    pub format: Option<String>,
    pub status: Option<String>,
    pub route: Option<String>,
    pub sponsor_id: Option<String>,
    pub project_id: Option<String>,
    pub filing_id: Option<String>,
    pub overdue: Option<bool>,
    /// The same search as the list's `q`.
    pub q: Option<String>,
    /// `me` or an officer's id, as the list's.
    pub assignee: Option<String>,
    /// Filed on or after this day (YYYY-MM-DD).
    pub filed_from: Option<String>,
    /// Filed on or before this day (YYYY-MM-DD).
    pub filed_to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", security(("bearer" = []), ("cookie" = [])), params(ExportQuery),
    responses((status = 200, description = "The cases the list shows with these filters (every page, at most 10,000), as an Excel workbook or CSV; headers in Korean and English", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "An unknown query parameter", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A bad filter or format", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let xlsx = match q.format.as_deref() {
        None | Some("xlsx") => true,
        Some("csv") => false,
        Some(_) => {
            return Err(
                crate::service::ServiceError::validation("format", "must be xlsx or csv").into(),
            )
        }
    };
    let filters = QueueQuery {
        status: q.status,
        route: q.route,
        sponsor_id: q.sponsor_id,
        project_id: q.project_id,
        filing_id: q.filing_id,
        overdue: q.overdue,
        q: q.q,
        assignee: q.assignee,
        filed_from: q.filed_from,
        filed_to: q.filed_to,
        ..QueueQuery::default()
    };
    let body = state
        .ctx
        .run(move |conn, _| {
            let (rows, projects) = crate::service::case_export::rows(conn, &user, filters)?;
            if xlsx {
                crate::service::case_export::xlsx(&rows, &projects)
            } else {
                crate::service::case_export::csv(&rows, &projects)
            }
        })
        .await?;
    let (content_type, name) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "kitdesk-cases.xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "kitdesk-cases.csv")
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}
