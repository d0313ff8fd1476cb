//! Batch filing, as JSON, as CSV, or as multipart/form-data with the CSV and a ZIP of the
//! workers' documents; and the preview of a CSV batch with its ZIP, which files nothing.
//!
//! Authorization: employer users, for their own sponsor's projects or (as prime contractor)
//! their subcontractors'; the sponsor must be verified to file.

use std::collections::BTreeSet;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::mime;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::documents::FormGate;
use super::extract::{parse_json, read_body, MAX_JSON_BYTES};
use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::bundles::{self, BundleView};
use crate::service::filing::{self, FilingDocuments, FilingInput, FilingPreview};
use crate::service::spreadsheet::{self, Table};
use crate::service::ServiceError;
use crate::spool::{Spool, SpoolWriter};

/// A batch sent as multipart/form-data: its small fields (the CSV among them) and its ZIP of
/// documents (the field `documents`), spooled sealed to disk as it arrives.
pub struct BatchForm {
    fields: Vec<(String, Vec<u8>)>,
    pub documents: Option<Spool>,
}

impl BatchForm {
    /// A field's bytes; an empty field counts as absent.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, d)| n == name && !d.is_empty())
            .map(|(_, d)| d.as_slice())
    }

    /// A text field, trimmed; an empty one counts as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.bytes(name)
            .map(|d| String::from_utf8_lossy(d).trim().to_owned())
            .filter(|t| !t.is_empty())
    }
}

fn unreadable(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::BadRequest {
        code: "bad_body",
        message: format!("could not read the upload: {e}"),
    }
}

/// Reads a batch form. `fields` are the names allowed besides `documents`; together they may
/// hold `MAX_JSON_BYTES`. With a `gate` (a page), the form's token comes first and nothing is
/// spooled before it passes.
pub async fn read_batch_form(
    state: &AppState,
    mut payload: Multipart,
    fields: &[&str],
    gate: Option<FormGate<'_>>,
) -> Result<BatchForm, ServiceError> {
    let limit = state.ctx.settings.documents.bundle_bytes;
    let mut form = BatchForm {
        fields: Vec::new(),
        documents: None,
    };
    let mut small = 0usize;
    let mut gate_passed = gate.is_none();
    while let Some(item) = payload.next().await {
        let mut field = item.map_err(unreadable)?;
        let name = field.name().unwrap_or("").to_owned();
        if name == "csrf" && gate.is_some() {
            let mut token = Vec::new();
            while let Some(chunk) = field.next().await {
                token.extend_from_slice(&chunk.map_err(unreadable)?);
                if token.len() > 200 {
                    break;
                }
            }
            gate_passed = gate.is_some_and(|g| g(&String::from_utf8_lossy(&token)));
            continue;
        }
        if !gate_passed {
            return Err(ServiceError::Forbidden(
                "the form's token is missing or stale: reload the page".into(),
            ));
        }
        if name == "documents" {
            if form.documents.is_some() {
                return Err(ServiceError::validation("documents", "send one ZIP"));
            }
            let mut spool = SpoolWriter::create(&state.data_dir.join("spool"))
                .await
                .map_err(|e| ServiceError::Unavailable(format!("spool: {e}")))?;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(unreadable)?;
                if spool.len() + chunk.len() as u64 > limit {
                    return Err(ServiceError::PayloadTooLarge(format!(
                        "the ZIP is larger than the {limit} bytes allowed for one batch's documents"
                    )));
                }
                spool
                    .write(&chunk)
                    .await
                    .map_err(|e| ServiceError::Unavailable(format!("spool: {e}")))?;
            }
            if !spool.is_empty() {
                form.documents = Some(
                    spool
                        .finish()
                        .await
                        .map_err(|e| ServiceError::Unavailable(format!("spool: {e}")))?,
                );
            }
            continue;
        }
        if !fields.contains(&name.as_str()) {
            while let Some(chunk) = field.next().await {
                chunk.map_err(unreadable)?;
            }
            return Err(ServiceError::validation(
                name,
                format!(
                    "is not a field of a batch ({}, documents)",
                    fields.join(", ")
                ),
            ));
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            small += chunk.len();
            if small > MAX_JSON_BYTES {
                return Err(ServiceError::PayloadTooLarge(format!(
                    "the batch's fields are larger than {MAX_JSON_BYTES} bytes"
                )));
            }
            data.extend_from_slice(&chunk);
        }
        form.fields.push((name, data));
    }
    Ok(form)
}

/// An Excel workbook's media type (.xlsx, or the older .xls).
pub fn is_workbook_type(mime: &mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            || mime.subtype() == "vnd.ms-excel")
}

