//! Interview windows and slots: `POST /api/v1/interview-windows`, `POST
//! /api/v1/interview-windows/{id}/close`, `GET /api/v1/interview-slots`, `GET
//! /api/v1/interview-rebookings`, and batch booking `POST /api/v1/filings/{id}/interviews`.
//!
//! Authorization: supervisors open and close windows; officers and supervisors read slots,
//! the cases to rebook, and batch-book a filing; employers and admins get 403 (employers see
//! their own cases' interview on the case). Checked by `service::interviews`.

use actix_web::{web, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::interviews::{
    self, BatchBookingRequest, CloseWindow, NewWindow, ReportQuery, SlotQuery,
};

/// `POST /api/v1/interview-windows` — a window of slots on a working day, in Seoul time.
#[utoipa::path(post, path = "/api/v1/interview-windows", tag = "interviews", security(("bearer" = []), ("cookie" = [])), request_body = NewWindow,
    responses((status = 201, description = "The window and its slots (Seoul time)", body = crate::service::interviews::WindowView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field, or `closed_day`: a weekend or a Korean or U.S. holiday", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn open_window(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<NewWindow>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let window = state
        .ctx
        .run(move |conn, ctx| interviews::open_window(conn, ctx, &user, input))
        .await?;
    Ok(HttpResponse::Created().json(window))
}

/// `POST /api/v1/interview-windows/{id}/close` — `{"reason"}`; lists the cases to rebook.
#[utoipa::path(post, path = "/api/v1/interview-windows/{id}/close", tag = "interviews", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Window id")), request_body = CloseWindow,
    responses((status = 200, description = "Closed; the booked cases to rebook", body = crate::service::interviews::WindowClosed), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such window", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Closed already", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn close_window(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<CloseWindow>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "interview window")?;
    let input = body.0;
    let closed = state
        .ctx
        .run(move |conn, _| interviews::close_window(conn, &user, &id, input))
        .await?;
    Ok(HttpResponse::Ok().json(closed))
}

/// `GET /api/v1/interview-slots?from=&to=` — slots with their use and who is booked.
#[utoipa::path(get, path = "/api/v1/interview-slots", tag = "interviews", security(("bearer" = []), ("cookie" = [])), params(SlotQuery),
    responses((status = 200, description = "Slots, earliest first (Seoul time)", body = crate::service::interviews::SlotList), (status = 400, description = "Invalid query", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Officers and supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid range", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list_slots(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<SlotQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let list = state
        .ctx
        .run(move |conn, ctx| interviews::list_slots(conn, ctx, &user, q))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `GET /api/v1/interview-rebookings` — cases booked in a slot that was closed.
#[utoipa::path(get, path = "/api/v1/interview-rebookings", tag = "interviews", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "Cases to rebook", body = crate::service::interviews::RebookList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Officers and supervisors only", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn rebookings(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let list = state
        .ctx
        .run(move |conn, _| interviews::to_rebook(conn, &user))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/filings/{id}/interviews` — `{"from": date}`: books the filing's cases that
/// await an interview into the earliest free slots, earliest planned entry first.
#[utoipa::path(post, path = "/api/v1/filings/{id}/interviews", tag = "interviews", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Filing id")), request_body = BatchBookingRequest,
    responses((status = 200, description = "Each case's slot, or why not", body = crate::service::interviews::BatchBookingReport), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Officers and supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such filing", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn book_filing(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<BatchBookingRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "filing")?;
    let input = body.0;
    let report = state
        .ctx
        .run(move |conn, ctx| interviews::book_filing(conn, ctx, &user, &id, input))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /api/v1/reports/interviews?from=&to=` — slot use, no-shows, medians (supervisors).
#[utoipa::path(get, path = "/api/v1/reports/interviews", tag = "interviews", security(("bearer" = []), ("cookie" = [])), params(ReportQuery),
    responses((status = 200, description = "Slot use per day and week, the no-show rate, median days filing → interview → decision", body = crate::service::interviews::InterviewReport), (status = 400, description = "Invalid query", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid range", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let report = state
        .ctx
        .run(move |conn, ctx| interviews::report(conn, ctx, &user, q))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
