//! Request extractors: JSON bodies that name the failing field, the signed-in user, the
//! client's address.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::mime;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::{self, AuthUser};
use crate::service::ServiceError;

pub const SESSION_COOKIE: &str = "kitdesk_session";

/// Largest JSON body accepted (a batch of the largest allowed size fits comfortably).
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;

/// A JSON body. Unlike `web::Json`, a type error names the field that failed
/// (`workers[3].passport_expiry`) and answers 422; a body that is not JSON at all answers 400.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .map(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
            .unwrap_or(false);
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ServiceError::UnsupportedMediaType(
                    "send the body as JSON with Content-Type: application/json".into(),
                )
                .into());
            }
            let body = read_body(&mut payload, MAX_JSON_BYTES).await?;
            parse_json(&body).map(ApiJson).map_err(ApiError::from)
        })
    }
}

pub async fn read_body<S, E>(payload: &mut S, limit: usize) -> Result<web::BytesMut, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ServiceError::BadRequest {
            code: "bad_body",
            message: format!("could not read the body: {e}"),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ServiceError::PayloadTooLarge(format!(
                "the body is larger than {limit} bytes"
            ))
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses JSON, reporting syntax errors as 400 and shape errors as 422 on the named field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ServiceError> {
    if let Some(field) = json_nul_field(body) {
        return Err(nul_error(field));
    }
    if let Some(field) = json_overlong_field(body) {
        return Err(ServiceError::validation(
            field,
            format!(
                "must be at most {} characters",
                crate::domain::text::MAX_FIELD_CHARS
            ),
        ));
    }
    // Most bodies are valid: read them directly, and only a body that fails is read again
    // with its path tracked, to name the field (tracking costs on every field of every body).
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                // never echo the value: it may be a password or a passport number
                let message = without_value(&clean_serde_message(&inner.to_string()));
                // serde reports a missing field at its parent: name the field itself.
                let missing = message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next());
                let field = match (field.as_str(), missing) {
                    (".", Some(name)) => name.to_owned(),
                    (parent, Some(name)) => format!("{parent}.{name}"),
                    (".", None) => "body".to_owned(),
                    (_, None) => field,
                };
                ServiceError::validation(field, message)
            }
            _ => ServiceError::BadRequest {
                code: "malformed_json",
                message: format!("the body is not valid JSON: {inner}"),
            },
        }
    })
}

/// NUL characters are refused in every text field, whatever the backend: PostgreSQL cannot
/// store them (a 500 otherwise) and no field has a use for them.
pub fn nul_error(field: String) -> ServiceError {
    ServiceError::validation(field, "must not contain NUL characters")
}

/// The path of the first JSON string (or key) holding a NUL, if any. Only bodies that spell
/// one (`\u0000`) are parsed a second time.
fn json_nul_field(body: &[u8]) -> Option<String> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !body.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    find_string(&value, "", &|s: &str| s.contains('\0'))
}

/// The name of the first `name=value` pair of a query string or url-encoded form whose name
/// or value holds a NUL (`%00`, or a raw byte).
fn urlencoded_nul_field(raw: &[u8]) -> Option<String> {
    raw.split(|b| *b == b'&').find_map(|pair| {
        let has_nul = pair.contains(&0) || pair.windows(3).any(|w| w == b"%00");
        if !has_nul {
            return None;
        }
        let name = pair.split(|b| *b == b'=').next().unwrap_or_default();
        let name = String::from_utf8_lossy(name)
            .replace('+', " ")
            .replace("%00", "");
        Some(if name.trim().is_empty() {
            "query".to_owned()
        } else {
            name
        })
    })
}

/// Middleware (on the whole app): refuses a NUL character in the query string or in a
/// url-encoded form with 422 naming the field, before any handler sees it. JSON bodies are
/// checked in [`parse_json`], CSV bodies by the filing handler.
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // no path names a resource with a NUL in it
    if req.uri().path().contains("%00") {
        return Err(ApiError(ServiceError::NotFound("resource")).into());
    }
    if let Some(field) = urlencoded_nul_field(req.query_string().as_bytes()) {
        return Err(ApiError(nul_error(field)).into());
    }
    let is_form = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.subtype() == mime::WWW_FORM_URLENCODED);
    if is_form {
        let mut payload = req.take_payload();
        let limit = super::pages::form_limit(req.path());
        let body = read_body(&mut payload, limit).await?;
        if let Some(field) = urlencoded_nul_field(&body) {
            return Err(ApiError(nul_error(field)).into());
        }
        req.set_payload(body.freeze().into());
    }
    next.call(req).await
}