/// Reads a batch file once, at the edge: CSV in any encoding Excel writes, or a workbook. A
/// text file with a NUL byte is refused, naming its line (a workbook is binary).
pub fn read_batch_file(bytes: &[u8]) -> Result<Table, ServiceError> {
    let binary = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let text_nul =
        !binary && !bytes.starts_with(&[0xFF, 0xFE]) && !bytes.starts_with(&[0xFE, 0xFF]);
    if text_nul {
        if let Some(line) = bytes
            .split(|b: &u8| *b == b'\n')
            .position(|l| l.contains(&0))
        {
            return Err(super::extract::nul_error(format!(
                "body (CSV line {})",
                line + 1
            )));
        }
    }
    spreadsheet::read_table(bytes)
}

/// The preview of a batch and its ZIP: the rows with their problems and files, and the
/// files that go nowhere. The ZIP is staged (as `documents.id`) for the filing.
pub async fn preview_batch(
    state: &AppState,
    user: &AuthUser,
    project_id: &str,
    table: &Table,
    documents: Option<Spool>,
    bundle_id: Option<String>,
) -> Result<FilingPreview, ServiceError> {
    let project_id = {
        let user = user.clone();
        let project_id = project_id.to_owned();
        state
            .ctx
            .run(move |conn, _| bundles::filer_project(conn, &user, &project_id))
            .await?
    };
    let project_id = project_id.as_str();
    let predictions = {
        let project_id = project_id.to_owned();
        let table = table.clone();
        state
            .ctx
            .run(move |conn, ctx| filing::predict_routes(conn, ctx, &project_id, &table))
            .await?
    };
    let preview =
        filing::preview_table(project_id, table, state.ctx.today()).with_predictions(predictions);
    let bundle: Option<BundleView> = match (documents, bundle_id) {
        (Some(_), Some(_)) => return Err(both_zip_and_bundle()),
        (Some(spool), None) => {
            let lines: BTreeSet<u32> = preview.rows.iter().map(|r| r.line).collect();
            Some(bundles::stage(&state.ctx, user, project_id, spool, lines).await?)
        }
        (None, Some(id)) => {
            let user = user.clone();
            Some(
                state
                    .ctx
                    .run(move |conn, _| bundles::load(conn, &user, &id))
                    .await?,
            )
        }
        (None, None) => None,
    };
    Ok(match bundle {
        Some(bundle) => preview.with_documents(bundle),
        None => preview,
    })
}

fn both_zip_and_bundle() -> ServiceError {
    ServiceError::validation(
        "bundle_id",
        "send a ZIP as documents or name a staged one as bundle_id, not both",
    )
}

/// `POST /api/v1/filings/preview`: multipart `project_id`, `workers` (CSV), `documents` (ZIP,
/// optional) or `bundle_id`. Files nothing; stages the ZIP.
#[utoipa::path(post, path = "/api/v1/filings/preview", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    request_body(content = BatchUpload, content_type = "multipart/form-data", description = "The batch as CSV and, optionally, a ZIP of documents named rowN_kind.ext or project_kind.ext (docs/documents.md)"),
    responses((status = 200, description = "What filing would do: rows with their problems and files, files that go nowhere; `documents.id` names the staged ZIP", body = FilingPreview),
        (status = 400, description = "An unreadable body", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Employers only", content_type = "application/problem+json", body = crate::error::Problem), (status = 413, description = "Over the size limits", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Not multipart/form-data", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "No project or CSV, an unknown project, or a ZIP that cannot be read", content_type = "application/problem+json", body = crate::error::Problem)))]
pub async fn preview(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    require_employer(&user)?;
    require_multipart(&req)?;
    let form = read_batch_form(
        &state,
        payload,
        &["project_id", "workers", "bundle_id"],
        None,
    )
    .await?;
    let (project_id, csv) = project_and_csv(&form)?;
    let table = read_batch_file(&csv)?;
    let bundle_id = form.text("bundle_id");
    let preview = preview_batch(
        &state,
        &user,
        &project_id,
        &table,
        form.documents,
        bundle_id,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(super::for_role(user.role, &preview)?))
}

fn require_employer(user: &AuthUser) -> Result<(), ServiceError> {
    if user.role == crate::domain::Role::Employer {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "batches are filed by the sponsor's employer users".into(),
        ))
    }
}

fn require_multipart(req: &HttpRequest) -> Result<(), ServiceError> {
    let mime = req.mime_type().ok().flatten();
    if mime.is_some_and(|m| m.type_() == "multipart" && m.subtype() == "form-data") {
        Ok(())
    } else {
        Err(ServiceError::UnsupportedMediaType(
            "send the batch as multipart/form-data: project_id, workers (CSV), documents (ZIP)"
                .into(),
        ))
    }
}

fn project_and_csv(form: &BatchForm) -> Result<(String, Vec<u8>), ServiceError> {
    let project_id = form
        .text("project_id")
        .ok_or_else(|| ServiceError::validation("project_id", "is required"))?;
    let csv = form
        .bytes("workers")
        .ok_or_else(|| ServiceError::validation("workers", "attach the batch as a CSV file"))?
        .to_vec();
    Ok((project_id, csv))
}

