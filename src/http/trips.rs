//! Trips and presence: `POST/GET /api/v1/cases/{id}/trips`, `GET /api/v1/cases/{id}/presence`.
//!
//! Also `PATCH /api/v1/cases/{id}/trips/{trip_id}` (the exit of an open trip).
//!
//! Authorization: whoever reads the case reads its trips and presence (its sponsor's employer
//! users, the prime, the desk; another sponsor 404, admins 403). Recording a trip or its exit: the case's
//! sponsor (or its prime) and the desk. The desk's presence counts the worker's trips on
//! every case with the same passport and lists those cases; an employer's counts this case's
//! trips only. Checked by `service::trips`.

use actix_web::{web, HttpResponse};

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::trips::{self, NewTrip, TripExit};
use crate::service::ServiceError;

/// `POST /api/v1/cases/{id}/trips`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/trips", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")), request_body = NewTrip,
    responses((status = 201, description = "The trip recorded", body = crate::service::trips::TripView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the case's sponsor or the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid field (class, dates in the future, exit before entry)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn add(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<NewTrip>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let input = body.0;
    let trip = state
        .ctx
        .run(move |conn, ctx| trips::add(conn, ctx, &user, &id, input))
        .await?;
    Ok(HttpResponse::Created().json(trip))
}

/// `PATCH /api/v1/cases/{id}/trips/{trip_id}`: the worker has left.
#[utoipa::path(patch, path = "/api/v1/cases/{id}/trips/{trip_id}", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id"), ("trip_id" = String, Path, description = "Trip id")), request_body = TripExit,
    responses((status = 200, description = "The trip with its exit", body = crate::service::trips::TripView), (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the case's sponsor or the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case or trip (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "`trip_closed`: the exit is already recorded", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "An exit before the entry or in the future", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn record_exit(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: ApiJson<TripExit>,
) -> Result<HttpResponse, ApiError> {
    let (case, trip) = path.into_inner();
    let case = parse_id(&case, "case")?;
    let trip = parse_id(&trip, "trip")?;
    let input = body.0;
    let view = state
        .ctx
        .run(move |conn, ctx| trips::record_exit(conn, ctx, &user, &case, &trip, input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /api/v1/cases/{id}/trips`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/trips", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case's trips, earliest first", body = crate::service::trips::TripList), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let list = state
        .ctx
        .run(move |conn, ctx| trips::list(conn, ctx, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `GET /api/v1/cases/{id}/presence`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/presence", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "Days in the U.S. in the last 365 days (calendar days, entry and exit included, overlaps once, open trips to today)", body = crate::service::trips::PresenceView), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn presence(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let view = state
        .ctx
        .run(move |conn, ctx| trips::presence(conn, ctx, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /api/v1/cases/{id}/trips/import` — an I-94 travel history as `text/csv`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/trips/import", tag = "after the visa", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    request_body(content = String, content_type = "text/csv", description = "The I-94 travel history: a header line naming date, document, class, port and type (Arrival or Departure), then one line per crossing"),
    responses((status = 201, description = "The trips recorded (each arrival with the next departure; a last arrival is an open trip)", body = crate::service::trips::ImportReport), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Not the case's sponsor or the desk", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not text/csv", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Lines that do not read, named `lines[N].field`; nothing is recorded", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn import(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    super::extract::require_csv(&req, "send the travel history as text/csv")?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ServiceError::validation("csv", "the file is not UTF-8 text"))?;
    let report = state
        .ctx
        .run(move |conn, ctx| trips::import_i94(conn, ctx, &user, &id, &text))
        .await?;
    Ok(HttpResponse::Created().json(report))
}
