//! Documents over HTTP: uploads (multipart: `kind` and `file`), lists, downloads and the desk's
//! review. Authorization is `service::documents`' (the case's or project's employer users, a
//! prime also for its subcontractors, and the desk; another sponsor gets 404; admins 403).
//!
//! An upload streams: the file's first bytes decide its type (PDF, JPEG, PNG; anything else is
//! 415 before a byte is stored), then it goes chunk by chunk through the encryption into the
//! store, never held whole; past the limit it is 413 and nothing remains. The row is written
//! once the object is complete.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::extract::{parse_id, ApiJson};
use super::AppState;
use crate::domain::document::{sanitize_filename, sniff, DocumentKind, SNIFF_BYTES};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::documents::{self, DocumentView, ReviewInput, UploadPlan, UploadTarget};
use crate::service::ServiceError;

/// A case's or project's documents.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentView>,
}

/// The multipart body of an upload (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// A document kind: sales_contract, employment_letter, training_plan,
    /// specialized_knowledge_statement, degree_or_equivalency, treaty_investor_registration,
    /// labor_condition_application, passport_bio_page or other.
    kind: String,
    /// The file: PDF, JPEG or PNG, told by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn bad_body(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::BadRequest {
        code: "bad_body",
        message: format!("could not read the upload: {e}"),
    }
}

/// A page form's check of its CSRF token (`csrf`, sent before the file): nothing is stored
/// before it passes.
pub type FormGate<'a> = &'a dyn Fn(&str) -> bool;

async fn upload(
    state: &AppState,
    user: AuthUser,
    target: UploadTarget,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let view = upload_multipart(state, user, target, payload, None).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Streams a multipart upload (`kind`, `file`, and for a page `csrf` first) into the store,
/// then records it: the API's and the pages' upload alike.
pub async fn upload_multipart(
    state: &AppState,
    user: AuthUser,
    target: UploadTarget,
    mut payload: Multipart,
    gate: Option<FormGate<'_>>,
) -> Result<DocumentView, ServiceError> {
    let mut gate_passed = gate.is_none();
    let plan = {
        let user = user.clone();
        state
            .ctx
            .run(move |conn, ctx| documents::plan_upload(conn, ctx, &user, &target))
            .await?
    };
    let mut kind_text: Option<String> = None;
    let mut stored: Option<(
        String,
        crate::domain::document::FileType,
        crate::storage::Written,
    )> = None;
    while let Some(item) = payload.next().await {
        let mut field = item.map_err(bad_body)?;
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "csrf" if gate.is_some() => {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(bad_body)?;
                    if text.len() + chunk.len() > 200 {
                        return Err(ServiceError::Forbidden("a bad form token".into()));
                    }
                    text.extend_from_slice(&chunk);
                }
                gate_passed = gate.is_some_and(|g| g(&String::from_utf8_lossy(&text)));
            }
            _ if !gate_passed => {
                return Err(ServiceError::Forbidden(
                    "the form's token is missing or stale: reload the page".into(),
                ));
            }
            "kind" => {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(bad_body)?;
                    if text.len() + chunk.len() > 100 {
                        return Err(ServiceError::validation("kind", "is not a document kind"));
                    }
                    text.extend_from_slice(&chunk);
                }
                kind_text = Some(String::from_utf8_lossy(&text).into_owned());
            }
            "file" if stored.is_none() => {
                let claimed = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("")
                    .to_owned();
                stored = Some(store_file(state, &plan, &claimed, &mut field).await?);
            }
            "file" => {
                forget(state, &plan).await;
                return Err(ServiceError::validation("file", "send one file per upload"));
            }
            _ => {
                // Unknown fields are drained and refused.
                while let Some(chunk) = field.next().await {
                    chunk.map_err(bad_body)?;
                }
                forget(state, &plan).await;
                return Err(ServiceError::validation(
                    name,
                    "is not a field of an upload (kind, file)",
                ));
            }
        }
    }
    let Some((filename, file_type, written)) = stored else {
        return Err(ServiceError::validation(
            "file",
            "attach the file (PDF, JPEG or PNG)",
        ));
    };
    let kind = match kind_text.as_deref().map(str::parse::<DocumentKind>) {
        Some(Ok(kind)) => kind,
        Some(Err(e)) => {
            forget(state, &plan).await;
            return Err(ServiceError::validation("kind", e.to_string()));
        }
        None => {
            forget(state, &plan).await;
            return Err(ServiceError::validation(
                "kind",
                "is required: which document is this",
            ));
        }
    };
    let recorded = {
        let plan = plan.clone();
        state
            .ctx
            .run(move |conn, _| {
                documents::record_upload(conn, &user, &plan, kind, &filename, file_type, &written)
            })
            .await
    };
    if recorded.is_err() {
        forget(state, &plan).await;
    }
    recorded
}

