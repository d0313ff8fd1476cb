//! The one place where a service's refusal of a form becomes what the form shows: errors
//! beside their fields, with the status the page answers with. A refusal no field explains
//! (not signed in, not found, the database down…) comes back as `Err`, for the error page.

use actix_web::http::StatusCode;

use crate::service::{FieldError, ServiceError};

/// `err` as the form's errors; `field` is where a refusal of the whole form (a conflict, a
/// forbidden action, a file too large…) is shown.
pub fn for_form(
    err: ServiceError,
    field: &str,
) -> Result<(StatusCode, Vec<FieldError>), ServiceError> {
    let one = |status: StatusCode, err: &ServiceError| {
        Ok((
            status,
            vec![FieldError {
                field: field.to_owned(),
                message: err.to_string(),
            }],
        ))
    };
    match err {
        ServiceError::Validation(errors) | ServiceError::Unprocessable { errors, .. } => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, errors))
        }
        ServiceError::Conflict { message, .. } => Ok((
            StatusCode::CONFLICT,
            vec![FieldError {
                field: field.to_owned(),
                message,
            }],
        )),
        ServiceError::Forbidden(_) => one(StatusCode::FORBIDDEN, &err),
        ServiceError::PreconditionFailed { .. } => one(StatusCode::PRECONDITION_FAILED, &err),
        ServiceError::PayloadTooLarge(_) => one(StatusCode::PAYLOAD_TOO_LARGE, &err),
        ServiceError::UnsupportedMediaType(_) => one(StatusCode::UNSUPPORTED_MEDIA_TYPE, &err),
        ServiceError::BadRequest { .. } => one(StatusCode::BAD_REQUEST, &err),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_stay_whole_and_refusals_land_on_the_named_field() {
        let (status, errors) = for_form(
            ServiceError::validation("email", "is not an e-mail address"),
            "x",
        )
        .unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors[0].field, "email");
        let (status, errors) =
            for_form(ServiceError::Forbidden("not yours".into()), "action").unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(errors[0].field, "action");
        assert!(for_form(ServiceError::Unauthenticated, "action").is_err());
        assert!(for_form(ServiceError::NotFound("case"), "action").is_err());
    }
}
