//! The OpenAPI 3.1 document (`/api/openapi.json`), generated from the handlers' annotations
//! and the request and response types themselves, and the Swagger UI at `/api/docs`, served
//! from the binary (no CDN).

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{auth, cases, eligibility, filings, health, metrics, outbox, sponsors, status, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kitdesk",
        description = "Case system of the U.S. Embassy Seoul's KIT desk for Korean skilled workers. \
            Errors are RFC 9457 problem details (application/problem+json) with a stable `code`."
    ),
    paths(
        auth::login, auth::logout, auth::me,
        users::create, users::list, users::get, users::update,
        sponsors::register, sponsors::list, sponsors::get, sponsors::update, sponsors::verify,
        sponsors::create_project, sponsors::list_projects, sponsors::get_project,
        filings::create,
        cases::list, cases::counts, cases::get, cases::act, cases::notes, cases::add_note, cases::history,
        status::lookup,
        eligibility::evaluate, eligibility::case_eligibility, eligibility::list_rulesets,
        eligibility::publish, eligibility::route_versions, eligibility::impact, eligibility::cap,
        outbox::list,
        health::healthz, health::readyz, metrics::render,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "accounts", description = "Sign-in, sessions and user accounts"),
        (name = "sponsors", description = "Sponsor companies and their projects"),
        (name = "cases", description = "Batch filing, the case queue and the case workflow"),
        (name = "eligibility", description = "The rules engine: evaluations, rule sets, caps"),
        (name = "public", description = "Open to applicants, who have no account"),
        (name = "operations", description = "Probes and metrics"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                super::extract::SESSION_COOKIE,
            ))),
        );
    }
}

/// `/api/docs/` (Swagger UI) and `/api/openapi.json`.
pub fn docs() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}
