//! The employer's pages: the company, its projects and cases; filing workers by form or by
//! CSV (with a preview that files nothing); the eligibility pre-check of one worker.
//!
//! Authorization: employer users only; the service layer limits them to their own sponsor
//! and (as prime contractor) their subcontractors.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use super::cases::{outcome_badge, routes_view, RouteView};
use super::forms::{self, FormData, WorkerBlock};
use super::{page_id, Page, PageError};
use crate::domain::document::DocumentKind;
use crate::domain::worker::{SECTORS, US_STATES};
use crate::domain::Role;
use crate::http::AppState;
use crate::service::cases::{self, CaseSummary, QueueQuery};
use crate::service::filing::{self, FilingInput, FilingResult, CSV_COLUMNS};
use crate::service::sponsors::{self, NewProject, ProjectView, SponsorView};
use crate::service::{access, FieldError, ServiceError};

const FORM_WORKERS: usize = 3;
const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;

#[derive(Template)]
#[template(path = "pages/employer.html")]
struct Dashboard<'a> {
    p: &'a Page,
    sponsor: SponsorView,
    projects: Vec<ProjectView>,
    /// Sponsors asking to file through this one as their prime contractor.
    requests: Vec<sponsors::LinkRequestView>,
    cases: Vec<CaseSummary>,
    form: FormData,
    errors: Vec<FieldError>,
    sectors: &'static [&'static str],
    states: &'static [&'static str],
}

impl Dashboard<'_> {
    fn badge(&self, status: &str) -> &'static str {
        outcome_badge(status)
    }
}

async fn render_dashboard(
    page: &Page,
    state: &AppState,
    form: FormData,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let user = page.require(&[Role::Employer])?;
    let (sponsor, (projects, requests), queue) = state
        .ctx
        .run(move |conn, _| {
            let own = access::own_sponsor(&user)?;
            let sponsor = sponsors::get(conn, &user, &own)?;
            let projects = sponsors::list_projects(conn, &user, &own)?;
            let requests = sponsors::link_requests(conn, &user, &own)?;
            let queue = cases::queue(
                conn,
                &user,
                QueueQuery {
                    limit: Some(cases::MAX_PAGE),
                    ..QueueQuery::default()
                },
            )?;
            Ok((sponsor, (projects, requests), queue))
        })
        .await
        .map_err(|e| page.fail(e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page.render_status(
        status,
        &Dashboard {
            p: page,
            sponsor,
            projects,
            requests,
            cases: queue.items,
            form,
            errors,
            sectors: SECTORS,
            states: US_STATES,
        },
    )
}

/// `POST /employer/subcontractor-requests/{id}` (`decision`: accept or decline): the prime's
/// answer to a sponsor that registered naming it.
pub async fn decide_subcontractor(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = FormData(form.into_inner());
    let page = Page::load(&req, &state).await?;
    page.check_post(&req, form.get("csrf"))?;
    let user = page.require(&[Role::Employer])?;
    let sub = page_id(&page, &path, "sponsor")?;
    let decision = sponsors::LinkDecision {
        decision: form.get("decision").to_owned(),
    };
    state
        .ctx
        .run(move |conn, _| {
            let own = access::own_sponsor(&user)?;
            sponsors::decide_link(conn, &user, &own, &sub, decision)
        })
        .await
        .map_err(|e| page.fail(e))?;
    Ok(page.redirect("/employer?msg=subcontractor_answered"))
}

/// `GET /employer`.
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let form = FormData(vec![
        ("state".into(), "GA".into()),
        ("sector".into(), "batteries".into()),
        ("equipment_purchased_abroad".into(), "on".into()),
        ("contract_requires_seller_services".into(), "on".into()),
    ]);
    render_dashboard(&page, &state, form, Vec::new()).await
}

/// `POST /employer/projects`.
pub async fn create_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = FormData(form.into_inner());
    let page = Page::load(&req, &state).await?;
    page.check_post(&req, form.get("csrf"))?;
    let user = page.require(&[Role::Employer])?;
    let investment = form.get("investment_usd").replace([',', ' '], "");
    let Ok(investment_usd) = investment.parse::<i64>() else {
        let error = FieldError {
            field: "investment_usd".into(),
            message: "must be a whole number of dollars".into(),
        };
        return render_dashboard(&page, &state, form, vec![error]).await;
    };
    let input = NewProject {
        name: form.get("name").to_owned(),
        worksite_address: form.get("worksite_address").to_owned(),
        state: form.get("state").to_owned(),
        sector: form.get("sector").to_owned(),
        investment_usd,
        equipment_purchased_abroad: form.checked("equipment_purchased_abroad"),
        contract_requires_seller_services: form.checked("contract_requires_seller_services"),
    };
    let result = state
        .ctx
        .run(move |conn, _| {
            let own = access::own_sponsor(&user)?;
            sponsors::create_project(conn, &user, &own, input)
        })
        .await;
    match result {
        Ok(_) => Ok(page.redirect("/employer?msg=project_added")),
        Err(ServiceError::Validation(errors)) => {
            render_dashboard(&page, &state, form, errors).await
        }
        Err(e) => Err(page.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "pages/filing.html")]
struct FilingPage<'a> {
    p: &'a Page,
    project: ProjectView,
    /// The project's own documents (a sales contract serves every worker filed under it).
    documents: Vec<crate::service::documents::DocumentView>,
    document_kinds: Vec<&'static str>,
    blocks: Vec<WorkerBlock>,
    general: Vec<FieldError>,
    idempotency_key: String,
    columns: String,
}