/// Removes what an abandoned upload stored (best effort: `gc` removes what this misses).
async fn forget(state: &AppState, plan: &UploadPlan) {
    if let Err(e) = state.ctx.documents.delete(&plan.document_id).await {
        tracing::warn!(document = %plan.document_id, error = %e, "could not remove an abandoned upload");
    }
}

async fn store_file(
    state: &AppState,
    plan: &UploadPlan,
    claimed_name: &str,
    field: &mut actix_multipart::Field,
) -> Result<
    (
        String,
        crate::domain::document::FileType,
        crate::storage::Written,
    ),
    ServiceError,
> {
    // The type is told from the first bytes, before anything is stored.
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut first: Vec<web::Bytes> = Vec::new();
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match field.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(bad_body)?;
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                first.push(chunk);
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let Some(file_type) = sniff(&head) else {
        return Err(ServiceError::UnsupportedMediaType(
            "the file is not a PDF, JPEG or PNG (told by its content, not its name)".into(),
        ));
    };
    let too_large = || -> ServiceError {
        ServiceError::PayloadTooLarge(format!(
            "the file is larger than the {} bytes allowed here (at most {} per file, {} per case or project)",
            plan.max_bytes, plan.limits.file_bytes, plan.limits.total_bytes
        ))
    };
    let store = &state.ctx.documents;
    let mut upload = store
        .begin(&plan.document_id, &plan.key)
        .await
        .map_err(ServiceError::from)?;
    for chunk in first {
        if let Err(e) = upload.write(&chunk).await {
            upload.abort().await;
            return Err(ServiceError::from(e));
        }
    }
    if !ended {
        while let Some(chunk) = field.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    upload.abort().await;
                    return Err(bad_body(e));
                }
            };
            if upload.size() + chunk.len() as u64 > plan.max_bytes {
                upload.abort().await;
                return Err(too_large());
            }
            if let Err(e) = upload.write(&chunk).await {
                upload.abort().await;
                return Err(ServiceError::from(e));
            }
        }
    }
    if upload.size() > plan.max_bytes {
        upload.abort().await;
        return Err(too_large());
    }
    let written = upload.finish().await.map_err(ServiceError::from)?;
    Ok((
        sanitize_filename(claimed_name, file_type),
        file_type,
        written,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data", description = "`kind` and `file` (PDF, JPEG or PNG)"),
    responses((status = 201, description = "Stored, encrypted; awaiting the desk's review", body = DocumentView),
        (status = 400, description = "An unreadable body", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such case, or another sponsor's", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 409, description = "The case is decided", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, description = "Over the size limits", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 415, description = "Not a PDF, JPEG or PNG, or not multipart", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "No file, or no or an unknown kind", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `POST /api/v1/cases/{id}/documents`.
pub async fn upload_for_case(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    upload(&state, user, UploadTarget::Case(id), payload).await
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/documents", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Project id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data", description = "`kind` and `file` (PDF, JPEG or PNG); a project's document (a sales contract) serves every case of the project"),
    responses((status = 201, description = "Stored, encrypted; awaiting the desk's review", body = DocumentView),
        (status = 400, description = "An unreadable body", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such project, or another sponsor's", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, description = "Over the size limits", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 415, description = "Not a PDF, JPEG or PNG, or not multipart", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "No file, or no or an unknown kind", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `POST /api/v1/projects/{id}/documents`.
pub async fn upload_for_project(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "project")?;
    upload(&state, user, UploadTarget::Project(id), payload).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case's documents and its project's, each with its origin", body = DocumentList),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such case, or another sponsor's", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/cases/{id}/documents`.
pub async fn list_for_case(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let items = state
        .ctx
        .run(move |conn, _| documents::list_for_case(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(DocumentList { items }))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}/documents", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project's own documents", body = DocumentList),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such project, or another sponsor's", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/projects/{id}/documents`.
pub async fn list_for_project(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "project")?;
    let items = state
        .ctx
        .run(move |conn, _| documents::list_for_project(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(DocumentList { items }))
}

#[utoipa::path(get, path = "/api/v1/documents/{id}/content", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Document id"), ContentQuery),
    responses((status = 200, description = "The file, as an attachment, with its sniffed type; every download is audited",
            content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        (status = 400, description = "An unknown or malformed query parameter", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "A disposition other than attachment or inline", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such document, or another sponsor's", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/documents/{id}/content`: the bytes, streamed and decrypted chunk by chunk.
pub async fn content(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    query: web::Query<ContentQuery>,
) -> Result<HttpResponse, ApiError> {
    let inline = match query.into_inner().disposition.as_deref() {
        None | Some("attachment") => false,
        Some("inline") => true,
        Some(_) => {
            return Err(
                ServiceError::validation("disposition", "must be attachment or inline").into(),
            )
        }
    };
    let id = parse_id(&path, "document")?;
    let (row, key) = state
        .ctx
        .run(move |conn, ctx| documents::open_for_download(conn, ctx, &user, &id))
        .await?;
    let stream = state
        .ctx
        .documents
        .read(&row.id, &key)
        .await
        .map_err(ServiceError::from)?;
    let disposition = header::ContentDisposition {
        disposition: if inline {
            header::DispositionType::Inline
        } else {
            header::DispositionType::Attachment
        },
        parameters: vec![header::DispositionParam::FilenameExt(
            header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: row.filename.clone().into_bytes(),
            },
        )],
    };
    Ok(HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(stream.map(|chunk| {
            chunk.map_err(|e| {
                tracing::error!(error = %e, "a stored document could not be read");
                actix_web::error::ErrorInternalServerError("the document could not be read")
            })
        })))
}

/// A PDF of `user`'s reading, whole in memory (bounded by the per-file limit), for the
/// renderer; the read is audited as a download.
pub async fn load_pdf(
    state: &AppState,
    user: AuthUser,
    id: String,
) -> Result<(crate::db::documents::DocumentRow, Vec<u8>), ServiceError> {
    let (row, key) = state
        .ctx
        .run(move |conn, ctx| documents::open_for_download(conn, ctx, &user, &id))
        .await?;
    if row.content_type != "application/pdf" {
        return Err(ServiceError::NotFound("page"));
    }
    let mut stream = Box::pin(state.ctx.documents.read(&row.id, &key).await?);
    let mut bytes = Vec::with_capacity(usize::try_from(row.size_bytes).unwrap_or(0));
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk?);
    }
    Ok((row, bytes))
}

/// How long one page may take to render before the request gives up.
const RENDER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// Renders a page off the async threads, within [`RENDER_DEADLINE`].
pub async fn render_pdf_page(
    bytes: Vec<u8>,
    page: usize,
) -> Result<crate::service::pdf_view::RenderedPage, ServiceError> {
    let task =
        tokio::task::spawn_blocking(move || crate::service::pdf_view::render_page(bytes, page));
    match tokio::time::timeout(RENDER_DEADLINE, task).await {
        Ok(joined) => joined.map_err(|e| ServiceError::Internal(format!("renderer: {e}")))?,
        Err(_) => Err(ServiceError::conflict(
            "pdf_unreadable",
            "this PDF takes too long to show here; download it instead",
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/documents/{id}/pages/{page}", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Document id (a PDF)"), ("page" = u32, Path, description = "Page number, from 1")),
    responses((status = 200, description = "The page as a PNG (longer edge at most 1600 px); `X-Page-Count` tells how many pages the PDF has. Every view is audited as a download", content_type = "image/png"),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "Admins", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such document or page, another sponsor's, or not a PDF", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 409, description = "A PDF the viewer cannot show (encrypted or damaged): download it", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/documents/{id}/pages/{page}`: one page of a PDF as an image.
pub async fn page_image(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, raw_page) = path.into_inner();
    let id = parse_id(&raw_id, "document")?;
    let page: usize = raw_page
        .parse()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or(ServiceError::NotFound("page"))?;
    let (_, bytes) = load_pdf(&state, user, id).await?;
    let rendered = render_pdf_page(bytes, page).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("X-Page-Count", rendered.pages.to_string()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(rendered.png))
}

/// `?disposition=inline` shows the file in the browser (still sandboxed and never sniffed).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    /// `attachment` (the default) or `inline`.
    pub disposition: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/review", tag = "documents", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "Document id")),
    request_body = ReviewInput,
    responses((status = 200, description = "Reviewed: confirmed documents confirm the evidence rules that name their kind (on the case, or every open case of the project) and re-evaluate; rejections tell the employer why", body = DocumentView),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 403, description = "The desk only", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 404, description = "No such document", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 409, description = "Reviewed already", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 415, description = "Not JSON", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "A decision other than confirmed or rejected, or no note", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `POST /api/v1/documents/{id}/review`.
pub async fn review(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "document")?;
    let input = body.0;
    let view = state
        .ctx
        .run(move |conn, ctx| documents::review(conn, ctx, &user, &id, input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
