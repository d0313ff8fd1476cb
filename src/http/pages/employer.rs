//! The employer's pages: the company, its projects and cases; filing workers by form or by
//! CSV (with a preview that files nothing); the eligibility pre-check of one worker.
//!
//! Authorization: employer users only; the service layer limits them to their own sponsor
//! and (as prime contractor) their subcontractors.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::cases::{routes_view, RouteView};
use super::forms::{self, FormData, WorkerBlock};
use super::post::Post;
use super::view::outcome_badge;
use super::{page_id, Page, PageError};
use crate::domain::document::DocumentKind;
use crate::domain::worker::{SECTORS, US_STATES};
use crate::domain::Role;
use crate::http::filings::{preview_batch, read_batch_file, read_batch_form};
use crate::http::AppState;
use crate::service::bundles::BundleView;
use crate::service::cases::{self, CaseSummary, QueueQuery};
use crate::service::filing::{
    self, FilingDocuments, FilingInput, FilingPreview, FilingResult, CSV_COLUMNS,
};
use crate::service::sponsors::{self, NewProject, ProjectView, SponsorView};
use crate::service::spreadsheet::Table;
use crate::service::{access, FieldError, ServiceError};

const FORM_WORKERS: usize = 3;

#[derive(Template)]
#[template(path = "pages/employer.html")]
struct Dashboard<'a> {
    p: &'a Page,
    sponsor: SponsorView,
    projects: Vec<ProjectView>,
    /// Sponsors asking to file through this one as their prime contractor.
    requests: Vec<sponsors::LinkRequestView>,
    /// What the desk said when it asked for more information or rejected the company, and
    /// when.
    desk_message: Option<(String, chrono::DateTime<chrono::Utc>)>,
    cases: Vec<CaseSummary>,
    /// The next page of cases, with the filters.
    next: Option<String>,
    /// The filters as a query string, for the exports.
    filters: String,
    list: CaseListParams,
    statuses: Vec<&'static str>,
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

/// The employer's case list: filters and search in the URL, 50 a page.
#[derive(serde::Deserialize, Default, Clone)]
pub struct CaseListParams {
    status: Option<String>,
    project_id: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

impl CaseListParams {
    fn query(&self) -> QueueQuery {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        QueueQuery {
            status: nonempty(&self.status),
            project_id: nonempty(&self.project_id),
            q: nonempty(&self.q),
            cursor: nonempty(&self.cursor),
            limit: Some(EMPLOYER_PAGE),
            ..QueueQuery::default()
        }
    }

