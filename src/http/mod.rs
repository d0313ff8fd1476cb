//! The HTTP face of kitdesk: the route table, extractors, the JSON API and operational
//! endpoints. Handlers parse the request, call one use case in `service`, and shape the
//! answer; they hold no business rules and issue no SQL.

pub mod auth;
pub mod cases;
pub mod eligibility;
pub mod extract;
pub mod filings;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod outbox;
pub mod pages;
pub mod sponsors;
pub mod status;
pub mod users;

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::domain::Role;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::throttle::{KeyedThrottle, LoginThrottle};
use crate::service::{AppContext, ServiceError};

/// `{"items": [...]}` answers, named so that the OpenAPI document can describe them.
macro_rules! list_types {
    ($($name:ident => $item:ty),* $(,)?) => {
        $(
            #[derive(serde::Serialize, utoipa::ToSchema)]
            pub struct $name {
                pub items: Vec<$item>,
            }
        )*
    };
}

list_types! {
    UserList => crate::service::accounts::UserView,
    SponsorList => crate::service::sponsors::SponsorView,
    ProjectList => crate::service::sponsors::ProjectView,
    NoteList => crate::service::cases::NoteView,
    HistoryList => crate::service::cases::HistoryEntry,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ctx: AppContext,
    pub login_throttle: Arc<LoginThrottle>,
    pub status_throttle: Arc<KeyedThrottle<IpAddr>>,
    pub metrics: Option<PrometheusHandle>,
    pub cookie_secure: bool,
    pub trust_proxy: bool,
}

/// Declares the API routes once: the macro registers them and lists them in [`API_ROUTES`],
/// which the authorization-matrix test walks, so a route cannot be added without a row there.
macro_rules! api_routes {
    ($(($method:ident, $path:literal, $handler:path)),* $(,)?) => {
        /// Every `/api/v1` route as (method, path).
        pub const API_ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn api_scope() -> impl actix_web::dev::HttpServiceFactory {
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(extract::resolve_session))
                $(.route($path, web::$method().to($handler)))*
                .default_service(web::to(api_fallback))
        }
    };
}

api_routes![
    (post, "/auth/login", auth::login),
    (post, "/auth/logout", auth::logout),
    (get, "/me", auth::me),
    (post, "/users", users::create),
    (get, "/users", users::list),
    (get, "/users/{id}", users::get),
    (patch, "/users/{id}", users::update),
    (post, "/sponsors/register", sponsors::register),
    (get, "/sponsors", sponsors::list),
    (get, "/sponsors/{id}", sponsors::get),
    (patch, "/sponsors/{id}", sponsors::update),
    (post, "/sponsors/{id}/verify", sponsors::verify),
    (post, "/sponsors/{id}/projects", sponsors::create_project),
    (get, "/sponsors/{id}/projects", sponsors::list_projects),
    (get, "/projects/{id}", sponsors::get_project),
    (post, "/filings", filings::create),
    (get, "/cases", cases::list),
    (get, "/cases/counts", cases::counts),
    (get, "/cases/{id}", cases::get),
    (post, "/cases/{id}/actions", cases::act),
    (get, "/cases/{id}/notes", cases::notes),
    (post, "/cases/{id}/notes", cases::add_note),
    (get, "/cases/{id}/history", cases::history),
    (post, "/status", status::lookup),
    (post, "/eligibility/evaluate", eligibility::evaluate),
    (
        get,
        "/cases/{id}/eligibility",
        eligibility::case_eligibility
    ),
    (get, "/rulesets", eligibility::list_rulesets),
    (post, "/rulesets", eligibility::publish),
    (get, "/rulesets/{route}", eligibility::route_versions),
    (post, "/rulesets/{route}/impact", eligibility::impact),
    (get, "/caps/{route}/{fy}", eligibility::cap),
    (get, "/outbox", outbox::list),
];

/// The whole route table. Each route's authorization rule is stated in its handler's module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::render))
        .service(openapi::docs())
        .service(api_scope())
        .configure(pages::routes)
        .default_service(web::to(not_found));
}

/// The operational routes outside `/api/v1`, all GET: another method on them is 405.
const OPERATIONAL_ROUTES: &[&str] = &["/healthz", "/readyz", "/metrics", "/api/openapi.json"];

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if OPERATIONAL_ROUTES.contains(&req.path()) {
        return Ok(crate::error::method_not_allowed(
            req.method(),
            &["GET".to_owned()],
        ));
    }
    Err(ServiceError::NotFound("resource").into())
}

/// An `/api/v1` request no route took: 405 with `Allow` when its path exists under other
/// methods (RFC 9110 §15.5.6), else 404.
async fn api_fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    static PATTERNS: std::sync::OnceLock<Vec<(&'static str, actix_web::dev::ResourceDef)>> =
        std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        API_ROUTES
            .iter()
            .map(|(method, path)| {
                let def = actix_web::dev::ResourceDef::new(format!("/api/v1{path}"));
                (*method, def)
            })
            .collect()
    });
    let mut allowed: Vec<String> = patterns
        .iter()
        .filter(|(_, def)| def.is_match(req.path()))
        .map(|(method, _)| method.to_ascii_uppercase())
        .collect();
    if allowed.is_empty() {
        return Err(ServiceError::NotFound("resource").into());
    }
    allowed.sort();
    allowed.dedup();
    Ok(crate::error::method_not_allowed(req.method(), &allowed))
}

/// Refuses unless the user has one of `roles`.
pub fn require_role(user: &AuthUser, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&user.role) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "this needs one of the roles: {}",
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into())
    }
}

/// Error handlers for actix's own extractors, so that even their failures are problem+json.
pub fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        ApiError(ServiceError::BadRequest {
            code: "invalid_query",
            message: format!("invalid query string: {err}"),
        })
        .into()
    }))
    .app_data(
        web::PathConfig::default()
            .error_handler(|_, _| ApiError(ServiceError::NotFound("resource")).into()),
    );
}
