//! Eligibility, rule sets and caps.
//!
//! Authorization: the pre-check evaluation is for employers, officers and supervisors; a
//! case's eligibility follows the case's visibility; rule sets are readable by every
//! signed-in user (they restate public law); publishing and impact previews are for
//! supervisors; cap usage is for the desk.

use actix_web::{web, HttpResponse};

use super::extract::{parse_id, read_body, ApiJson};
use super::{require_role, AppState};
use crate::domain::FactsV2;
use crate::domain::{Role, VisaRoute};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::eligibility;
use crate::service::ServiceError;

/// Largest rule-set text accepted.
pub const MAX_RULESET_BYTES: usize = 256 * 1024;

#[utoipa::path(post, path = "/api/v1/eligibility/evaluate", tag = "eligibility", security(("bearer" = []), ("cookie" = [])),
    params(EvaluateQuery),
    request_body(content = FactsV2, description = "A facts document, v2 (or v1, upgraded: the facts new in v2 are then missing and their rules in error); docs/domain.md"),
    responses((status = 200, description = "Every route's outcome with each rule's status, message in English and Korean, citation, the facts it read and the dated parameters it used", body = eligibility::Explanation),
        (status = 400, description = "Malformed JSON, or an unknown or malformed query parameter", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Not for admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "An ill-typed or unknown fact (named), or no usable filing_date", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `POST /api/v1/eligibility/evaluate` — a dry evaluation of a facts document; stores nothing.
pub async fn evaluate(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<EvaluateQuery>,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Employer, Role::Officer, Role::Supervisor])?;
    if !body.0.is_object() {
        return Err(ServiceError::validation("body", "must be a facts object (v1 or v2)").into());
    }
    // Parsed once, here: an ill-typed or unknown fact is a 422 naming it; a missing one is
    // an `error` on the rules that read it.
    let facts =
        FactsV2::from_value(body.0).map_err(|p| ServiceError::validation(p.field, p.message))?;
    let query = query.into_inner();
    let (on, days) = (query.on, query.days_in_us_last_365);
    let explanation = state
        .ctx
        .run(move |conn, ctx| eligibility::evaluate_document(conn, ctx, &user, &facts, on, days))
        .await?;
    Ok(HttpResponse::Ok().json(explanation))
}

/// `?on=YYYY-MM-DD`: evaluate as of that date (default: the document's filing date).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvaluateQuery {
    /// The evaluation date: versions and parameters are chosen by it.
    pub on: Option<chrono::NaiveDate>,
    /// The worker's days in the U.S. in the 365 days that end at the planned exit, before the
    /// planned entry (`ctx.days_in_us_last_365`, read by GEN-PRESENCE); default 0: a dry run
    /// has no recorded trips.
    pub days_in_us_last_365: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/eligibility", tag = "eligibility", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The current evaluation (date, versions, trigger), its outcomes and the explanation replayed with the same rule-set versions", body = eligibility::CaseEligibility),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Forbidden", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such case (or not yours)", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/cases/{id}/eligibility`.
pub async fn case_eligibility(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let answer = state
        .ctx
        .run(move |conn, ctx| eligibility::case_eligibility(conn, ctx, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(get, path = "/api/v1/rulesets", tag = "eligibility", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "Every route with its versions", body = serde_json::Value),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/rulesets`.
