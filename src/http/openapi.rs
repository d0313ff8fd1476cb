//! The OpenAPI 3.1 document (`/api/openapi.json`), generated from the handlers' annotations
//! and the request and response types themselves, and the Swagger UI at `/api/docs`, served
//! from the binary (no CDN).

use std::sync::LazyLock;

use actix_web::http::header::ContentType;
use actix_web::HttpResponse;
use bytes::Bytes;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::{
    auth, batch_template, cases, colleagues, documents, eligibility, filings, health, interviews,
    metrics, mfa, outbox, password_reset, reports, sponsor_review, sponsors, status, users,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kitdesk",
        description = "Case system of the U.S. Embassy Seoul's KIT desk for Korean skilled workers. \
            Errors are RFC 9457 problem details (application/problem+json) with a stable `code`. \
            No string may hold a NUL character or exceed 10,000 characters (422 naming the field); \
            fields state their own, smaller limits."
    ),
    paths(
        auth::login, auth::logout, auth::me,
        password_reset::request, password_reset::confirm,
        mfa::sign_in, mfa::start_totp, mfa::confirm_totp, mfa::reset,
        mfa::passkey_register_begin, mfa::passkey_register_finish, mfa::passkey_sign_in_begin,
        mfa::passkey_sign_in_finish,
        users::create, users::list, users::get, users::update,
        sponsors::register, sponsors::list, sponsors::get, sponsors::update,
        sponsor_review::verify, sponsor_review::reject, sponsor_review::request_information,
        sponsor_review::checklist, sponsor_review::record,
        sponsors::create_project, sponsors::list_projects, sponsors::get_project,
        sponsors::link_requests, sponsors::decide_link,
        colleagues::invite, colleagues::invitations, colleagues::users, colleagues::update_user,
        colleagues::accept,
        filings::create, filings::preview, batch_template::download,
        cases::list, cases::counts, cases::bulk, cases::export, cases::get, cases::act, cases::notes, cases::add_note, cases::history,
        status::lookup,
        eligibility::evaluate, eligibility::case_eligibility, eligibility::list_rulesets,
        eligibility::publish, eligibility::route_versions, eligibility::impact, eligibility::cap,
        eligibility::cap_simulation, eligibility::reevaluation,
        outbox::list,
        documents::upload_for_case, documents::upload_for_project, documents::list_for_case,
        documents::list_for_project, documents::content, documents::page_image, documents::review,
        interviews::open_window, interviews::close_window, interviews::list_slots,
        interviews::rebookings, interviews::book_filing, interviews::report,
        reports::summary, reports::export,
        health::healthz, health::readyz, metrics::render,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "accounts", description = "Sign-in, sessions and user accounts"),
        (name = "sponsors", description = "Sponsor companies and their projects"),
        (name = "cases", description = "Batch filing, the case queue and the case workflow"),
        (name = "eligibility", description = "The rules engine: evaluations, rule sets, caps"),
        (name = "documents", description = "Evidence documents: upload, read, review"),
        (name = "interviews", description = "Interview windows, slots with capacity, booking (Seoul time)"),
        (name = "reports", description = "Supervisors' reports on cases"),
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::extract::SESSION_COOKIE,
                "The browser's session cookie. With it, a POST/PATCH/PUT/DELETE must come from \
                 this origin (Sec-Fetch-Site or Origin; else 403) and carry application/json \
                 (text/csv or an Excel workbook for filings, application/toml for rule sets) or no \
                 body (else 415).",
            ))),
        );
    }
}

/// The document as served: generated from the annotations, then [`constrain`]ed.
pub fn document() -> serde_json::Value {
    // utoipa's model is plain data: it always serializes.
    let mut api = ApiDoc::openapi();
    // after the visa (issue 16): its own document, merged
    api.merge(super::after_visa_doc::AfterVisaDoc::openapi());
    let mut doc = serde_json::to_value(api).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document did not serialize");
        serde_json::Value::Null
    });
    constrain(&mut doc);
    doc
}

