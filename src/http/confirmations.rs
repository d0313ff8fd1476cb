//! The desk's confirmation: `GET /api/v1/cases/{id}/confirmation` (token, verification
//! address, statement), `GET /api/v1/cases/{id}/confirmation.pdf` (the sheet the worker
//! carries), `GET /api/v1/verify/{token}`, the page `/verify/{token}` and the public key set
//! `/.well-known/kitdesk-keys.json`.
//!
//! Authorization: the confirmation and its PDF go to whoever may read the case (its sponsor's
//! employer users, the prime, the desk); another sponsor gets 404, an administrator 403.
//! Verification and the key set are public (a worksite has no account); verification is
//! throttled per client address and shows only what the token itself states.

use std::net::IpAddr;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::extract::{client_ip, parse_id};
use super::pages::{Lang, Page, PageError};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::confirmation::{self, Confirmation, Verification, VerifyStatus};
use crate::service::confirmation_pdf::{self, SheetExtras};
use crate::service::throttle::KeyedThrottle;
use crate::service::ServiceError;

/// Verifications per client address: 30 at once, then one every 2 s (a worksite scanning a
/// crew's papers is well inside it; a crawler of tokens is not).
pub fn verify_throttle() -> KeyedThrottle<IpAddr> {
    KeyedThrottle::new(30, Duration::from_secs(2))
}

/// The routes outside `/api/v1`: the page and the key set.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/verify/{token}", web::get().to(verify_page))
        .route("/.well-known/kitdesk-keys.json", web::get().to(keys));
}

/// `GET /api/v1/cases/{id}/confirmation`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/confirmation", tag = "confirmations", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The signed confirmation, its verification address and what it states", body = Confirmation), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "`no_confirmation`: not approved or ESTA-advised; `confirmation_revoked`: withdrawn or refused", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let (confirmation, _) = state
        .ctx
        .run(move |conn, ctx| confirmation::for_case(conn, ctx, &user, &id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(confirmation))
}

/// `GET /api/v1/cases/{id}/confirmation.pdf`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/confirmation.pdf", tag = "confirmations", security(("bearer" = []), ("cookie" = [])), params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "One A4 page in Korean and English with the QR code of the verification address", content_type = "application/pdf", body = Vec<u8>), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Administrators", content_type = "application/problem+json", body = crate::error::Problem), (status = 404, description = "No such case (or another sponsor's)", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "`no_confirmation` or `confirmation_revoked`", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn pdf(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let bytes = state
        .ctx
        .run(move |conn, ctx| {
            let (confirmation, row) = confirmation::for_case(conn, ctx, &user, &id)?;
            let extras = SheetExtras {
                name_ko: row.name_ko.clone(),
                activities: confirmation
                    .statement
                    .activities
                    .iter()
                    .map(|a| {
                        (
                            Lang::Ko.label("activity.", a).to_owned(),
                            Lang::En.label("activity.", a).to_owned(),
                        )
                    })
                    .collect(),
            };
            confirmation_pdf::render(&confirmation.statement, &extras, &confirmation.verify_url)
                .map(|pdf| (pdf, confirmation.statement.receipt_number))
        })
        .await?;
    let (pdf, receipt) = bytes;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"kitdesk-confirmation-{receipt}.pdf\""),
        ))
        .body(pdf))
}

async fn checked(
    state: &AppState,
    req: &HttpRequest,
    token: String,
) -> Result<Verification, ServiceError> {
    let address = client_ip(req, &state.client_ip);
    state
        .verify_throttle
        .check(&address)
        .map_err(|retry_after| ServiceError::Throttled { retry_after })?;
    state
        .ctx
        .run(move |conn, ctx| confirmation::verify(conn, ctx, &token))
        .await
}

/// `GET /api/v1/verify/{token}`.
#[utoipa::path(get, path = "/api/v1/verify/{token}", tag = "public", params(("token" = String, Path, description = "The token of the confirmation (its QR code holds the page's address)")),
    responses((status = 200, description = "`valid` is true only for status `valid`; the statement is included unless the signature fails", body = Verification),
        (status = 429, description = "Throttled", content_type = "application/problem+json", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let verification = checked(&state, &req, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(verification))
}

/// `GET /.well-known/kitdesk-keys.json`: the JWK set (no authentication).
pub async fn keys(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(confirmation::key_set(&state.ctx))
}

#[derive(Template)]
#[template(path = "pages/verify.html")]
struct VerifyPage<'a> {
    p: &'a Page,
    v: Verification,
    /// Each permitted activity in Korean and English.
    activities: Vec<(&'static str, &'static str)>,
}

impl VerifyPage<'_> {
    fn status_class(&self) -> &'static str {
        match self.v.status {
            VerifyStatus::Valid => "verify-valid",
            _ => "verify-invalid",
        }
    }
}

/// `GET /verify/{token}`: the same answer for a person with a phone, in Korean and English.
pub async fn verify_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let v = checked(&state, &req, path.into_inner())
        .await
        .map_err(|e| page.fail(e))?;
    let activities = v
        .statement
        .iter()
        .flat_map(|s| s.activities.iter())
        .map(|a| (label(Lang::Ko, a), label(Lang::En, a)))
        .collect();
    page.render(&VerifyPage {
        p: &page,
        v,
        activities,
    })
}

/// The catalog's label of an activity; the code itself if the catalog lacks it.
fn label(lang: Lang, activity: &str) -> &'static str {
    crate::domain::facts::Activity::parse(activity)
        .map(|a| lang.label("activity.", a.as_str()))
        .unwrap_or("?")
}
