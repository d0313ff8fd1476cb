//! The HTTP face of kitdesk: the route table, extractors, the JSON API and operational
//! endpoints. Handlers parse the request, call one use case in `service`, and shape the
//! answer; they hold no business rules and issue no SQL.

pub mod auth;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod users;

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::domain::Role;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::throttle::LoginThrottle;
use crate::service::{AppContext, ServiceError};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ctx: AppContext,
    pub login_throttle: Arc<LoginThrottle>,
    pub metrics: Option<PrometheusHandle>,
    pub cookie_secure: bool,
    pub trust_proxy: bool,
}

/// The whole route table. Each route's authorization rule is in its handler, stated first.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::render))
        .service(
            web::scope("/api/v1")
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/me", web::get().to(auth::me))
                .route("/users", web::post().to(users::create))
                .route("/users", web::get().to(users::list))
                .route("/users/{id}", web::get().to(users::get))
                .route("/users/{id}", web::patch().to(users::update)),
        )
        .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let _ = req;
    Err(ServiceError::NotFound("resource").into())
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
