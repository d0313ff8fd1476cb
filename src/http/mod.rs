//! The HTTP face of kitdesk: the route table, extractors, the JSON API and operational
//! endpoints. Handlers parse the request, call one use case in `service`, and shape the
//! answer; they hold no business rules and issue no SQL.

pub mod after_visa_doc;
pub mod auth;
pub mod batch_template;
pub mod cases;
pub mod client_ip;
pub mod colleagues;
pub mod confirmations;
pub mod documents;
pub mod eligibility;
pub mod extract;
pub mod filings;
pub mod health;
pub mod interviews;
pub mod metrics;
pub mod mfa;
pub mod openapi;
pub mod outbox;
pub mod overstay;
pub mod pages;
pub mod password_reset;
pub mod queue_json;
pub mod reports;
pub mod request_log;
pub mod sponsor_review;
pub mod sponsors;
pub mod status;
pub mod training;
pub mod trips;
pub mod users;

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::domain::Role;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::throttle::{LoginThrottle, StatusThrottle};
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
    /// Registrations, limited like sign-in (per address, per contact address, per pair).
    pub registration_throttle: Arc<LoginThrottle>,
    pub status_throttle: Arc<StatusThrottle>,
    /// Password reset requests, link tokens and second-factor codes.
    pub account_throttle: Arc<crate::service::throttle::AccountThrottle>,
    /// Public verifications of confirmations, per client address.
    pub verify_throttle: Arc<crate::service::throttle::KeyedThrottle<std::net::IpAddr>>,
    /// The public training figures (page and API), per client address: each answer sums
    /// the whole ledger.
    pub figures_throttle: Arc<crate::service::throttle::KeyedThrottle<std::net::IpAddr>>,
    pub metrics: Option<PrometheusHandle>,
    pub cookie_secure: bool,
    /// The data folder: the readiness probe checks that it is writable.
    pub data_dir: std::path::PathBuf,
    /// Where the client address comes from (throttles, logs).
    pub client_ip: client_ip::ClientIpSource,
}

/// Declares the API routes once, grouped by path: the macro registers them and lists them in
/// [`API_ROUTES`], which the authorization-matrix test walks, so a route cannot be added
/// without a row there. Each path is one resource, which answers a method it lacks with 405
/// and `Allow` (RFC 9110 §15.5.6) — also where a literal path shadows a template, as
/// `/sponsors/register` does `/sponsors/{id}`: the literal is listed first and keeps its
/// other methods.
macro_rules! api_routes {
    ($($path:literal => [$(($method:ident, $handler:path)),+ $(,)?]),* $(,)?) => {
        /// Every `/api/v1` route as (method, path).
        pub const API_ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path)),+),*];

        fn api_scope() -> impl actix_web::dev::HttpServiceFactory {
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(extract::resolve_session))
                .configure(|cfg| {
                    // The router tries resources in the order they were registered, matching
                    // each template with a regular expression: literal paths first (a string
                    // comparison each), so that a request for one never pays for the
                    // templates; then the templates in the order listed.
                    for literals in [true, false] {
                        $(if literals != $path.contains('{') {
                            cfg.service(
                                web::resource($path)
                                    $(.route(web::$method().to($handler)))+
                                    .default_service(web::to(|req: HttpRequest| async move {
                                        let mut allowed = [$(stringify!($method).to_ascii_uppercase()),+];
                                        allowed.sort();
                                        crate::error::method_not_allowed(req.method(), &allowed)
                                    })),
                            );
                        })*
                    }
                })
                .default_service(web::to(not_found))
        }
    };
}