    /// The list's filters as a query string (for the next page and the exports).
    fn filters(&self) -> String {
        [
            ("status", &self.status),
            ("project_id", &self.project_id),
            ("q", &self.q),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.trim().is_empty())
                .map(|v| format!("{k}={}", super::url_encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

const EMPLOYER_PAGE: i64 = 50;

async fn render_dashboard(
    page: &Page,
    state: &AppState,
    form: FormData,
    errors: Vec<FieldError>,
    list: CaseListParams,
) -> Result<HttpResponse, PageError> {
    let user = page.require(&[Role::Employer])?;
    let query = list.query();
    let (sponsor, (projects, requests), queue, desk_message) = state
        .ctx
        .run(move |conn, _| {
            let own = access::own_sponsor(&user)?;
            let sponsor = sponsors::get(conn, &user, &own)?;
            let desk_message = match sponsor.status.as_str() {
                "rejected" | "information_requested" => {
                    crate::db::sponsor_review::latest_decision(conn, &own)?
                        .and_then(|d| d.reason.map(|r| (r, d.decided_at.and_utc())))
                }
                _ => None,
            };
            let projects = sponsors::list_projects(conn, &user, &own)?;
            // subcontractors' requests are for the sponsor's managers
            let requests = if user.rights.manage {
                sponsors::link_requests(conn, &user, &own)?
            } else {
                Vec::new()
            };
            let queue = cases::queue(conn, &user, query)?;
            Ok((sponsor, (projects, requests), queue, desk_message))
        })
        .await
        .map_err(|e| page.fail(e))?;
    let filters = list.filters();
    let next = queue.next_cursor.as_ref().map(|c| {
        let mut href = format!("/employer?cursor={}", super::url_encode(c));
        if !filters.is_empty() {
            href.push('&');
            href.push_str(&filters);
        }
        href.push_str("#h-cases");
        href
    });
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
            desk_message,
            cases: queue.items,
            next,
            filters,
            list,
            statuses: crate::domain::CaseStatus::ALL.map(|s| s.as_str()).to_vec(),
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
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
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
    list: web::Query<CaseListParams>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let form = FormData(vec![
        ("state".into(), "GA".into()),
        ("sector".into(), "batteries".into()),
        ("equipment_purchased_abroad".into(), "on".into()),
        ("contract_requires_seller_services".into(), "on".into()),
    ]);
    render_dashboard(&page, &state, form, Vec::new(), list.into_inner()).await
}

/// `POST /employer/projects`.
pub async fn create_project(
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(&[Role::Employer])?;
    let investment = form.get("investment_usd").replace([',', ' '], "");
    let Ok(investment_usd) = investment.parse::<i64>() else {
        let error = FieldError {
            field: "investment_usd".into(),
            message: "must be a whole number of dollars".into(),
        };
        return render_dashboard(&page, &state, form, vec![error], CaseListParams::default()).await;
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
            render_dashboard(&page, &state, form, errors, CaseListParams::default()).await
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
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
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

/// A row of the preview, as the page shows it.
pub struct PreviewRowView {
    pub line: u32,
    pub name: String,
    /// (the field's form name, the message)
    pub errors: Vec<(String, String)>,
    /// (the file's name in the ZIP, its kind)
    pub documents: Vec<(String, DocumentKind)>,
    pub predicted_route: Option<String>,
    pub no_route: bool,
    pub name_check: Option<filing::NameCheck>,
}

#[derive(Template)]
#[template(path = "pages/preview.html")]
struct PreviewPage<'a> {
    p: &'a Page,
    project: ProjectView,
    rows: Vec<PreviewRowView>,
    rows_with_errors: usize,
    rows_without_route: usize,
    general: Vec<FieldError>,
    /// The staged ZIP: its project files and the files that go nowhere.
    bundle: Option<BundleView>,
    /// The batch as read, carried to the filing (the file is read once, at the upload).
    table_json: String,
    valid: bool,
    idempotency_key: String,
}

impl PreviewPage<'_> {
    fn new<'a>(
        p: &'a Page,
        project: ProjectView,
        preview: FilingPreview,
        table: &Table,
        idempotency_key: String,
    ) -> PreviewPage<'a> {
        let rows = preview
            .rows
            .into_iter()
            .map(|r| PreviewRowView {
                line: r.line,
                name: r.name,
                errors: r
                    .errors
                    .into_iter()
                    .map(|e| {
                        let field = forms::worker_field(&e.field)
                            .map(|(_, f)| f)
                            .unwrap_or(e.field);
                        (field, e.message)
                    })
                    .collect(),
                documents: r
                    .documents
                    .into_iter()
                    .filter_map(|f| f.kind.map(|k| (f.file, k)))
                    .collect(),
                predicted_route: r.predicted_route,
                no_route: r.no_route,
                name_check: r.name_check,
            })
            .collect();
        PreviewPage {
            p,
            project,
            rows,
            rows_with_errors: preview.rows_with_errors,
            rows_without_route: preview.rows_without_route,
            general: preview.errors,
            bundle: preview.documents,
            table_json: serde_json::to_string(table).unwrap_or_default(),
            valid: preview.valid,
            idempotency_key,
        }
    }

    fn render(self, status: StatusCode) -> Result<HttpResponse, PageError> {
        let page = self.p;
        page.render_status(status, &self)
    }
}

/// `POST /employer/projects/{id}/csv` (multipart: `csrf` first, then the batch as `file` — CSV
/// in any encoding Excel writes, or a workbook — or pasted as `csv`, and, optionally, a ZIP of
/// documents as `documents`): the preview, which files nothing; the ZIP is staged for the
/// filing.
pub async fn csv_preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(&[Role::Employer])?;
    if super::security::is_cross_site(&req) {
        return Err(page.fail(ServiceError::Forbidden("a form from another site".into())));
    }
    let gate = |token: &str| page.form_token_matches(token);
    let form = read_batch_form(&state, payload, &["file", "csv"], Some(&gate))
        .await
        .map_err(|e| page.fail(e))?;
    let project = load_project(&page, &state, &path).await?;
    let Some(bytes) = form.bytes("file").or_else(|| form.bytes("csv")) else {
        let preview = unreadable_preview(vec![FieldError {
            field: "csv".into(),
            message: page.t("filing.choose_file").into(),
        }]);
        return PreviewPage::new(&page, project, preview, &Table::default(), new_key())
            .render(StatusCode::UNPROCESSABLE_ENTITY);
    };
    let table = match read_batch_file(bytes) {
        Ok(table) => table,
        Err(ServiceError::Validation(errors)) => {
            return PreviewPage::new(
                &page,
                project,
                unreadable_preview(errors),
                &Table::default(),
                new_key(),
            )
            .render(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(page.fail(e)),
    };
    let preview = preview_batch(&state, &user, &project.id, &table, form.documents, None).await;
    match preview {
        Ok(preview) => {
            let status = if preview.valid {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            PreviewPage::new(&page, project, preview, &table, new_key()).render(status)
        }
        Err(ServiceError::Validation(errors)) => {
            let mut preview = filing::preview_table(&project.id, &table, state.ctx.today());
            preview.errors.extend(errors);
            preview.valid = false;
            PreviewPage::new(&page, project, preview, &table, new_key())
                .render(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(page.fail(e)),
    }
}

/// The preview of a file that could not be read at all.
fn unreadable_preview(errors: Vec<FieldError>) -> FilingPreview {
    FilingPreview {
        valid: false,
        rows_with_errors: 0,
        rows_without_route: 0,
        rows: Vec::new(),
        errors,
        documents: None,
    }
}

/// The preview again, after a filing that did not go through.
struct Again<'a> {
    state: &'a AppState,
    user: &'a crate::service::accounts::AuthUser,
    table: Table,
    bundle_id: Option<String>,
    key: String,
}

impl Again<'_> {
    async fn render(
        self,
        page: &Page,
        project: ProjectView,
        errors: Vec<FieldError>,
        status: StatusCode,
    ) -> Result<HttpResponse, PageError> {
        let mut preview = match preview_batch(
            self.state,
            self.user,
            &project.id,
            &self.table,
            None,
            self.bundle_id,
        )
        .await
        {
            Ok(preview) => preview,
            Err(_) => filing::preview_table(&project.id, &self.table, self.state.ctx.today()),
        };
        preview.errors.extend(errors);
        preview.valid = false;
        PreviewPage::new(page, project, preview, &self.table, self.key).render(status)
    }
}

/// `POST /employer/projects/{id}/csv/file` (form: `table` — the previewed batch as the preview
/// page carries it — or `csv` text, `idempotency_key`, `bundle_id`): files the batch and its
/// staged ZIP.
pub async fn csv_file(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(&[Role::Employer])?;
    let project = load_project(&page, &state, &path).await?;
    let table = match form.opt("table") {
        Some(json) => serde_json::from_str::<Table>(&json).map_err(|_| {
            page.fail(ServiceError::BadRequest {
                code: "bad_body",
                message: "the previewed batch came back damaged: upload the file again".into(),
            })
        })?,
        None => read_batch_file(form.get("csv").as_bytes()).map_err(|e| page.fail(e))?,
    };
    let key = form.opt("idempotency_key").unwrap_or_else(new_key);
    let bundle_id = form.opt("bundle_id");
    let project_id = project.id.clone();
    let data = table.clone();
    let idem = key.clone();
    let filer = user.clone();
    let bundle = bundle_id.clone();
    let result = state
        .ctx
        .run(move |conn, ctx| {
            let workers = filing::workers_from_table(&data)?;
            let input = FilingInput {
                project_id,
                workers,
            };
            let documents = bundle.map(|bundle_id| FilingDocuments {
                bundle_id,
                lines: data.rows.iter().map(|r| r.line).collect(),
            });
            filing::file_batch_with_documents(conn, ctx, &filer, input, Some(idem), documents)
        })
        .await;
    let again = Again {
        state: &state,
        user: &user,
        table,
        bundle_id,
        key,
    };
    match result {
        Ok(outcome) => page.render_status(
            StatusCode::CREATED,
            &FiledPage {
                p: &page,
                project,
                result: outcome.result,
            },
        ),
        Err(ServiceError::Validation(errors)) => {
            // Row errors show on their rows; the rest above the table.
            let general = errors
                .into_iter()
                .filter(|e| forms::worker_field(&e.field).is_none())
                .collect();
            again
                .render(&page, project, general, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(ServiceError::Conflict { message, .. }) => {
            let errors = vec![FieldError {
                field: "project".into(),
                message,
            }];
            again
                .render(&page, project, errors, StatusCode::CONFLICT)
                .await
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
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
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