/// States the limits the service enforces on its inputs, so that a client (or a fuzzer) can
/// tell valid requests from invalid ones. The allowed values come from the very constants the
/// validation uses, so the two cannot drift apart. What a schema cannot say (a password on the
/// blocklist, a date that must lie ahead) stays a 422. Done on the JSON: utoipa's attributes
/// take literals only, and its model does not read its own 3.1 output back.
fn constrain(doc: &mut serde_json::Value) {
    use crate::domain::case::CaseStatus;
    use crate::domain::worker::{
        ACTIVITIES, EDUCATION, JOB_ROLES, PAY_SOURCES, RELATIONSHIPS, SECTORS, US_STATES,
    };
    use crate::domain::VisaRoute;
    use serde_json::{json, Value};

    fn one_of(values: &[&str]) -> Value {
        json!({ "enum": values })
    }
    // Required text: something other than blanks, at most `max` characters.
    fn text(max: u32) -> Value {
        json!({ "pattern": "\\S", "maxLength": max })
    }
    let email = json!({ "format": "email", "maxLength": 254 });
    let password = json!({ "minLength": 8, "maxLength": 128 });
    let uuid = json!({ "format": "uuid" });
    let date = json!({ "format": "date" });
    let statuses: Vec<&str> = CaseStatus::ALL.iter().map(|s| s.as_str()).collect();
    let routes: Vec<&str> = VisaRoute::ALL.iter().map(|r| r.id()).collect();

    let properties: &[(&str, &str, Value)] = &[
        ("LoginRequest", "email", json!({ "maxLength": 254 })),
        ("CreateUserRequest", "email", email.clone()),
        ("CreateUserRequest", "password", password.clone()),
        ("CreateUserRequest", "sponsor_id", uuid.clone()),
        (
            "CreateUserRequest",
            "display_name",
            json!({ "maxLength": 200 }),
        ),
        ("RegisterSponsor", "legal_name", text(200)),
        (
            "RegisterSponsor",
            "legal_name_ko",
            json!({ "maxLength": 200 }),
        ),
        (
            "RegisterSponsor",
            "business_registration_no",
            json!({ "pattern": "^[0-9]{3}-?[0-9]{2}-?[0-9]{5}$" }),
        ),
        (
            "RegisterSponsor",
            "korean_ownership_pct",
            json!({ "minimum": 0, "maximum": 100 }),
        ),
        (
            "RegisterSponsor",
            "qualifying_relationship",
            one_of(RELATIONSHIPS),
        ),
        ("RegisterSponsor", "prime_sponsor_id", uuid.clone()),
        ("Contact", "name", text(200)),
        ("Contact", "email", email.clone()),
        ("Contact", "password", password.clone()),
        ("NewProject", "name", text(200)),
        ("NewProject", "worksite_address", text(500)),
        ("NewProject", "state", one_of(US_STATES)),
        ("NewProject", "sector", one_of(SECTORS)),
        ("NewProject", "investment_usd", json!({ "minimum": 0 })),
        (
            "SponsorSettings",
            "notify_mode",
            one_of(&crate::notify::enqueue::NOTIFY_MODES),
        ),
        ("NewNote", "body", text(4000)),
        ("NewNote", "visibility", one_of(&["internal", "shared"])),
        (
            "StatusQuery",
            "receipt_number",
            json!({ "pattern": "^KIT[0-9]{10}$" }),
        ),
        ("StatusQuery", "date_of_birth", date.clone()),
        ("FilingInput", "project_id", uuid.clone()),
        (
            "FilingInput",
            "workers",
            json!({ "minItems": 1, "maxItems": crate::service::filing::MAX_BATCH }),
        ),
        ("WorkerInput", "given_name", text(100)),
        ("WorkerInput", "family_name", text(100)),
        ("WorkerInput", "name_ko", json!({ "maxLength": 100 })),
        ("WorkerInput", "email", email.clone()),
        ("WorkerInput", "date_of_birth", date.clone()),
        (
            "WorkerInput",
            "nationality",
            json!({ "pattern": "^[A-Z]{2}$" }),
        ),
        (
            "WorkerInput",
            "passport_number",
            json!({ "pattern": "^[A-Za-z0-9]{5,20}$" }),
        ),
        ("WorkerInput", "passport_expiry", date.clone()),
        ("WorkerInput", "education", one_of(EDUCATION)),
        ("WorkerInput", "role", one_of(JOB_ROLES)),
        (
            "WorkerInput",
            "years_experience",
            json!({ "minimum": 0, "maximum": 60 }),
        ),
        (
            "WorkerInput",
            "months_employed_by_sponsor_last_3y",
            json!({ "minimum": 0, "maximum": 36 }),
        ),
        (
            "AssignmentInput",
            "activities",
            json!({
                "minItems": 1,
                "uniqueItems": true,
                "items": { "type": "string", "enum": ACTIVITIES },
            }),
        ),
        ("AssignmentInput", "planned_entry", date.clone()),
        ("AssignmentInput", "planned_exit", date.clone()),
        ("AssignmentInput", "pay_source", one_of(PAY_SOURCES)),
    ];
    for (component, property, constraint) in properties {
        if let Some(schema) = doc.pointer_mut(&format!(
            "/components/schemas/{component}/properties/{property}"
        )) {
            merge(schema, constraint);
        }
    }
    // Case actions: each variant's free text, route and assignee.
    if let Some(Value::Array(variants)) = doc.pointer_mut("/components/schemas/CaseAction/oneOf") {
        for variant in variants {
            for (property, constraint) in [
                ("reason", text(4000)),
                ("note", text(4000)),
                (
                    "location",
                    text(crate::domain::text::MAX_LOCATION_CHARS as u32),
                ),
                ("route", one_of(&routes)),
                ("assignee_id", uuid.clone()),
            ] {
                if let Some(schema) = variant.pointer_mut(&format!("/properties/{property}")) {
                    merge(schema, &constraint);
                }
            }
            // `deny_unknown_fields` on the enum: no other properties.
            if let Some(object) = variant.as_object_mut() {
                object.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
    }

    let parameters: &[(&str, &str, &str, Value)] = &[
        ("/api/v1/cases", "get", "status", one_of(&statuses)),
        ("/api/v1/cases", "get", "route", one_of(&routes)),
        (
            "/api/v1/cases",
            "get",
            "limit",
            json!({ "minimum": 1, "maximum": crate::service::cases::MAX_PAGE }),
        ),
        (
            "/api/v1/cases",
            "get",
            "assignee",
            json!({ "pattern": concat!(
                "^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-",
                "[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
            ) }),
        ),
        ("/api/v1/cases", "get", "sponsor_id", uuid.clone()),
        (
            "/api/v1/outbox",
            "get",
            "state",
            one_of(&crate::db::outbox::STATES),
        ),
        (
            "/api/v1/outbox",
            "get",
            "limit",
            json!({ "minimum": 1, "maximum": crate::service::outbox::MAX_LIMIT }),
        ),
        (
            "/api/v1/filings",
            "post",
            "Idempotency-Key",
            json!({ "minLength": 1, "maxLength": 200 }),
        ),
        (
            "/api/v1/cases/{id}/actions",
            "post",
            "If-Match",
            json!({ "pattern": "^(W/)?\"?[0-9]+\"?$" }),
        ),
    ];
    for (path, method, name, constraint) in parameters {
        let Some(Value::Array(list)) =
            doc.pointer_mut(&format!("/paths/{}/{method}/parameters", escape(path)))
        else {
            continue;
        };
        for parameter in list.iter_mut().filter(|p| p["name"] == *name) {
            merge(&mut parameter["schema"], constraint);
        }
    }
    // A facts v1 document is an object with at least its filing date (docs/domain.md).
    if let Some(schema) = doc.pointer_mut(
        "/paths/~1api~1v1~1eligibility~1evaluate/post/requestBody/content/application~1json/schema",
    ) {
        *schema = json!({
            "type": "object",
            "required": ["filing_date"],
            "properties": { "filing_date": { "type": "string", "format": "date" } },
            "description": "A facts v1 document (docs/domain.md)",
        });
    }
    // Every `{id}` in a path is a UUID (anything else answers 404).
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            for parameters in operation
                .values_mut()
                .filter_map(|o| o.get_mut("parameters"))
            {
                for parameter in parameters.as_array_mut().into_iter().flatten() {
                    if parameter["in"] == "path" && parameter["name"] == "id" {
                        merge(&mut parameter["schema"], &uuid);
                    }
                }
            }
        }
    }
}