api_routes![
    "/auth/login" => [(post, auth::login)],
    "/auth/logout" => [(post, auth::logout)],
    "/auth/password-reset" => [(post, password_reset::request)],
    "/auth/password-reset/confirm" => [(post, password_reset::confirm)],
    "/auth/mfa" => [(post, mfa::sign_in)],
    "/me/mfa/totp" => [(post, mfa::start_totp)],
    "/me/mfa/totp/confirm" => [(post, mfa::confirm_totp)],
    "/me/mfa/passkeys/begin" => [(post, mfa::passkey_register_begin)],
    "/me/mfa/passkeys/finish" => [(post, mfa::passkey_register_finish)],
    "/auth/mfa/passkey/begin" => [(post, mfa::passkey_sign_in_begin)],
    "/auth/mfa/passkey/finish" => [(post, mfa::passkey_sign_in_finish)],
    "/users/{id}/mfa/reset" => [(post, mfa::reset)],
    "/me" => [(get, auth::me)],
    "/users" => [(post, users::create), (get, users::list)],
    "/users/{id}" => [(get, users::get), (patch, users::update)],
    "/sponsors/register" => [(post, sponsors::register)],
    "/sponsors" => [(get, sponsors::list)],
    "/sponsors/{id}" => [(get, sponsors::get), (patch, sponsors::update)],
    "/sponsors/{id}/verify" => [(post, sponsor_review::verify)],
    "/sponsors/{id}/reject" => [(post, sponsor_review::reject)],
    "/sponsors/{id}/request-information" => [(post, sponsor_review::request_information)],
    "/sponsors/{id}/checklist" => [(get, sponsor_review::checklist)],
    "/sponsors/{id}/checklist/{item}" => [(put, sponsor_review::record)],
    "/sponsors/{id}/projects" => [(post, sponsors::create_project), (get, sponsors::list_projects)],
    "/projects/{id}" => [(get, sponsors::get_project)],
    "/sponsors/{id}/subcontractor-requests" => [(get, sponsors::link_requests)],
    "/sponsors/{id}/subcontractor-requests/{sub}" => [(post, sponsors::decide_link)],
    "/sponsors/{id}/invitations" => [(post, colleagues::invite), (get, colleagues::invitations)],
    "/sponsors/{id}/users" => [(get, colleagues::users)],
    "/sponsors/{id}/users/{user_id}" => [(patch, colleagues::update_user)],
    "/invitations/accept" => [(post, colleagues::accept)],
    "/filings" => [(post, filings::create)],
    "/filings/preview" => [(post, filings::preview)],
    "/filings/template" => [(get, batch_template::download)],
    "/cases" => [(get, cases::list)],
    "/cases/counts" => [(get, cases::counts)],
    "/cases/bulk" => [(post, cases::bulk)],
    "/cases/export" => [(get, cases::export)],
    "/cases/{id}" => [(get, cases::get)],
    "/cases/{id}/actions" => [(post, cases::act)],
    "/cases/{id}/notes" => [(get, cases::notes), (post, cases::add_note)],
    "/cases/{id}/history" => [(get, cases::history)],
    "/cases/{id}/documents" => [(get, documents::list_for_case), (post, documents::upload_for_case)],
    "/projects/{id}/documents" => [(get, documents::list_for_project), (post, documents::upload_for_project)],
    "/documents/{id}/content" => [(get, documents::content)],
    "/documents/{id}/pages/{page}" => [(get, documents::page_image)],
    "/documents/{id}/review" => [(post, documents::review)],
    "/status" => [(post, status::lookup)],
    "/eligibility/evaluate" => [(post, eligibility::evaluate)],
    "/cases/{id}/eligibility" => [(get, eligibility::case_eligibility)],
    "/rulesets" => [(get, eligibility::list_rulesets), (post, eligibility::publish)],
    "/rulesets/{route}" => [(get, eligibility::route_versions)],
    "/rulesets/{route}/impact" => [(post, eligibility::impact)],
    "/caps/{route}/{fy}" => [(get, eligibility::cap)],
    "/caps/{route}/{fy}/simulation" => [(get, eligibility::cap_simulation)],
    "/reevaluations/{id}" => [(get, eligibility::reevaluation)],
    "/outbox" => [(get, outbox::list)],
    "/interview-windows" => [(post, interviews::open_window)],
    "/interview-windows/{id}/close" => [(post, interviews::close_window)],
    "/interview-slots" => [(get, interviews::list_slots)],
    "/interview-rebookings" => [(get, interviews::rebookings)],
    "/filings/{id}/interviews" => [(post, interviews::book_filing)],
    "/reports/interviews" => [(get, interviews::report)],
    "/reports/cases" => [(get, reports::summary)],
    "/reports/cases/export" => [(get, reports::export)],
    // after the visa (issue 16)
    "/cases/{id}/confirmation" => [(get, confirmations::get)],
    "/cases/{id}/confirmation.pdf" => [(get, confirmations::pdf)],
    "/verify/{token}" => [(get, confirmations::verify)],
    "/cases/{id}/trips" => [(get, trips::list), (post, trips::add)],
    "/cases/{id}/presence" => [(get, trips::presence)],
    "/cases/{id}/trips/import" => [(post, trips::import)],
    "/cases/{id}/trips/{trip_id}" => [(patch, trips::record_exit)],
    "/cases/{id}/overstay-alerts" => [(get, overstay::list)],
    "/overstay-alerts/{id}/finding" => [(post, overstay::finding)],
    "/cases/{id}/training-sessions" => [(get, training::list), (post, training::record)],
    "/cases/{id}/training-sessions/import" => [(post, training::import)],
    "/reports/training" => [(get, training::report)],
    "/reports/training/export" => [(get, training::export)],
    "/public/training" => [(get, training::public)],
];