async fn load_project(page: &Page, state: &AppState, raw: &str) -> Result<ProjectView, PageError> {
    let user = page.require(&[Role::Employer])?;
    let id = page_id(page, raw, "project")?;
    state
        .ctx
        .run(move |conn, _| sponsors::get_project(conn, &user, &id))
        .await
        .map_err(|e| page.fail(e))
}

async fn project_documents(
    page: &Page,
    state: &AppState,
    project_id: &str,
) -> Result<Vec<crate::service::documents::DocumentView>, PageError> {
    let user = page.require(&[Role::Employer])?;
    let id = project_id.to_owned();
    state
        .ctx
        .run(move |conn, _| crate::service::documents::list_for_project(conn, &user, &id))
        .await
        .map_err(|e| page.fail(e))
}

/// `POST /employer/projects/{id}/documents` (multipart: `csrf` first, `kind`, `file`): a
/// project's document, such as the sales contract that serves every worker filed under it.
pub async fn upload_project_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(&[Role::Employer])?;
    let id = page_id(&page, &path, "project")?;
    let target = crate::service::documents::UploadTarget::Project(id.clone());
    match super::cases::upload_from_page(&page, &req, &state, user, target, payload).await? {
        Ok(_) => Ok(page.redirect(&format!(
            "/employer/projects/{id}/file?msg=document_added#h-project-documents"
        ))),
        Err(e) => Err(page.fail(e)),
    }
}

fn new_key() -> String {
    format!("page-{}", uuid::Uuid::new_v4())
}

/// `GET /employer/projects/{id}/file`.
pub async fn filing_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let project = load_project(&page, &state, &path).await?;
    let documents = project_documents(&page, &state, &project.id).await?;
    page.render(&FilingPage {
        p: &page,
        project,
        documents,
        document_kinds: DocumentKind::ALL.map(|k| k.as_str()).to_vec(),
        blocks: forms::worker_blocks(FORM_WORKERS, None, &[], 1),
        general: Vec::new(),
        idempotency_key: new_key(),
        columns: CSV_COLUMNS.join(","),
    })
}

#[derive(Template)]
#[template(path = "pages/filed.html")]
struct FiledPage<'a> {
    p: &'a Page,
    project: ProjectView,
    result: FilingResult,
}