/// serde's "invalid type: string \"hunter2\", expected …" without the value: `invalid type:
/// string, expected …`. Values sit between the kind and ", expected".
fn without_value(message: &str) -> String {
    // "unknown field `x`" names the caller's key, not a value: it stays
    if !(message.starts_with("invalid type:") || message.starts_with("invalid value:")) {
        return message.to_owned();
    }
    let Some(expected) = message.find(", expected") else {
        return message.to_owned();
    };
    let head = &message[..expected];
    let cut = [head.find(" `"), head.find(" \"")]
        .into_iter()
        .flatten()
        .min();
    match cut {
        Some(i) => format!("{}{}", &head[..i], &message[expected..]),
        None => message.to_owned(),
    }
}

/// The path of the first string longer than [`crate::domain::text::MAX_FIELD_CHARS`]; only
/// bodies long enough to hold one are parsed a second time.
fn json_overlong_field(body: &[u8]) -> Option<String> {
    let max = crate::domain::text::MAX_FIELD_CHARS;
    if body.len() <= max {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    find_string(&value, "", &|s: &str| s.chars().count() > max)
}

fn find_string(
    value: &serde_json::Value,
    path: &str,
    bad: &dyn Fn(&str) -> bool,
) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if bad(s) => Some(if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_string(item, &format!("{path}[{i}]"), bad)),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let inner = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if bad(key) {
                return Some(inner);
            }
            find_string(item, &inner, bad)
        }),
        _ => None,
    }
}

/// serde's messages end with " at line 1 column 42", which means nothing to a person filling
/// a form; the field path already says where.
fn clean_serde_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The session token from `Authorization: Bearer …` or the session cookie.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// The signed-in user, even one who must enrol a second factor before anything else
/// (`KITDESK_DESK_MFA=required`): only the routes that let such a user see itself, enrol and
/// sign out take this. Every other route takes [`AuthUser`], which refuses that user.
pub struct Enrolling(pub AuthUser);

impl FromRequest for Enrolling {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = signed_in(req, payload);
        Box::pin(async move { user.await.map(Enrolling) })
    }
}

/// 403 for an account that must enrol a second factor first.
pub fn enrolment_required() -> ServiceError {
    ServiceError::Forbidden(
        "this desk account must enrol a second factor first: POST /api/v1/me/mfa/totp, then /api/v1/me/mfa/totp/confirm".into(),
    )
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = signed_in(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.must_enrol {
                return Err(enrolment_required().into());
            }
            Ok(user)
        })
    }
}

/// The session's user, whatever it may do.
fn signed_in(
    req: &HttpRequest,
    _: &mut Payload,
) -> Pin<Box<dyn Future<Output = Result<AuthUser, ApiError>>>> {
    // Resolved already by `resolve_session` (every /api/v1 route): answer at once, so
    // that a bad session is reported before any other extractor's complaint.
    if let Some(SessionLookup(result)) = req.extensions_mut().remove::<SessionLookup>() {
        return Box::pin(std::future::ready(result.map_err(ApiError::from)));
    }
    let token = session_token(req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    Box::pin(async move {
        let token = token.ok_or(ServiceError::Unauthenticated)?;
        let state =
            state.ok_or_else(|| ServiceError::Internal("application state missing".into()))?;
        Ok(lookup_session(&state, token).await?)
    })
}

async fn lookup_session(state: &AppState, token: String) -> Result<AuthUser, ServiceError> {
    if let Some(user) = accounts::authenticate_cached(&state.ctx, &token) {
        return Ok(user);
    }
    state
        .ctx
        .run(move |conn, ctx| accounts::authenticate(conn, ctx, &token))
        .await
}

/// The session of a request, looked up before its handler's extractors run.
struct SessionLookup(Result<AuthUser, ServiceError>);

/// Middleware (on `/api/v1`): looks the session up before the handler's extractors run.
///
/// Actix polls a handler's extractors together and answers with the first error it meets; with
/// the session lookup still waiting on the database, a malformed body or query string would
/// win, and a caller with no valid session would learn how the request is validated (422, 400,
/// 415, 413) instead of getting 401. Resolved here, the `AuthUser` extractor — listed before
/// the body and query in every handler — is ready at its first poll, so 401 comes first.
/// Requests without a token pay nothing: the extractor answers 401 without the database.
pub async fn resolve_session(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(token) = session_token(req.request()) {
        if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
            let result = lookup_session(&state, token).await;
            // The cross-site checks guard a session's authority: a request whose session is
            // not valid gets its 401 from the extractor, whatever it carries.
            if result.is_ok() {
                if let Some(refusal) = cookie_csrf_refusal(req.request()) {
                    tracing::warn!(path = %req.path(), "cookie-authenticated API request refused: {refusal}");
                    return Err(ApiError(refusal).into());
                }
            }
            req.extensions_mut().insert(SessionLookup(result));
        }
    }
    next.call(req).await
}

