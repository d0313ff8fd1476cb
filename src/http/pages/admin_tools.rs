//! The administrator's other pages: sponsors (read-only), the mail outbox (list, retry), and
//! resetting a user's second factor with a reason (a form on `/admin/users`).
//!
//! Authorization: administrators only.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{page_id, Page, PageError};
use crate::domain::Role;
use crate::http::AppState;
use crate::service::outbox::{self, OutboxItem, OutboxQuery};
use crate::service::sponsors::{self, SponsorView};
use crate::service::{mfa, ServiceError};

#[derive(Template)]
#[template(path = "pages/admin_sponsors.html")]
struct SponsorsPage<'a> {
    p: &'a Page,
    sponsors: Vec<SponsorView>,
}

impl SponsorsPage<'_> {
    fn seoul(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.p.lang.time(*at)
    }
}

/// `GET /admin/sponsors`: every sponsor, read-only.
pub async fn sponsors(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(&[Role::Admin])?;
    let list = state
        .ctx
        .run(move |conn, _| sponsors::list(conn, &user))
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&SponsorsPage {
        p: &page,
        sponsors: list,
    })
}

#[derive(Template)]
#[template(path = "pages/admin_outbox.html")]
struct OutboxPage<'a> {
    p: &'a Page,
    items: Vec<OutboxItem>,
    counts: Vec<(String, i64)>,
    states: &'static [&'static str],
    state: Option<String>,
}

impl OutboxPage<'_> {
    fn seoul(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.p.lang.time(*at)
    }
}

#[derive(serde::Deserialize)]
pub struct StateQuery {
    state: Option<String>,
}

/// `GET /admin/outbox[?state=]`: the newest 200 messages (recipients masked), counts per state.
pub async fn outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StateQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(&[Role::Admin])?;
    let filter = query.into_inner().state.filter(|s| !s.is_empty());
    let wanted = filter.clone();
    let found = state
        .ctx
        .run(move |conn, _| {
            outbox::list_for(
                conn,
                &user,
                OutboxQuery {
                    state: wanted,
                    limit: Some(200),
                },
            )
        })
        .await
        .map_err(|e| page.fail(e))?;
    let counts = crate::db::outbox::STATES
        .iter()
        .map(|s| {
            let n = found.counts.get(*s).and_then(|v| v.as_i64()).unwrap_or(0);
            ((*s).to_owned(), n)
        })
        .collect();
    page.render(&OutboxPage {
        p: &page,
        items: found.items,
        counts,
        states: &crate::db::outbox::STATES,
        state: filter,
    })
}

/// `POST /admin/outbox/{id}/retry` (form: `csrf`).
pub async fn retry(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, .. } = post;
    let user = page.require(&[Role::Admin])?;
    let id = page_id(&page, &path, "outbox message")?;
    state
        .ctx
        .run(move |conn, _| outbox::retry_as(conn, &user, &id))
        .await
        .map_err(|e| page.fail(e))?;
    Ok(page.redirect("/admin/outbox?msg=mail_retried"))
}

/// `POST /admin/users/{id}/mfa-reset` (form: `csrf`, `reason`).
pub async fn reset_second_factor(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let admin = page.require(&[Role::Admin])?;
    let id = page_id(&page, &path, "user")?;
    let reason = form.get("reason").to_owned();
    let result = state
        .ctx
        .run(move |conn, _| mfa::reset(conn, &admin, &id, &reason))
        .await;
    match result {
        Ok(_) => Ok(page.redirect("/admin/users?msg=second_factor_reset")),
        Err(ServiceError::Validation(_)) => Ok(page.redirect("/admin/users?msg=reason_needed")),
        Err(e) => Err(page.fail(e)),
    }
}
