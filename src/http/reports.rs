//! The supervisor's reports on cases: counts by state and route, sponsor and officer, weekly
//! figures, days to decision, overdue evidence requests; and the report's cases as a
//! spreadsheet.
//!
//! Authorization: supervisors only (`service::reports`).

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::reports::{self, ReportQuery};
use crate::service::{case_export, ServiceError};

/// `GET /api/v1/reports/cases?from=&to=&sponsor_id=&officer_id=&route=`.
#[utoipa::path(get, path = "/api/v1/reports/cases", tag = "reports", security(("bearer" = []), ("cookie" = [])), params(ReportQuery),
    responses((status = 200, description = "The cases filed in the range (of the sponsor, officer or route if given): by state and route, by sponsor, by officer, per week, days to decision, overdue evidence requests", body = crate::service::reports::Report),
        (status = 400, description = "An unknown query parameter", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A filter that is not a date, an id or a route (named in the problem)", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn summary(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let report = state
        .ctx
        .run(move |conn, _| reports::summary(conn, &user, &q))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The report's filters and the spreadsheet's format.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportExportQuery {
    /// `xlsx` (the default) or `csv`.
    pub format: Option<String>,
    /// Cases filed on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Cases filed on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
    pub sponsor_id: Option<String>,
    pub officer_id: Option<String>,
    /// The decided route, or the suggested one while undecided.
    pub route: Option<String>,
}

/// `GET /api/v1/reports/cases/export?format=xlsx|csv&…`: the report's cases, one row each.
#[utoipa::path(get, path = "/api/v1/reports/cases/export", tag = "reports", security(("bearer" = []), ("cookie" = [])), params(ReportExportQuery),
    responses((status = 200, description = "The report's cases (at most 10,000, oldest first) as an Excel workbook or CSV; headers in Korean and English", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "An unknown query parameter", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "A bad filter or format", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ReportExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let xlsx = match q.format.as_deref() {
        None | Some("xlsx") => true,
        Some("csv") => false,
        Some(_) => return Err(ServiceError::validation("format", "must be xlsx or csv").into()),
    };
    let filters = ReportQuery {
        from: q.from,
        to: q.to,
        sponsor_id: q.sponsor_id,
        officer_id: q.officer_id,
        route: q.route,
    };
    let body = state
        .ctx
        .run(move |conn, _| {
            let rows = reports::cases(conn, &user, &filters)?;
            let projects = case_export::project_names(conn, &rows)?;
            if xlsx {
                case_export::xlsx(&rows, &projects)
            } else {
                case_export::csv(&rows, &projects)
            }
        })
        .await?;
    let (content_type, name) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "kitdesk-report-cases.xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "kitdesk-report-cases.csv")
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
