//! The desk's sponsor verification page: the checklist (a finding, a note and optionally a
//! document per item) and the decision (verify, ask for more, reject), each mailed to the
//! company's managers by the service.
//!
//! Authorization: officers and supervisors.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{page_id, Page, PageError};
use crate::domain::Role;
use crate::http::AppState;
use crate::service::sponsor_review::{
    self, CheckInput, CheckItem, CheckOutcome, Checklist, ChecklistItem, SponsorDecision,
};
use crate::service::sponsors::{self, SponsorView};
use crate::service::ServiceError;

const DESK: &[Role] = &[Role::Officer, Role::Supervisor];
const OUTCOMES: &[&str] = &["unchecked", "confirmed", "not_applicable", "problem"];

#[derive(Template)]
#[template(path = "pages/sponsor_review.html")]
struct ReviewPage<'a> {
    p: &'a Page,
    sponsor: SponsorView,
    list: Checklist,
    outcomes: &'static [&'static str],
    error: Option<String>,
}

impl ReviewPage<'_> {
    fn outcome_of(&self, item: &ChecklistItem) -> &'static str {
        match item.outcome {
            None => "unchecked",
            Some(CheckOutcome::Confirmed) => "confirmed",
            Some(CheckOutcome::NotApplicable) => "not_applicable",
            Some(CheckOutcome::Problem) => "problem",
        }
    }

    fn seoul(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.p.lang.time(*at)
    }
}

async fn render(
    page: &Page,
    state: &AppState,
    id: String,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let user = page.require(DESK)?;
    let (sponsor, list) = state
        .ctx
        .run(move |conn, _| {
            Ok((
                sponsors::get(conn, &user, &id)?,
                sponsor_review::checklist(conn, &user, &id)?,
            ))
        })
        .await
        .map_err(|e| page.fail(e))?;
    page.render_status(
        status,
        &ReviewPage {
            p: page,
            sponsor,
            list,
            outcomes: OUTCOMES,
            error,
        },
    )
}

/// `GET /desk/sponsors/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    page.require(DESK)?;
    let id = page_id(&page, &path, "sponsor")?;
    render(&page, &state, id, StatusCode::OK, None).await
}

fn errors_text(err: &ServiceError) -> Option<String> {
    match err {
        ServiceError::Validation(errors) => Some(
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ServiceError::Conflict { message, .. } => Some(message.clone()),
        _ => None,
    }
}

/// `POST /desk/sponsors/{id}/checklist/{item}` (form: `csrf`, `outcome`, `note`,
/// `document_id`).
pub async fn record(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(DESK)?;
    let (raw_id, raw_item) = path.into_inner();
    let id = page_id(&page, &raw_id, "sponsor")?;
    let item = CheckItem::parse(&raw_item)
        .ok_or_else(|| page.fail(ServiceError::NotFound("checklist item")))?;
    let outcome = match form.get("outcome") {
        "confirmed" => CheckOutcome::Confirmed,
        "not_applicable" => CheckOutcome::NotApplicable,
        "problem" => CheckOutcome::Problem,
        _ => {
            let message = format!(
                "{}: {}",
                page.t("review.outcome"),
                page.t("review.outcome.unchecked")
            );
            return render(
                &page,
                &state,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await;
        }
    };
    let input = CheckInput {
        outcome,
        note: form.get("note").to_owned(),
        document_id: form.opt("document_id"),
    };
    let target = id.clone();
    let result = state
        .ctx
        .run(move |conn, _| sponsor_review::record_check(conn, &user, &target, item, input))
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&format!("/desk/sponsors/{id}?msg=check_saved"))),
        Err(e) => match errors_text(&e) {
            Some(text) => {
                let status = if matches!(e, ServiceError::Conflict { .. }) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                render(&page, &state, id, status, Some(text)).await
            }
            None => Err(page.fail(e)),
        },
    }
}

/// `POST /desk/sponsors/{id}/verify` (form: `csrf`): to the list when verified, back to the
/// checklist while an item is open.
pub async fn verify(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, .. } = post;
    let user = page.require(DESK)?;
    let id = page_id(&page, &path, "sponsor")?;
    let target = id.clone();
    let result = state
        .ctx
        .run(move |conn, ctx| {
            sponsor_review::decide(
                conn,
                &ctx.settings.public_url,
                &user,
                &target,
                SponsorDecision::Verify,
            )
        })
        .await;
    match result {
        // Verified twice (two officers at once) ends in the state both wanted.
        Ok(_)
        | Err(ServiceError::Conflict {
            code: "already_verified",
            ..
        }) => Ok(page.redirect("/desk/sponsors?msg=verified")),
        Err(ServiceError::Conflict {
            code: "checklist_incomplete",
            ..
        }) => Ok(page.redirect(&format!("/desk/sponsors/{id}?msg=checklist_incomplete"))),
        Err(e) => Err(page.fail(e)),
    }
}

/// `POST /desk/sponsors/{id}/decide` (form: `csrf`, `decision` = `reject` or
/// `request_information`, `reason`).
pub async fn decide(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(DESK)?;
    let id = page_id(&page, &path, "sponsor")?;
    let reason = form.get("reason").to_owned();
    let (decision, flash) = match form.get("decision") {
        "reject" => (SponsorDecision::Reject { reason }, "sponsor_rejected"),
        "request_information" => (
            SponsorDecision::RequestInformation { reason },
            "information_requested",
        ),
        _ => {
            return Err(page.fail(ServiceError::validation(
                "decision",
                "must be reject or request_information",
            )))
        }
    };
    let target = id.clone();
    let result = state
        .ctx
        .run(move |conn, ctx| {
            sponsor_review::decide(conn, &ctx.settings.public_url, &user, &target, decision)
        })
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&format!("/desk/sponsors/{id}?msg={flash}"))),
        Err(e) => match errors_text(&e) {
            Some(text) => {
                render(
                    &page,
                    &state,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(text),
                )
                .await
            }
            None => Err(page.fail(e)),
        },
    }
}