/// Adds `extra`'s keys to a schema object; under `oneOf`/`anyOf` (an optional field is
/// `{"oneOf": [{"type": "null"}, …]}`) to the non-null branches.
fn merge(schema: &mut serde_json::Value, extra: &serde_json::Value) {
    use serde_json::Value;
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get_mut(key) {
            for branch in branches.iter_mut().filter(|b| b["type"] != "null") {
                merge(branch, extra);
            }
            return;
        }
    }
    if let (Value::Object(target), Value::Object(extra)) = (schema, extra) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
}

/// A JSON pointer token for a path such as `/api/v1/cases/{id}`.
fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// The document as served, built once for the process: every HTTP worker answers from the
/// same bytes. Handed to Swagger UI as a tree of JSON values, it was built again and kept by
/// each worker (about 10 MB of heap touched at startup for a 190 kB document; the idle RSS in
/// docs/benchmarks.md), and serialized again on every request.
static DOCUMENT_JSON: LazyLock<Bytes> = LazyLock::new(|| {
    Bytes::from(serde_json::to_vec(&document()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document did not serialize");
        b"null".to_vec()
    }))
});

/// Builds the served document ahead of the first request (at startup, off the HTTP workers).
pub fn warm_up() {
    LazyLock::force(&DOCUMENT_JSON);
}

/// `/api/docs/` (Swagger UI), which reads the document from `/api/openapi.json`.
pub fn docs() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").config(Config::new([DOCUMENT_PATH]))
}

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

/// `GET /api/openapi.json`: public, like the code it describes.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(DOCUMENT_JSON.clone())
}