pub async fn list_rulesets(
    state: web::Data<AppState>,
    _signed_in: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let answer = state.ctx.run(eligibility::list_rulesets).await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(get, path = "/api/v1/rulesets/{route}", tag = "eligibility", security(("bearer" = []), ("cookie" = [])), params(("route" = String, Path, description = "Route id, e.g. B1-CIW, or GEN for the common rules")),
    responses((status = 200, description = "All versions of the route, with their sources", body = serde_json::Value),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such route", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/rulesets/{route}`.
pub async fn route_versions(
    state: web::Data<AppState>,
    _signed_in: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let route = path.into_inner();
    let answer = state
        .ctx
        .run(move |conn, ctx| eligibility::route_versions(conn, ctx, &route))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn toml_body(mut payload: web::Payload) -> Result<String, ApiError> {
    let bytes = read_body(&mut payload, MAX_RULESET_BYTES).await?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ServiceError::validation("body", "must be UTF-8 TOML text").into())
}

#[utoipa::path(post, path = "/api/v1/rulesets", tag = "eligibility", security(("bearer" = []), ("cookie" = [])),
    request_body(content = String, content_type = "application/toml", description = "The new version's TOML (see docs/rules.md)"),
    responses((status = 201, description = "Published", body = serde_json::Value),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 409, description = "Refused: the report lists each problem (validation, its own tests, version windows)", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, description = "Too large", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "Not UTF-8", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `POST /api/v1/rulesets` — publishes a version (supervisors).
pub async fn publish(
    state: web::Data<AppState>,
    user: AuthUser,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Supervisor])?;
    let source = toml_body(payload).await?;
    let published = state
        .ctx
        .run(move |conn, ctx| eligibility::publish(conn, ctx, &user, &source))
        .await?;
    Ok(HttpResponse::Created().json(published))
}

#[utoipa::path(post, path = "/api/v1/rulesets/{route}/impact", tag = "eligibility", security(("bearer" = []), ("cookie" = [])), params(("route" = String, Path, description = "Route id")),
    request_body(content = String, content_type = "application/toml", description = "A draft version's TOML"),
    responses((status = 200, description = "How stored cases' outcomes would change: counts and the list", body = crate::service::eligibility::ImpactReport),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 409, description = "The draft does not validate", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, description = "Too large", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "Draft for another route, or not UTF-8", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `POST /api/v1/rulesets/{route}/impact` — dry run of a draft over stored cases.
pub async fn impact(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Supervisor])?;
    let route = path.into_inner();
    let source = toml_body(payload).await?;
    let answer = state
        .ctx
        .run(move |conn, ctx| eligibility::impact(conn, ctx, Some(&route), &source, &mut |_| {}))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The route and fiscal year of a cap path (`E4-PWK`, `2027` or `FY2027`); anything else is
/// a 404, like a cap that does not exist.
fn capped_year((route, fy): (String, String)) -> Result<(VisaRoute, i32), ServiceError> {
    let route: VisaRoute = route
        .parse()
        .map_err(|_| ServiceError::NotFound("cap for this route"))?;
    let fy: i32 = fy
        .trim_start_matches("FY")
        .parse()
        .map_err(|_| ServiceError::NotFound("fiscal year"))?;
    Ok((route, fy))
}

#[utoipa::path(get, path = "/api/v1/caps/{route}/{fy}", tag = "eligibility", security(("bearer" = []), ("cookie" = [])),
    params(("route" = String, Path, description = "A capped route: E4-PWK"), ("fy" = i32, Path, description = "U.S. fiscal year, e.g. 2027")),
    responses((status = 200, description = "Cap, used, remaining", body = eligibility::CapUsage),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "Not a capped route or year", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/caps/{route}/{fy}`.
pub async fn cap(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Officer, Role::Supervisor])?;
    let (route, fy) = capped_year(path.into_inner())?;
    let usage = state
        .ctx
        .run(move |conn, ctx| eligibility::cap_usage(conn, ctx, route, fy))
        .await?;
    Ok(HttpResponse::Ok().json(usage))
}

#[utoipa::path(get, path = "/api/v1/caps/{route}/{fy}/simulation", tag = "eligibility", security(("bearer" = []), ("cookie" = [])),
    params(("route" = String, Path, description = "A capped route: E4-PWK"), ("fy" = i32, Path, description = "U.S. fiscal year of planned entry, e.g. 2027"), eligibility::SimulationQuery),
    responses((status = 200, description = "How the proposed cap would be used by the open cases; nothing is reserved", body = eligibility::CapSimulation),
        (status = 400, description = "An unknown or malformed query parameter", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Supervisors only", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "Not a capped route or year", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "A what-if input out of range", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/caps/{route}/{fy}/simulation?cap=&approval_rate=` — supervisors.
pub async fn cap_simulation(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<eligibility::SimulationQuery>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Supervisor])?;
    let (route, fy) = capped_year(path.into_inner())?;
    let query = query.into_inner();
    let simulation = state
        .ctx
        .run(move |conn, ctx| eligibility::cap_simulation(conn, ctx, &user, route, fy, query))
        .await?;
    Ok(HttpResponse::Ok().json(simulation))
}

#[utoipa::path(get, path = "/api/v1/reevaluations/{id}", tag = "eligibility", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "The run id a publish answered with")),
    responses((status = 200, description = "Progress of the re-evaluation of undecided cases", body = crate::db::rules::ReevaluationRun),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Desk only", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such run", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/reevaluations/{id}` — the desk.
pub async fn reevaluation(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_role(&user, &[Role::Officer, Role::Supervisor])?;
    let id = path.into_inner();
    let run = state
        .ctx
        .run(move |conn, _| eligibility::reevaluation(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(run))
}
