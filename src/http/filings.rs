//! Batch filing, as JSON or CSV.
//!
//! Authorization: employer users, for their own sponsor's projects or (as prime contractor)
//! their subcontractors'; the sponsor must be verified.

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::extract::{parse_json, read_body, MAX_JSON_BYTES};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::filing::{self, FilingInput};
use crate::service::ServiceError;

#[derive(Deserialize)]
pub struct CsvQuery {
    pub project_id: Option<String>,
}

/// `POST /api/v1/filings`: JSON `{"project_id","workers":[…]}` or `text/csv` with
/// `?project_id=`. 201 with the cases; a replayed Idempotency-Key answers 200 with the
/// first answer and `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/api/v1/filings", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    params(("project_id" = Option<String>, Query, description = "The project, when the body is CSV"), ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key: the same key and body replay the first answer")),
    request_body(content((FilingInput = "application/json"), (String = "text/csv")), description = "The batch, as JSON or as CSV with the columns of `CSV_COLUMNS`"),
    responses((status = 201, description = "Filed", body = crate::service::filing::FilingResult), (status = 200, description = "Replay of an earlier filing with the same Idempotency-Key", body = crate::service::filing::FilingResult),
        (status = 400, description = "Malformed body", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Employers only", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Sponsor not verified", content_type = "application/problem+json", body = crate::error::Problem), (status = 413, description = "Body too large", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Neither JSON nor CSV", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid fields, named workers[i].field", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    query: web::Query<CsvQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .map(|v| {
            v.to_str()
                .map(|s| s.trim().to_owned())
                .map_err(|_| ServiceError::validation("Idempotency-Key", "must be printable ASCII"))
        })
        .transpose()?;
    let mime = req.mime_type().ok().flatten();
    let is_csv = mime.as_ref().is_some_and(|m| m.subtype() == "csv");
    let is_json = mime
        .as_ref()
        .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    if !is_csv && !is_json {
        return Err(ServiceError::UnsupportedMediaType(
            "send the batch as application/json or text/csv".into(),
        )
        .into());
    }
    let body = read_body(&mut payload, MAX_JSON_BYTES).await?;
    let input: FilingInput = if is_csv {
        if let Some(line) = body[..]
            .split(|b: &u8| *b == b'\n')
            .position(|l| l.contains(&0))
        {
            return Err(super::extract::nul_error(format!("body (CSV line {})", line + 1)).into());
        }
        let project_id = query.into_inner().project_id.ok_or_else(|| {
            ServiceError::validation("project_id", "is required as ?project_id= with CSV")
        })?;
        FilingInput {
            project_id,
            workers: filing::workers_from_csv(&body)?,
        }
    } else {
        parse_json(&body)?
    };
    let role = user.role;
    let outcome = state
        .ctx
        .run(move |conn, ctx| filing::file_batch(conn, ctx, &user, input, key))
        .await?;
    let mut response = if outcome.replayed {
        let mut r = HttpResponse::Ok();
        r.insert_header(("Idempotent-Replayed", "true"));
        r
    } else {
        tracing::info!(filing_id = %outcome.result.id, cases = outcome.result.cases.len(), "batch filed");
        HttpResponse::Created()
    };
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/filings/{}", outcome.result.id),
    ));
    Ok(response.json(super::for_role(role, &outcome.result)?))
}