/// The whole route table. Each route's authorization rule is stated in its handler's module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::render))
        // The API first: the router tries resources in order, and Swagger UI's path is a
        // regular expression that every API request would otherwise be matched against.
        .service(api_scope())
        .route(openapi::DOCUMENT_PATH, web::get().to(openapi::serve))
        .service(openapi::docs())
        .configure(pages::routes)
        .configure(confirmations::public_routes)
        .default_service(web::to(not_found));
}

/// The operational routes outside `/api/v1`, all GET: another method on them is 405.
const OPERATIONAL_ROUTES: &[&str] = &["/healthz", "/readyz", "/metrics", "/api/openapi.json"];

/// No route: a problem+json 404 for programs, and for a browser asking for a page outside
/// the API (a mistyped or outdated address) the "not found" page in its reader's language.
async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if OPERATIONAL_ROUTES.contains(&req.path()) {
        return Ok(crate::error::method_not_allowed(
            req.method(),
            &["GET".to_owned()],
        ));
    }
    if pages::wants_page(&req) {
        return Ok(pages::not_found(&req, &state).await);
    }
    Err(ServiceError::NotFound("resource").into())
}

/// `value` as JSON for `role`: employers do not get the duplicate-passport flag, which
/// would tell them that another sponsor filed the same passport, nor the overstay flag. The
/// desk's answer is written straight to bytes; only an employer's passes through a
/// `serde_json::Value` to lose those fields.
pub fn for_role<T: serde::Serialize>(role: Role, value: &T) -> Result<Vec<u8>, ServiceError> {
    let failed =
        |e: serde_json::Error| ServiceError::Internal(format!("answer did not serialize: {e}"));
    let mut out = Vec::with_capacity(128);
    if role.is_desk() {
        serde_json::to_writer(&mut out, value).map_err(failed)?;
        return Ok(out);
    }
    let mut json = serde_json::to_value(value).map_err(failed)?;
    strip_desk_only(&mut json);
    serde_json::to_writer(&mut out, &json).map_err(failed)?;
    Ok(out)
}

fn strip_desk_only(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            fields.remove("duplicate_passport");
            fields.remove("overstay_alert");
            fields.values_mut().for_each(strip_desk_only);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_desk_only),
        _ => {}
    }
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