/// `POST /employer/projects/{id}/file`: the workers typed into the form.
pub async fn file_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = FormData(form.into_inner());
    let page = Page::load(&req, &state).await?;
    page.check_post(&req, form.get("csrf"))?;
    let user = page.require(&[Role::Employer])?;
    let project = load_project(&page, &state, &path).await?;
    let mut read_errors = Vec::new();
    let mut blocks_used = Vec::new();
    let mut workers = Vec::new();
    for b in 0..FORM_WORKERS {
        if b > 0 && forms::block_is_empty(&form, b) {
            continue;
        }
        workers.push(forms::read_worker(&form, b, &mut read_errors));
        blocks_used.push(b);
    }
    let key = form.opt("idempotency_key").unwrap_or_else(new_key);
    let input = FilingInput {
        project_id: project.id.clone(),
        workers,
    };
    let result = if read_errors.is_empty() {
        let key = key.clone();
        state
            .ctx
            .run(move |conn, ctx| filing::file_batch(conn, ctx, &user, input, Some(key)))
            .await
    } else {
        Err(ServiceError::Validation(Vec::new()))
    };
    let errors = match result {
        Ok(outcome) => {
            return page.render_status(
                StatusCode::CREATED,
                &FiledPage {
                    p: &page,
                    project,
                    result: outcome.result,
                },
            )
        }
        Err(ServiceError::Validation(errors)) => errors,
        Err(ServiceError::Conflict { message, .. }) => vec![FieldError {
            field: "project".into(),
            message,
        }],
        Err(e) => return Err(page.fail(e)),
    };
    let (rows, general) = forms::by_worker(&errors);
    let mut by_block: Vec<(usize, String, String)> = rows
        .into_iter()
        .filter_map(|(i, f, m)| blocks_used.get(i).map(|b| (*b, f, m)))
        .collect();
    by_block.extend(read_errors);
    let documents = project_documents(&page, &state, &project.id).await?;
    page.render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &FilingPage {
            p: &page,
            project,
            documents,
            document_kinds: DocumentKind::ALL.map(|k| k.as_str()).to_vec(),
            blocks: forms::worker_blocks(FORM_WORKERS, Some(&form), &by_block, 1),
            general,
            idempotency_key: key,
            columns: CSV_COLUMNS.join(","),
        },
    )
}

pub struct PreviewRow {
    pub number: usize,
    pub name: String,
    pub errors: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "pages/preview.html")]
struct PreviewPage<'a> {
    p: &'a Page,
    project: ProjectView,
    rows: Vec<PreviewRow>,
    general: Vec<FieldError>,
    csv: String,
    valid: bool,
    idempotency_key: String,
}

/// Names per data row, for the preview (display only: the service parses the file).
fn row_names(csv_text: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_owned())
            .collect(),
        Err(_) => return Vec::new(),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    reader
        .records()
        .map(|r| match r {
            Ok(r) => {
                let get = |n: &str| col(n).and_then(|c| r.get(c)).unwrap_or("").to_owned();
                format!("{} {}", get("family_name"), get("given_name"))
                    .trim()
                    .to_owned()
            }
            Err(_) => String::new(),
        })
        .collect()
}

/// Parses and validates a CSV batch without filing it: (rows, general errors).
fn check_csv(
    project_id: &str,
    csv_text: &str,
    today: chrono::NaiveDate,
) -> (Vec<PreviewRow>, Vec<FieldError>) {
    let names = row_names(csv_text);
    let errors = match filing::workers_from_csv(csv_text.as_bytes()) {
        Ok(workers) => {
            let input = FilingInput {
                project_id: project_id.to_owned(),
                workers,
            };
            match filing::validate_batch(&input, today) {
                Ok(_) => Vec::new(),
                Err(ServiceError::Validation(e)) => e,
                Err(e) => vec![FieldError {
                    field: "csv".into(),
                    message: e.to_string(),
                }],
            }
        }
        Err(ServiceError::Validation(e)) => e,
        Err(e) => vec![FieldError {
            field: "csv".into(),
            message: e.to_string(),
        }],
    };
    let (cells, general) = forms::by_worker(&errors);
    let rows = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| PreviewRow {
            number: i + 1,
            name,
            errors: cells
                .iter()
                .filter(|(r, _, _)| *r == i)
                .map(|(_, f, m)| (f.clone(), m.clone()))
                .collect(),
        })
        .collect();
    (rows, general)
}

/// `POST /employer/projects/{id}/csv` (multipart: the file, or pasted text): the preview.
pub async fn csv_preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    mut payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0usize;
    while let Some(item) = payload.next().await {
        let mut field = item.map_err(|e| {
            page.fail(ServiceError::BadRequest {
                code: "bad_body",
                message: format!("could not read the upload: {e}"),
            })
        })?;
        let name = field.name().unwrap_or("").to_owned();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                page.fail(ServiceError::BadRequest {
                    code: "bad_body",
                    message: format!("could not read the upload: {e}"),
                })
            })?;
            total += chunk.len();
            if total > MAX_CSV_BYTES {
                return Err(page.fail(ServiceError::PayloadTooLarge(format!(
                    "the upload is larger than {MAX_CSV_BYTES} bytes"
                ))));
            }
            data.extend_from_slice(&chunk);
        }
        fields.push((name, data));
    }
    let text = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    };
    page.check_post(&req, &text("csrf"))?;
    let project = load_project(&page, &state, &path).await?;
    let mut csv_text = text("file");
    if csv_text.trim().is_empty() {
        csv_text = text("csv");
    }
    render_preview(&page, project, csv_text, new_key(), state.ctx.today())
}

