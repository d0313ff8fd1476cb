//! Server-rendered pages for employers, desk officers, supervisors and applicants.
//!
//! Every page handler calls the same `service` use cases as the JSON API (no rule or query
//! lives here); this module adds only what a browser needs: the page context (language,
//! signed-in user, CSRF token), HTML rendering with askama (`templates/pages/`), the
//! security headers of pages, and errors shown as pages rather than problem+json.
//!
//! Authorization is the service layer's, plus one role rule per page stated in its module.

pub mod account;
pub mod admin;
pub mod admin_tools;
pub mod after_visa;
pub mod assets;
pub mod cases;
pub mod catalog;
pub mod catalog_accounts;
pub mod catalog_after_visa;
pub mod catalog_training;
pub mod charts;
pub mod colleagues;
pub mod desk;
pub mod employer;
pub mod form_errors;
pub mod forms;
pub mod interviews;
pub mod mfa;
pub mod password_reset;
pub mod post;
pub mod public_status;
pub mod security;
pub mod sponsor_review;
pub mod supervisor;
pub mod training;
pub mod validation_ko;
pub mod view;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

pub use catalog::Lang;
pub use post::Post;
pub use view::url_encode;

use super::extract::session_token;
use super::AppState;
use crate::domain::Role;
use crate::service::accounts::{self, AuthUser};
use crate::service::ServiceError;

/// The Content-Security-Policy of every page: no inline script or style, nothing from other
/// origins, no framing. (Swagger UI at /api/docs is not a page and keeps its own needs.)
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

/// Cookie that binds CSRF tokens for visitors without a session (sign-in, registration,
/// status look-up).
pub const VISITOR_COOKIE: &str = "kitdesk_visitor";
pub const LANG_COOKIE: &str = "lang";

/// The page routes. Pages live at the root; the JSON API stays under /api/v1.
/// A page's url-encoded form is at most this large (actix's own limit), except:
const FORM_BYTES: usize = 16 * 1024;
/// a whole batch coming back from its preview, as JSON (url-encoding takes at most three
/// bytes a byte);
const BATCH_FORM_BYTES: usize = 3 * crate::http::extract::MAX_JSON_BYTES;
/// a draft rule set as large as the API takes one.
const DRAFT_FORM_BYTES: usize = 3 * crate::http::eligibility::MAX_RULESET_BYTES;

/// The size limit of the url-encoded form posted to `path`, read before routing by the
/// middleware that looks for a NUL (`extract::refuse_nul`): only the two pages that take
/// large forms read more than 16 KB, so a large body sent anywhere else is refused unread.
pub fn form_limit(path: &str) -> usize {
    let mut parts = path.trim_matches('/').split('/');
    let mut next = || parts.next().unwrap_or("");
    match [next(), next(), next(), next(), next(), next()] {
        ["employer", "projects", _, "csv", "file", ""] => BATCH_FORM_BYTES,
        ["supervisor", "rules", _, "impact", "", ""] => DRAFT_FORM_BYTES,
        _ => FORM_BYTES,
    }
}