/// Content types a cookie-authenticated API request may carry: none of them can be sent by a
/// cross-site HTML form or a "simple" cross-origin request (form-urlencoded, multipart and
/// text/plain can), so a page elsewhere cannot make the browser send them with our cookie.
fn is_api_content_type(mime: &mime::Mime) -> bool {
    mime.subtype() == mime::JSON
        || mime.suffix() == Some(mime::JSON)
        || (mime.type_() == mime::TEXT && mime.subtype() == mime::CSV)
        || (mime.type_() == mime::APPLICATION && mime.subtype() == "toml")
        || super::filings::is_workbook_type(mime)
}

/// CSRF defence of the JSON API for browsers signed in by cookie (bearer tokens are never sent
/// by a browser on its own, so they are unaffected): an unsafe request must come from this
/// origin (`Sec-Fetch-Site`, else `Origin`) and carry a JSON, CSV or TOML body, or none.
fn cookie_csrf_refusal(req: &HttpRequest) -> Option<ServiceError> {
    if req.method().is_safe() || req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    req.cookie(SESSION_COOKIE)?;
    if super::pages::security::is_cross_site(req) {
        return Some(ServiceError::Forbidden(
            "a cross-site request cannot use the session cookie; send Authorization: Bearer".into(),
        ));
    }
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    match req.mime_type() {
        Ok(Some(m)) if is_api_content_type(&m) => None,
        Ok(None) if !has_body => None,
        _ => Some(ServiceError::UnsupportedMediaType(
            "with the session cookie, send the body as application/json (text/csv or an Excel workbook for filings, application/toml for rule sets)".into(),
        )),
    }
}

/// The client's address for throttles and logs, as configured (see [`super::client_ip`]).
pub fn client_ip(req: &HttpRequest, source: &super::client_ip::ClientIpSource) -> IpAddr {
    source.client_ip(req)
}

/// A path id that must be a UUID; anything else cannot name a record, so it is a 404.
/// Refuses (415, with `refusal`) a body that is not `text/csv`: the imports' file uploads.
pub fn require_csv(req: &actix_web::HttpRequest, refusal: &str) -> Result<(), ApiError> {
    use actix_web::HttpMessage;
    let is_csv = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.type_() == "text" && m.subtype() == "csv");
    if is_csv {
        Ok(())
    } else {
        Err(ServiceError::UnsupportedMediaType(refusal.to_owned()).into())
    }
}

pub fn parse_id(raw: &str, what: &'static str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ServiceError::NotFound(what).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Batch {
        workers: Vec<Worker>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Worker {
        passport_expiry: chrono::NaiveDate,
    }

    #[test]
    fn type_errors_do_not_echo_the_value() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Login {
            password: String,
            age: u32,
        }
        for body in [
            br#"{"password": 73917391, "age": 1}"#.as_slice(),
            br#"{"password": "x", "age": "73917391"}"#.as_slice(),
        ] {
            match parse_json::<Login>(body) {
                Err(ServiceError::Validation(errors)) => {
                    assert!(
                        !errors[0].message.contains("73917391"),
                        "{}",
                        errors[0].message
                    );
                    assert!(
                        errors[0].message.contains("expected"),
                        "{}",
                        errors[0].message
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn names_the_failing_field() {
        let body = br#"{"workers":[{"passport_expiry":"2030-01-01"},{"passport_expiry":"soon"}]}"#;
        match parse_json::<Batch>(body) {
            Err(ServiceError::Validation(errors)) => {
                assert_eq!(errors[0].field, "workers[1].passport_expiry");
                assert!(!errors[0].message.contains("line"), "{}", errors[0].message);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_json::<Batch>(b"{not json"),
            Err(ServiceError::BadRequest {
                code: "malformed_json",
                ..
            })
        ));
    }
}