fn render_preview(
    page: &Page,
    project: ProjectView,
    csv_text: String,
    key: String,
    today: chrono::NaiveDate,
) -> Result<HttpResponse, PageError> {
    let (rows, mut general) = check_csv(&project.id, &csv_text, today);
    if csv_text.trim().is_empty() {
        general.push(FieldError {
            field: "csv".into(),
            message: "choose a CSV file".into(),
        });
    }
    let valid = general.is_empty() && rows.iter().all(|r| r.errors.is_empty()) && !rows.is_empty();
    page.render_status(
        if valid {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &PreviewPage {
            p: page,
            project,
            rows,
            general,
            csv: csv_text,
            valid,
            idempotency_key: key,
        },
    )
}

/// `POST /employer/projects/{id}/csv/file`: files the previewed CSV.
pub async fn csv_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = FormData(form.into_inner());
    let page = Page::load(&req, &state).await?;
    page.check_post(&req, form.get("csrf"))?;
    let user = page.require(&[Role::Employer])?;
    let project = load_project(&page, &state, &path).await?;
    let csv_text = form.get("csv").to_owned();
    let key = form.opt("idempotency_key").unwrap_or_else(new_key);
    let project_id = project.id.clone();
    let data = csv_text.clone();
    let idem = key.clone();
    let result = state
        .ctx
        .run(move |conn, ctx| {
            let workers = filing::workers_from_csv(data.as_bytes())?;
            let input = FilingInput {
                project_id,
                workers,
            };
            filing::file_batch(conn, ctx, &user, input, Some(idem))
        })
        .await;
    match result {
        Ok(outcome) => page.render_status(
            StatusCode::CREATED,
            &FiledPage {
                p: &page,
                project,
                result: outcome.result,
            },
        ),
        Err(ServiceError::Validation(_)) => {
            render_preview(&page, project, csv_text, key, state.ctx.today())
        }
        Err(ServiceError::Conflict { message, .. }) => {
            let (rows, _) = check_csv(&project.id, &csv_text, state.ctx.today());
            page.render_status(
                StatusCode::CONFLICT,
                &PreviewPage {
                    p: &page,
                    project,
                    rows,
                    general: vec![FieldError {
                        field: "project".into(),
                        message,
                    }],
                    csv: csv_text,
                    valid: false,
                    idempotency_key: key,
                },
            )
        }
        Err(e) => Err(page.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "pages/precheck.html")]
struct PrecheckPage<'a> {
    p: &'a Page,
    project: ProjectView,
    blocks: Vec<WorkerBlock>,
    general: Vec<FieldError>,
    routes: Vec<RouteView>,
}

/// `GET /employer/projects/{id}/precheck`.
pub async fn precheck_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let project = load_project(&page, &state, &path).await?;
    page.render(&PrecheckPage {
        p: &page,
        project,
        blocks: forms::worker_blocks(1, None, &[], 1),
        general: Vec::new(),
        routes: Vec::new(),
    })
}

/// `POST /employer/projects/{id}/precheck`: every route's outcome for one worker; nothing
/// is stored.
pub async fn precheck(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = FormData(form.into_inner());
    let page = Page::load(&req, &state).await?;
    page.check_post(&req, form.get("csrf"))?;
    let user = page.require(&[Role::Employer])?;
    let project = load_project(&page, &state, &path).await?;
    let mut read_errors = Vec::new();
    let worker = forms::read_worker(&form, 0, &mut read_errors);
    let result = if read_errors.is_empty() {
        let project_id = project.id.clone();
        state
            .ctx
            .run(move |conn, ctx| filing::precheck_worker(conn, ctx, &user, &project_id, &worker))
            .await
    } else {
        Err(ServiceError::Validation(Vec::new()))
    };
    let (routes, errors) = match result {
        Ok(explanation) => (routes_view(&explanation, page.lang), Vec::new()),
        Err(ServiceError::Validation(errors)) => (Vec::new(), errors),
        Err(e) => return Err(page.fail(e)),
    };
    let (rows, general) = forms::by_worker(&errors);
    let mut cells = rows;
    cells.extend(read_errors);
    let status = if cells.is_empty() && general.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page.render_status(
        status,
        &PrecheckPage {
            p: &page,
            project,
            blocks: forms::worker_blocks(1, Some(&form), &cells, 1),
            general,
            routes,
        },
    )
}
