//! The applicant's status page: receipt number plus date of birth, answered in Korean and
//! English at once (the applicant may not read the language the page was opened in).
//!
//! Authorization: open to anyone; throttled per client address like the JSON look-up.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{Page, PageError};
use crate::http::extract::client_ip;
use crate::http::AppState;
use crate::service::status::{self, PublicStatus, StatusQuery};
use crate::service::ServiceError;

#[derive(Template)]
#[template(path = "pages/status.html")]
struct StatusPage<'a> {
    p: &'a Page,
    receipt: String,
    dob: String,
    result: Option<PublicStatus>,
    /// (English, Korean) when the look-up found nothing or was refused.
    problem: Option<(String, String)>,
}

#[derive(serde::Deserialize)]
pub struct StatusParams {
    /// The receipt number, filled in (the link in the applicant's mail).
    receipt: Option<String>,
}

/// `GET /status?receipt=`.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<StatusParams>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let receipt = params
        .into_inner()
        .receipt
        .map(|r| {
            r.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(20)
                .collect()
        })
        .unwrap_or_default();
    page.render(&StatusPage {
        p: &page,
        receipt,
        dob: String::new(),
        result: None,
        problem: None,
    })
}

/// `POST /status`.
pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let query = StatusQuery {
        receipt_number: form.get("receipt_number").trim().to_owned(),
        date_of_birth: form.get("date_of_birth").trim().to_owned(),
    };
    let both = |key: &str, n: Option<u64>| {
        let fill = |s: &str| match n {
            Some(n) => s.replace("{n}", &n.to_string()),
            None => s.to_owned(),
        };
        (fill(super::Lang::En.t(key)), fill(super::Lang::Ko.t(key)))
    };
    let address = client_ip(&req, &state.client_ip);
    let (status, result, problem) =
        if let Err(wait) = state.status_throttle.check(address, &query.receipt_number) {
            let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            (
                StatusCode::TOO_MANY_REQUESTS,
                None,
                Some(both("status_page.throttled", Some(secs))),
            )
        } else {
            match status::find(&state.ctx, query.clone()).await {
                Ok(found) => (StatusCode::OK, Some(found), None),
                Err(ServiceError::NotFound(_) | ServiceError::Validation(_)) => (
                    StatusCode::NOT_FOUND,
                    None,
                    Some(both("status_page.not_found", None)),
                ),
                Err(e) => return Err(page.fail(e)),
            }
        };
    page.render_status(
        status,
        &StatusPage {
            p: &page,
            receipt: query.receipt_number,
            dob: query.date_of_birth,
            result,
            problem,
        },
    )
}
