//! The second-factor pages: the code step of signing in (`/login/mfa`), and enrolling an
//! authenticator app with its recovery codes (`/account/mfa`).
//!
//! Authorization: `/login/mfa` is open to whoever holds the sign-in's token (codes throttled
//! as the API); `/account/mfa…` is any signed-in user's own, including a desk account that
//! must enrol before anything else.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{safe_next, Page, PageError};
use crate::http::AppState;
use crate::service::accounts::AuthUser;
use crate::service::mfa::{self, TotpEnrolment};
use crate::service::ServiceError;

#[derive(Template)]
#[template(path = "pages/login_mfa.html")]
struct CodePage<'a> {
    p: &'a Page,
    mfa_token: String,
    next: String,
    error: Option<String>,
}

/// The code form of a sign-in that passed the password.
pub fn code_form(
    page: &Page,
    mfa_token: String,
    next: String,
    error: Option<(StatusCode, String)>,
) -> Result<HttpResponse, PageError> {
    let (status, error) = match error {
        Some((status, e)) => (status, Some(e)),
        None => (StatusCode::OK, None),
    };
    page.render_status(
        status,
        &CodePage {
            p: page,
            mfa_token,
            next,
            error,
        },
    )
}

/// `POST /login/mfa` (form: `csrf`, `mfa_token`, `code`, `next`).
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let token = form.get("mfa_token").to_owned();
    let next = safe_next(Some(form.get("next")));
    let code = form.get("code").to_owned();
    match crate::http::mfa::complete(&state, &req, token.clone(), code).await {
        Ok(session) => {
            tracing::info!(user_id = %session.user.id, "signed in with a second factor (page)");
            Ok(super::account::signed_in(&state, session, &next))
        }
        Err(ServiceError::Unprocessable {
            code: "invalid_code",
            ..
        }) => code_form(
            &page,
            token,
            next,
            Some((
                StatusCode::UNPROCESSABLE_ENTITY,
                page.t("mfa.invalid_code").to_owned(),
            )),
        ),
        Err(ServiceError::Unprocessable { .. }) => Ok(page.redirect("/login?msg=mfa_expired")),
        Err(ServiceError::Throttled { retry_after }) => {
            let secs = (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1);
            let mut response = code_form(
                &page,
                token,
                next,
                Some((
                    StatusCode::TOO_MANY_REQUESTS,
                    page.t("reset.throttled").replace("{n}", &secs.to_string()),
                )),
            )?;
            if let Ok(value) = header::HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(e) => Err(page.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "pages/account_mfa.html")]
struct EnrolPage<'a> {
    p: &'a Page,
    /// Desk accounts may add a passkey (employers use an authenticator app).
    passkeys_allowed: bool,
    enrolled: bool,
    must_enrol: bool,
    enrolment: Option<TotpEnrolment>,
    codes: Vec<String>,
    error: Option<String>,
}

/// The signed-in user, whatever the second-factor policy (this page is where they enrol).
fn signed_in_user(page: &Page) -> Result<AuthUser, PageError> {
    page.user.clone().ok_or_else(|| {
        PageError::redirect(format!("/login?next={}", super::url_encode(&page.path)))
    })
}

async fn has_factor(page: &Page, state: &AppState, user: &AuthUser) -> Result<bool, PageError> {
    let id = user.id.clone();
    state
        .ctx
        .run(move |conn, _| {
            Ok(crate::db::users::find(conn, &id)?
                .map(|u| u.second_factor)
                .unwrap_or(false))
        })
        .await
        .map_err(|e| page.fail(e))
}

/// `GET /account/mfa`.
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = signed_in_user(&page)?;
    let enrolled = has_factor(&page, &state, &user).await?;
    page.render(&EnrolPage {
        p: &page,
        passkeys_allowed: user.role != crate::domain::Role::Employer,
        enrolled,
        must_enrol: user.must_enrol,
        enrolment: None,
        codes: Vec::new(),
        error: None,
    })
}

/// `POST /account/mfa/totp` (form: `csrf`): a new secret to add to the app.
pub async fn start(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    let Post { page, .. } = post;
    let user = signed_in_user(&page)?;
    let must_enrol = user.must_enrol;
    let passkeys_allowed = user.role != crate::domain::Role::Employer;
    let enrolment = state
        .ctx
        .run(move |conn, ctx| mfa::start_totp(conn, ctx, &user))
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&EnrolPage {
        p: &page,
        passkeys_allowed,
        enrolled: false,
        must_enrol,
        enrolment: Some(enrolment),
        codes: Vec::new(),
        error: None,
    })
}

/// `POST /account/mfa/totp/confirm` (form: `csrf`, `code`): the recovery codes.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = signed_in_user(&page)?;
    let address = crate::http::extract::client_ip(&req, &state.client_ip);
    if let Err(retry_after) = state.account_throttle.check_code(&user.id, address) {
        return Err(page.fail(ServiceError::Throttled { retry_after }));
    }
    let must_enrol = user.must_enrol;
    let passkeys_allowed = user.role != crate::domain::Role::Employer;
    let code = form.get("code").to_owned();
    let result = state
        .ctx
        .run(
            move |conn, ctx| match mfa::confirm_totp(conn, ctx, &user, &code) {
                Ok(codes) => Ok(Ok(codes)),
                // a mistyped first code: the same key again, to try once more
                Err(e @ ServiceError::Unprocessable { .. }) => {
                    Ok(Err((e, mfa::pending_totp(conn, ctx, &user)?)))
                }
                Err(e) => Err(e),
            },
        )
        .await;
    match result {
        Ok(Ok(codes)) => page.render(&EnrolPage {
            p: &page,
            passkeys_allowed,
            enrolled: true,
            must_enrol: false,
            enrolment: None,
            codes: codes.recovery_codes,
            error: None,
        }),
        Ok(Err((_, pending))) => page.render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EnrolPage {
                p: &page,
                passkeys_allowed,
                enrolled: false,
                must_enrol,
                enrolment: pending,
                codes: Vec::new(),
                error: Some(page.t("mfa.invalid_code").to_owned()),
            },
        ),
        Err(e) => Err(page.fail(e)),
    }
}