/// The multipart body of a batch with its documents (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct BatchUpload {
    /// The project the workers go to.
    project_id: String,
    /// The batch as CSV, with the columns of a CSV filing.
    #[schema(value_type = String, format = Binary)]
    workers: Vec<u8>,
    /// A ZIP of documents: `rowN_kind.ext` goes to the worker on line N of the CSV (the header
    /// is line 1), `project_kind.ext` to the project.
    #[schema(value_type = Option<String>, format = Binary)]
    documents: Option<Vec<u8>>,
    /// Instead of `documents`: a ZIP staged by a preview.
    bundle_id: Option<String>,
}

#[derive(Deserialize)]
pub struct CsvQuery {
    pub project_id: Option<String>,
}

/// `POST /api/v1/filings`: JSON `{"project_id","workers":[…]}` or `text/csv` with
/// `?project_id=`. 201 with the cases; a replayed Idempotency-Key answers 200 with the
/// first answer and `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/api/v1/filings", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    params(("project_id" = Option<String>, Query, description = "The project, when the body is CSV or a workbook"), ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key: the same key and body replay the first answer")),
    request_body(content((FilingInput = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (BatchUpload = "multipart/form-data")), description = "The batch, as JSON, as CSV with the columns of `CSV_COLUMNS` (UTF-8 with or without BOM, UTF-16 with BOM, or CP949/EUC-KR), as an Excel workbook (first sheet, same columns), or as multipart/form-data with the CSV or workbook and a ZIP of documents (docs/documents.md)"),
    responses((status = 201, description = "Filed", body = crate::service::filing::FilingResult), (status = 200, description = "Replay of an earlier filing with the same Idempotency-Key", body = crate::service::filing::FilingResult),
        (status = 400, description = "Malformed body", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Employers only", content_type = "application/problem+json", body = crate::error::Problem), (status = 409, description = "Sponsor not verified", content_type = "application/problem+json", body = crate::error::Problem), (status = 413, description = "Body too large", content_type = "application/problem+json", body = crate::error::Problem), (status = 415, description = "Neither JSON, CSV, a workbook nor multipart/form-data", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid fields, named workers[i].field; a file of the ZIP that goes nowhere, named documents/<file>", content_type = "application/problem+json", body = crate::error::Problem)))]
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
    let is_multipart = mime
        .as_ref()
        .is_some_and(|m| m.type_() == "multipart" && m.subtype() == "form-data");
    let is_csv = mime.as_ref().is_some_and(|m| m.subtype() == "csv");
    let is_json = mime
        .as_ref()
        .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    let is_workbook = mime.as_ref().is_some_and(is_workbook_type);
    if !is_csv && !is_json && !is_multipart && !is_workbook {
        return Err(ServiceError::UnsupportedMediaType(
            "send the batch as application/json, text/csv, an Excel workbook or multipart/form-data"
                .into(),
        )
        .into());
    }
    let mut documents: Option<FilingDocuments> = None;
    let input: FilingInput = if is_multipart {
        require_employer(&user)?;
        let form = read_batch_form(
            &state,
            Multipart::new(req.headers(), payload),
            &["project_id", "workers", "bundle_id"],
            None,
        )
        .await?;
        let (project_id, csv) = project_and_csv(&form)?;
        let table = read_batch_file(&csv)?;
        let input = FilingInput {
            project_id: project_id.clone(),
            workers: filing::workers_from_table(&table)?,
        };
        // A batch that cannot be filed stages nothing.
        filing::validate_batch(&input, state.ctx.today())?;
        let lines: Vec<u32> = table.rows.iter().map(|r| r.line).collect();
        let named = form.text("bundle_id");
        let bundle_id = match (form.documents, named) {
            (Some(_), Some(_)) => return Err(both_zip_and_bundle().into()),
            (Some(spool), None) => Some(
                bundles::stage(
                    &state.ctx,
                    &user,
                    &project_id,
                    spool,
                    lines.iter().copied().collect(),
                )
                .await?
                .id,
            ),
            (None, id) => id,
        };
        documents = bundle_id.map(|bundle_id| FilingDocuments { bundle_id, lines });
        input
    } else {
        let body = read_body(&mut payload, MAX_JSON_BYTES).await?;
        if is_csv || is_workbook {
            let project_id = query.into_inner().project_id.ok_or_else(|| {
                ServiceError::validation(
                    "project_id",
                    "is required as ?project_id= with CSV or a workbook",
                )
            })?;
            FilingInput {
                project_id,
                workers: filing::workers_from_table(&read_batch_file(&body)?)?,
            }
        } else {
            parse_json(&body)?
        }
    };
    let role = user.role;
    let outcome = state
        .ctx
        .run(move |conn, ctx| {
            filing::file_batch_with_documents(conn, ctx, &user, input, key, documents)
        })
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
    Ok(response
        .content_type(actix_web::http::header::ContentType::json())
        .body(super::for_role(role, &outcome.result)?))
}
