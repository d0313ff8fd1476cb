//! Home, language switch, sign-in, sign-out and sponsor registration.
//!
//! Authorization: open to anyone (sign-in throttled like the JSON login); sign-out needs a
//! session.

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::FormData;
use super::post::Post;
use super::{safe_next, Lang, Page, PageError, LANG_COOKIE};
use crate::domain::worker::RELATIONSHIPS;
use crate::domain::Role;
use crate::http::auth::session_cookie;
use crate::http::extract::client_ip;
use crate::http::AppState;
use crate::service::sponsors::{self, Contact, RegisterSponsor};
use crate::service::{accounts, FieldError, ServiceError};

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage<'a> {
    p: &'a Page,
}

/// `GET /`: each role's start page; the welcome page for visitors.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    match page.role() {
        Some(Role::Employer) => Ok(page.redirect("/employer")),
        Some(Role::Officer | Role::Supervisor) => Ok(page.redirect("/desk")),
        _ => page.render(&HomePage { p: &page }),
    }
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /lang/{ko|en}?next=/path`: remembers the language for a year and goes back. A
/// preference, not a change of data, so a plain link works (no form, no JavaScript).
pub async fn switch_language(
    path: web::Path<String>,
    query: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = Lang::parse(&path).unwrap_or(Lang::En);
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.cookie_secure)
        .max_age(CookieAge::days(365))
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, safe_next(query.next.as_deref())))
        .cookie(cookie)
        .finish()
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage<'a> {
    p: &'a Page,
    next: String,
    email: String,
    error: Option<String>,
}

/// `GET /login`.
pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    page.render(&LoginPage {
        p: &page,
        next: safe_next(query.next.as_deref()),
        email: String::new(),
        error: None,
    })
}

/// `POST /login`: the JSON login's throttle and use case; the wait is shown in words.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let email = form.get("email").trim().to_owned();
    let password = form.get("password").to_owned();
    let next = safe_next(Some(form.get("next")));
    let again = |status: StatusCode, error: String| {
        page.render_status(
            status,
            &LoginPage {
                p: &page,
                next: next.clone(),
                email: email.clone(),
                error: Some(error),
            },
        )
    };
    let address = client_ip(&req, &state.client_ip);
    if let Err(wait) = state.login_throttle.check(&email, address) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::warn!(account = %crate::domain::email::mask_email(&email), %address, "sign-in throttled");
        let mut response = again(
            StatusCode::TOO_MANY_REQUESTS,
            page.t("login.throttled")
                .replace("{n}", &secs.max(1).to_string()),
        )?;
        if let Ok(value) = header::HeaderValue::from_str(&secs.max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let attempt = accounts::login(&state.ctx, email.clone(), password).await;
    match attempt {
        Ok(accounts::LoginOutcome::SecondFactor(challenge)) => {
            super::mfa::code_form(&page, challenge.mfa_token, next.clone(), None)
        }
        Ok(accounts::LoginOutcome::Session(session)) => {
            tracing::info!(user_id = %session.user.id, "signed in (page)");
            Ok(signed_in(&state, session, &next))
        }
        Err(ServiceError::InvalidCredentials) => {
            tracing::info!(account = %crate::domain::email::mask_email(&email), %address, "sign-in failed (page)");
            again(StatusCode::UNAUTHORIZED, page.t("login.invalid").to_owned())
        }
        Err(e) => Err(page.fail(e)),
    }
}

/// The redirect after a sign-in: each role's start page (or `next`), or the enrolment page
/// for a desk account that must enrol a second factor first.
pub fn signed_in(state: &AppState, session: accounts::NewSession, next: &str) -> HttpResponse {
    let must_enrol = crate::service::mfa::must_enrol(
        state.ctx.settings.desk_mfa,
        session.user.role,
        session.user.second_factor,
    );
    let target = match (session.user.role, next) {
        _ if must_enrol => "/account/mfa".to_owned(),
        (Role::Admin, _) => "/admin/users".to_owned(),
        (_, "/") => match session.user.role {
            Role::Employer => "/employer".to_owned(),
            _ => "/desk".to_owned(),
        },
        (_, n) => n.to_owned(),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .cookie(session_cookie(session.token, state.cookie_secure))
        .finish()
}

/// `POST /logout`.
pub async fn logout(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    let Post { page, .. } = post;
    if let Some(user) = page.user.clone() {
        state
            .ctx
            .run(move |conn, _| accounts::logout(conn, &user))
            .await
            .map_err(|e| page.fail(e))?;
    }
    let mut gone = session_cookie(String::new(), state.cookie_secure);
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login?msg=signed_out"))
        .cookie(gone)
        .finish())
}

#[derive(Template)]
#[template(path = "pages/register.html")]
struct RegisterPage<'a> {
    p: &'a Page,
    form: FormData,
    relationships: &'static [&'static str],
    errors: Vec<FieldError>,
}

impl RegisterPage<'_> {
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .filter(|e| e.field == field || e.field == format!("contact.{field}"))
            .map(|e| self.p.error_message(&e.message))
            .reduce(|a, b| format!("{a}; {b}"))
    }
}

/// `GET /register`.
pub async fn register_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    page.render(&RegisterPage {
        p: &page,
        form: FormData(vec![
            ("korean_ownership_pct".into(), "100".into()),
            ("qualifying_relationship".into(), "subsidiary".into()),
        ]),
        relationships: RELATIONSHIPS,
        errors: Vec::new(),
    })
}

/// `POST /register`: `sponsors::register`, then on to sign-in.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let mut errors = Vec::new();
    let ownership = form
        .get("korean_ownership_pct")
        .trim()
        .parse::<f64>()
        .unwrap_or_else(|_| {
            errors.push(FieldError {
                field: "korean_ownership_pct".into(),
                message: "must be a number between 0 and 100".into(),
            });
            0.0
        });
    let input = RegisterSponsor {
        legal_name: form.get("legal_name").to_owned(),
        legal_name_ko: form.opt("legal_name_ko"),
        business_registration_no: form.get("business_registration_no").to_owned(),
        korean_ownership_pct: ownership,
        treaty_investor: form.checked("treaty_investor"),
        qualifying_relationship: form.get("qualifying_relationship").to_owned(),
        labor_attestation_filed: form.checked("labor_attestation_filed"),
        strike_or_lockout: form.checked("strike_or_lockout"),
        prime_sponsor_id: form.opt("prime_sponsor_id"),
        contact: Contact {
            name: form.get("contact_name").to_owned(),
            email: form.get("email").trim().to_owned(),
            password: form.get("password").to_owned(),
        },
    };
    let address = client_ip(&req, &state.client_ip);
    let result = if !errors.is_empty() {
        Err(ServiceError::Validation(std::mem::take(&mut errors)))
    } else if let Err(wait) = state
        .registration_throttle
        .check(&input.contact.email, address)
    {
        Err(ServiceError::Throttled { retry_after: wait })
    } else {
        sponsors::register_anonymously(&state.ctx, input).await
    };
    match result {
        Ok(_) => Ok(page.redirect("/login?msg=registered")),
        Err(ServiceError::Validation(errors)) => page.render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                p: &page,
                form,
                relationships: RELATIONSHIPS,
                errors,
            },
        ),
        Err(ServiceError::Conflict { message, .. }) => page.render_status(
            StatusCode::CONFLICT,
            &RegisterPage {
                p: &page,
                form,
                relationships: RELATIONSHIPS,
                errors: vec![FieldError {
                    field: "form".into(),
                    message,
                }],
            },
        ),
        Err(e) => Err(page.fail(e)),
    }
}
