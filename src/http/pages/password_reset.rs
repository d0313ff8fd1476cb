//! The password reset pages: ask for a link by e-mail address, then choose a new password
//! on the link's page.
//!
//! Authorization: open to anyone, throttled as the API (`AccountThrottle`); forms carry the
//! visitor's CSRF token.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{Page, PageError};
use crate::domain::{EmailAddress, Password};
use crate::http::extract::client_ip;
use crate::http::AppState;
use crate::service::{password_reset, ServiceError};

#[derive(Template)]
#[template(path = "pages/password_reset.html")]
struct ResetPage<'a> {
    p: &'a Page,
    /// Present on the link's page: the form then sets the new password.
    token: Option<String>,
    email: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /password-reset[?token=…]`: the request form, or with a link's token the form that
/// sets the new password (the token is checked when the form is sent).
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let token = query
        .into_inner()
        .token
        .filter(|t| !t.is_empty() && t.len() <= 128);
    page.render(&ResetPage {
        p: &page,
        token,
        email: String::new(),
        error: None,
    })
}

fn throttled(
    page: &Page,
    wait: std::time::Duration,
    token: Option<String>,
) -> Result<HttpResponse, PageError> {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let mut response = page.render_status(
        StatusCode::TOO_MANY_REQUESTS,
        &ResetPage {
            p: page,
            token,
            email: String::new(),
            error: Some(page.t("reset.throttled").replace("{n}", &secs.to_string())),
        },
    )?;
    if let Ok(value) = header::HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(response)
}

/// `POST /password-reset` (form: `csrf`, `email`): the same redirect whatever the address.
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let typed = form.get("email").trim().to_owned();
    let email = match EmailAddress::parse(&typed) {
        Ok(email) => email,
        Err(e) => {
            return page.render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetPage {
                    p: &page,
                    token: None,
                    email: typed,
                    error: Some(format!("{}: {e}", page.t("reset.email"))),
                },
            )
        }
    };
    let address = client_ip(&req, &state.client_ip);
    if let Err(wait) = state
        .account_throttle
        .check_reset_request(email.as_str(), address)
    {
        return throttled(&page, wait, None);
    }
    state
        .ctx
        .run(move |conn, ctx| password_reset::request_reset(conn, ctx, email.as_str()))
        .await
        .map_err(|e| page.fail(e))?;
    Ok(page.redirect("/login?msg=reset_sent"))
}

/// `POST /password-reset/confirm` (form: `csrf`, `token`, `password`, `password_again`).
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let token = form.get("token").to_owned();
    let again = |status: StatusCode, token: Option<String>, error: String| {
        page.render_status(
            status,
            &ResetPage {
                p: &page,
                token,
                email: String::new(),
                error: Some(error),
            },
        )
    };
    let address = client_ip(&req, &state.client_ip);
    if let Err(wait) = state.account_throttle.check_token_use(address) {
        return throttled(&page, wait, Some(token));
    }
    if form.get("password") != form.get("password_again") {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(token),
            page.t("reset.mismatch").to_owned(),
        );
    }
    let password = match Password::parse(form.get("password")) {
        Ok(p) => p,
        Err(e) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(token),
                format!("{}: {e}", page.t("reset.password")),
            )
        }
    };
    match password_reset::confirm_reset(&state.ctx, token, password).await {
        Ok(()) => Ok(page.redirect("/login?msg=password_reset")),
        Err(ServiceError::Unprocessable {
            code: "invalid_token",
            ..
        }) => again(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            page.t("reset.invalid_link").to_owned(),
        ),
        Err(e) => Err(page.fail(e)),
    }
}