/// Whether a request no route serves came from a browser after a page: a GET or HEAD
/// outside the API that accepts HTML.
pub fn wants_page(req: &HttpRequest) -> bool {
    (req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD)
        && !req.path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// The "not found" page, in the reader's language, with the header of their session.
pub async fn not_found(req: &HttpRequest, state: &AppState) -> HttpResponse {
    match Page::load(req, state).await {
        Ok(page) => page.fail(ServiceError::NotFound("page")).error_response(),
        Err(e) => e.error_response(),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(account::home))
        .route("/assets/{file}", web::get().to(assets::serve))
        .route("/lang/{code}", web::get().to(account::switch_language))
        .route("/login", web::get().to(account::login_form))
        .route("/login", web::post().to(account::login))
        .route("/logout", web::post().to(account::logout))
        .route("/register", web::get().to(account::register_form))
        .route("/register", web::post().to(account::register))
        .route("/password-reset", web::get().to(password_reset::form))
        .route("/password-reset", web::post().to(password_reset::request))
        .route(
            "/password-reset/confirm",
            web::post().to(password_reset::confirm),
        )
        .route("/login/mfa", web::post().to(mfa::sign_in))
        .route("/account/mfa", web::get().to(mfa::overview))
        .route("/account/mfa/totp", web::post().to(mfa::start))
        .route("/account/mfa/totp/confirm", web::post().to(mfa::confirm))
        .route("/employer/users", web::get().to(colleagues::list))
        .route("/employer/users/invite", web::post().to(colleagues::invite))
        .route("/employer/users/{id}", web::post().to(colleagues::update))
        .route(
            "/invitations/accept",
            web::get().to(colleagues::accept_form),
        )
        .route("/invitations/accept", web::post().to(colleagues::accept))
        .route("/status", web::get().to(public_status::form))
        .route("/status", web::post().to(public_status::lookup))
        .route("/employer", web::get().to(employer::dashboard))
        .route(
            "/employer/subcontractor-requests/{id}",
            web::post().to(employer::decide_subcontractor),
        )
        .route(
            "/employer/projects",
            web::post().to(employer::create_project),
        )
        .route(
            "/employer/projects/{id}/file",
            web::get().to(employer::filing_form),
        )
        .route(
            "/employer/projects/{id}/file",
            web::post().to(employer::file_form),
        )
        .route(
            "/employer/projects/{id}/csv",
            web::post().to(employer::csv_preview),
        )
        .service(
            // the previewed batch comes back whole: up to the size of a batch file, as JSON
            web::resource("/employer/projects/{id}/csv/file")
                .app_data(web::FormConfig::default().limit(BATCH_FORM_BYTES))
                .route(web::post().to(employer::csv_file)),
        )
        .route(
            "/employer/projects/{id}/precheck",
            web::get().to(employer::precheck_form),
        )
        .route(
            "/employer/projects/{id}/precheck",
            web::post().to(employer::precheck),
        )
        .route(
            "/employer/projects/{id}/documents",
            web::post().to(employer::upload_project_document),
        )
        .route("/cases/{id}", web::get().to(cases::show))
        .route("/documents/{id}/view", web::get().to(cases::view_document))
        .route("/cases/{id}/act", web::post().to(cases::act))
        .route("/cases/{id}/notes", web::post().to(cases::add_note))
        .route("/cases/{id}/trips", web::post().to(after_visa::add_trip))
        .route(
            "/cases/{id}/trips/import",
            web::post().to(after_visa::import_trips),
        )
        .route(
            "/cases/{id}/trips/{trip_id}/exit",
            web::post().to(after_visa::record_exit),
        )
        .route(
            "/overstay-alerts/{id}/finding",
            web::post().to(after_visa::finding),
        )
        .route(
            "/cases/{id}/documents",
            web::post().to(cases::upload_document),
        )
        .route(
            "/documents/{id}/review",
            web::post().to(cases::review_document),
        )
        .route("/desk", web::get().to(desk::queue))
        .route("/desk/bulk", web::post().to(desk::bulk))
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users", web::post().to(admin::create))
        .route(
            "/admin/users/{id}/disabled",
            web::post().to(admin::set_disabled),
        )
        .route(
            "/admin/users/{id}/mfa-reset",
            web::post().to(admin_tools::reset_second_factor),
        )
        .route("/admin/sponsors", web::get().to(admin_tools::sponsors))
        .route("/admin/outbox", web::get().to(admin_tools::outbox))
        .route(
            "/admin/outbox/{id}/retry",
            web::post().to(admin_tools::retry),
        )
        .route("/desk/sponsors", web::get().to(desk::sponsors))
        .route("/desk/interviews", web::get().to(interviews::calendar))
        .route("/desk/interviews/book", web::post().to(interviews::book))
        .route("/desk/interviews/batch", web::post().to(interviews::batch))
        .route(
            "/desk/interviews/windows",
            web::post().to(interviews::open_window),
        )
        .route(
            "/desk/interviews/windows/{id}/close",
            web::post().to(interviews::close_window),
        )
        .route(
            "/desk/sponsors/{id}/verify",
            web::post().to(sponsor_review::verify),
        )
        .route("/desk/sponsors/{id}", web::get().to(sponsor_review::show))
        .route(
            "/desk/sponsors/{id}/checklist/{item}",
            web::post().to(sponsor_review::record),
        )
        .route(
            "/desk/sponsors/{id}/decide",
            web::post().to(sponsor_review::decide),
        )
        .route("/supervisor/rules", web::get().to(supervisor::rulesets))
        .route(
            "/supervisor/rules/{route}",
            web::get().to(supervisor::route_versions),
        )
        .service(
            web::resource("/supervisor/rules/{route}/impact")
                .app_data(web::FormConfig::default().limit(DRAFT_FORM_BYTES))
                .route(web::post().to(supervisor::impact)),
        )
        .route("/supervisor/cap", web::get().to(supervisor::cap))
        .route("/supervisor/reports", web::get().to(supervisor::reports))
        .route(
            "/supervisor/reports.csv",
            web::get().to(supervisor::reports_csv),
        )
        .configure(training::routes);
}

/// What every page knows about its request.
pub struct Page {
    pub lang: Lang,
    pub user: Option<AuthUser>,
    pub csrf: String,
    /// Path and query of this page, for the language switch to come back to.
    pub path: String,
    /// A catalog key named by `?msg=` after a redirect ("saved", "stale"…).
    pub flash: Option<&'static str>,
    set_cookie: Option<Cookie<'static>>,
    cookie_secure: bool,
}

impl Page {
    /// Reads the language, the session (if any) and the CSRF binding.
    pub async fn load(req: &HttpRequest, state: &AppState) -> Result<Page, PageError> {
        let lang = Lang::from_request(req);
        let user = match session_token(req) {
            Some(token) => match state
                .ctx
                .run(move |conn, ctx| accounts::authenticate(conn, ctx, &token))
                .await
            {
                Ok(user) => Some(user),
                Err(ServiceError::Unauthenticated) => None,
                Err(e) => return Err(PageError::plain(lang, e)),
            },
            None => None,
        };
        let mut set_cookie = None;
        let binding = match &user {
            Some(u) => format!("session:{}", u.session_hash),
            None => {
                let visitor = req
                    .cookie(VISITOR_COOKIE)
                    .map(|c| c.value().to_owned())
                    .filter(|v| v.len() == 32 && v.chars().all(|c| c.is_ascii_hexdigit()));
                let visitor = match visitor {
                    Some(v) => v,
                    None => {
                        let fresh = uuid::Uuid::new_v4().simple().to_string();
                        set_cookie = Some(
                            Cookie::build(VISITOR_COOKIE, fresh.clone())
                                .path("/")
                                .http_only(true)
                                .same_site(SameSite::Lax)
                                .secure(state.cookie_secure)
                                .finish(),
                        );
                        fresh
                    }
                };
                format!("visitor:{visitor}")
            }
        };
        let csrf = security::csrf_token(&state.ctx.secrets, &binding);
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        let flash = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .ok()
            .and_then(|q| {
                q.iter()
                    .find(|(k, _)| k == "msg")
                    .and_then(|(_, v)| catalog::flash_key(v))
            });
        Ok(Page {
            lang,
            user,
            csrf,
            path,
            flash,
            set_cookie,
            cookie_secure: state.cookie_secure,
        })
    }

    /// The signed-in user if their role is one of `roles`; else a redirect to sign-in (no
    /// session) or a "not for your role" page.
    pub fn require(&self, roles: &[Role]) -> Result<AuthUser, PageError> {
        match &self.user {
            None => Err(PageError::redirect(format!(
                "/login?next={}",
                url_encode(&self.path)
            ))),
            // a desk account that must enrol a second factor sees the enrolment page only
            Some(u) if u.must_enrol => Err(PageError::redirect("/account/mfa".to_owned())),
            Some(u) if roles.contains(&u.role) => Ok(u.clone()),
            Some(_) => Err(self.fail(ServiceError::Forbidden(String::new()))),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }
    pub fn is_employer(&self) -> bool {
        self.role() == Some(Role::Employer)
    }
    /// An employer user with its sponsor's `manage` right (colleagues page).
    pub fn is_manager(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::Employer && u.rights.manage)
    }
    pub fn is_desk(&self) -> bool {
        self.role().is_some_and(Role::is_desk)
    }
    pub fn is_supervisor(&self) -> bool {
        self.role() == Some(Role::Supervisor)
    }
    pub fn user_email(&self) -> &str {
        self.user.as_ref().map(|u| u.email.as_str()).unwrap_or("")
    }
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The link that shows this page in the other language.
    pub fn switch_href(&self) -> String {
        format!(
            "/lang/{}?next={}",
            self.lang.other().code(),
            url_encode(&self.path)
        )
    }

    /// Does `token` match this page's form token? (For forms whose token arrives inside a
    /// stream, such as a multipart upload; other forms come through [`Post`].)
    pub fn form_token_matches(&self, token: &str) -> bool {
        security::tokens_match(&self.csrf, token)
    }

    /// Checks a POST: same-site, and a CSRF token that matches this session (or visitor).
    /// Only [`Post`] calls it.
    fn check_post(&self, req: &HttpRequest, token: &str) -> Result<(), PageError> {
        if security::is_cross_site(req) {
            tracing::warn!(path = %req.path(), "cross-site form post refused");
            return Err(self.refuse("error.cross_site"));
        }
        if !security::tokens_match(&self.csrf, token) {
            tracing::warn!(path = %req.path(), "form post with a bad CSRF token refused");
            return Err(self.refuse("error.csrf"));
        }
        Ok(())
    }

    /// A field path as the reader names it (`workers[3].passport_number` is "4번째 근로자의
    /// 여권 번호" in Korean).
    pub fn field_name(&self, field: &str) -> String {
        match self.lang {
            Lang::Ko => validation_ko::field_ko(field),
            Lang::En => validation_ko::field_en(field),
        }
    }

    /// A service's message in the page's language (the services write English; Korean comes
    /// from `validation_ko`, and a message it does not know stays as written).
    pub fn error_message(&self, message: &str) -> String {
        match self.lang {
            Lang::Ko => validation_ko::message_ko(message).unwrap_or_else(|| message.to_owned()),
            Lang::En => message.to_owned(),
        }
    }

    /// A form error as one line in the page's language: the field's name, then the message.
    pub fn error_text(&self, error: &crate::service::FieldError) -> String {
        format!(
            "{}: {}",
            self.field_name(&error.field),
            self.error_message(&error.message)
        )
    }

    /// A form post that could not be read (too large, or not a form).
    pub fn bad_form(&self) -> PageError {
        let page = ErrorPage {
            p: self,
            title: self.t("error.refused_title"),
            message: self.t("error.bad_form").to_owned(),
        };
        PageError::rendered(StatusCode::BAD_REQUEST, page.render().unwrap_or_default())
    }

    fn refuse(&self, key: &'static str) -> PageError {
        let page = ErrorPage {
            p: self,
            title: self.t("error.refused_title"),
            message: self.t(key).to_owned(),
        };
        PageError::rendered(StatusCode::FORBIDDEN, page.render().unwrap_or_default())
    }

    /// An error as a page in the user's language.
    pub fn fail(&self, err: ServiceError) -> PageError {
        let (status, title, message) = match &err {
            ServiceError::Unauthenticated => {
                return PageError::redirect(format!("/login?next={}", url_encode(&self.path)))
            }
            ServiceError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "error.forbidden_title",
                self.t("error.forbidden").to_owned(),
            ),
            ServiceError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "error.not_found_title",
                self.t("error.not_found").to_owned(),
            ),
            ServiceError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "error.unavailable_title",
                self.t("error.unavailable").to_owned(),
            ),
            ServiceError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error on a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.internal_title",
                    self.t("error.internal").to_owned(),
                )
            }
            ServiceError::Validation(errors) | ServiceError::Unprocessable { errors, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "error.request_title",
                errors
                    .iter()
                    .map(|e| self.error_text(e))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => (
                StatusCode::BAD_REQUEST,
                "error.request_title",
                self.error_message(&other.to_string()),
            ),
        };
        let status = match &err {
            ServiceError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ServiceError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => status,
        };
        let page = ErrorPage {
            p: self,
            title: self.t(title),
            message,
        };
        PageError::rendered(status, page.render().unwrap_or_default())
    }

    /// Renders a page with the page security headers.
    pub fn render<T: Template>(&self, template: &T) -> Result<HttpResponse, PageError> {
        self.render_status(StatusCode::OK, template)
    }

    pub fn render_status<T: Template>(
        &self,
        status: StatusCode,
        template: &T,
    ) -> Result<HttpResponse, PageError> {
        let body = template
            .render()
            .map_err(|e| self.fail(ServiceError::Internal(format!("template: {e}"))))?;
        let mut response = HttpResponse::build(status);
        page_headers(&mut response);
        if let Some(cookie) = &self.set_cookie {
            response.cookie(cookie.clone());
        }
        Ok(response.body(body))
    }

    /// 303 See Other to `location` (after a successful POST).
    pub fn redirect(&self, location: &str) -> HttpResponse {
        let mut response = HttpResponse::SeeOther();
        response.insert_header((header::LOCATION, location.to_owned()));
        if let Some(cookie) = &self.set_cookie {
            response.cookie(cookie.clone());
        }
        response.finish()
    }

    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure
    }
}

