//! The HTTP face of errors: every [`ServiceError`] becomes an RFC 9457
//! `application/problem+json` answer here, and only here, with a stable `code`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::service::{FieldError, ServiceError};

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// RFC 9457 problem details, plus kitdesk's `code` and, for validation, `errors`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Value>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ApiError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match &self.0 {
            ServiceError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ServiceError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ServiceError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ServiceError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ServiceError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ServiceError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ServiceError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            ServiceError::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition_required")
            }
            ServiceError::PreconditionFailed { .. } => {
                (StatusCode::PRECONDITION_FAILED, "precondition_failed")
            }
            ServiceError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ServiceError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ServiceError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, code) = self.status_and_code();
        let (detail, errors, extra) = match &self.0 {
            ServiceError::Validation(errors) | ServiceError::Unprocessable { errors, .. } => {
                let detail = match errors.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} fields are invalid", many.len()),
                };
                (detail, errors.clone(), None)
            }
            ServiceError::Conflict {
                message, details, ..
            } => (message.clone(), Vec::new(), details.clone()),
            ServiceError::PreconditionFailed { current_version } => (
                self.0.to_string(),
                Vec::new(),
                Some(serde_json::json!({ "current_version": current_version })),
            ),
            // Never show internals: the cause is in the log under the request id.
            ServiceError::Internal(_) => ("an internal error occurred".into(), Vec::new(), None),
            ServiceError::Unavailable(_) => (
                "the service is temporarily unavailable; try again shortly".into(),
                Vec::new(),
                None,
            ),
            other => (other.to_string(), Vec::new(), None),
        };
        Problem {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            extra,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, _) = self.status_and_code();
        match &self.0 {
            ServiceError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            ServiceError::Unavailable(cause) => tracing::warn!(cause = %cause, "unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match &self.0 {
            ServiceError::Throttled { retry_after } => {
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                response.insert_header((header::RETRY_AFTER, secs.max(1).to_string()));
            }
            ServiceError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// 405 for a path that exists under other methods, with the `Allow` header listing them.
pub fn method_not_allowed(method: &actix_web::http::Method, allowed: &[String]) -> HttpResponse {
    let status = StatusCode::METHOD_NOT_ALLOWED;
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .insert_header((header::ALLOW, allowed.join(", ")))
        .json(Problem {
            kind: "/problems/method_not_allowed".into(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: format!(
                "{method} is not supported here; use {}",
                allowed.join(" or ")
            ),
            code: "method_not_allowed".into(),
            errors: Vec::new(),
            extra: None,
        })
}