fn page_headers(response: &mut actix_web::HttpResponseBuilder) {
    response
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"));
}

#[derive(Template)]
#[template(path = "pages/error.html")]
pub struct ErrorPage<'a> {
    pub p: &'a Page,
    pub title: &'static str,
    pub message: String,
}

/// A page that could not be shown: an error page already rendered, or a redirect.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    body: String,
    location: Option<String>,
}

impl PageError {
    fn rendered(status: StatusCode, body: String) -> Self {
        PageError {
            status,
            body,
            location: None,
        }
    }

    /// A bare status, for the rare failure before any page context exists.
    pub fn status(status: StatusCode) -> Self {
        PageError::rendered(status, String::new())
    }

    pub fn redirect(location: String) -> Self {
        PageError {
            status: StatusCode::SEE_OTHER,
            body: String::new(),
            location: Some(location),
        }
    }

    /// An error before the page context exists (the session store is down).
    fn plain(lang: Lang, err: ServiceError) -> Self {
        tracing::warn!(error = %err, "page context unavailable");
        PageError::rendered(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "<!doctype html><html lang=\"{}\"><title>KIT Desk</title><p>{}</p></html>",
                lang.code(),
                lang.t("error.unavailable")
            ),
        )
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page error {}", self.status)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(location) = &self.location {
            response.insert_header((header::LOCATION, location.clone()));
            return response.finish();
        }
        page_headers(&mut response);
        response.body(self.body.clone())
    }
}

/// A same-origin path to return to, or `/`. Browsers drop tabs and newlines from a URL and
/// read `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site: the
/// path must start with exactly one `/`, hold no backslash, no whitespace or control
/// character (which also keeps CR/LF out of the `Location` header), and be of sane length.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(n: &str) -> bool {
    n.starts_with('/')
        && !n.starts_with("//")
        && n.len() <= 2048
        && n.is_ascii()
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

/// Page path ids must be UUIDs; anything else is a page that does not exist.
pub fn page_id(page: &Page, raw: &str, what: &'static str) -> Result<String, PageError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| page.fail(ServiceError::NotFound(what)))
}
