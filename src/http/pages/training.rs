//! The training ledger's pages: the desk's report (`/supervisor/training`), the employer's
//! (`/employer/training`), the public figures (`/training/figures`), the case page's section
//! with its forms (`POST /cases/{id}/training`, `POST /cases/{id}/training/import`), and the
//! empty ledger sheet (`/training/ledger-template.csv`).
//!
//! Authorization: the desk's report for officers and supervisors; the employer's for employer
//! users (their own sponsor, a prime also its subcontractors'); the public figures and the
//! empty ledger sheet for anyone, without signing in. The case section is shown to the case's
//! readers, its forms to those who may record (the case's sponsor with the `file` right or its
//! prime, and the desk) once the case is approved, its visa issued or ESTA travel advised;
//! `service::training` checks again.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{charts, form_errors, page_id, Page, PageError};
use crate::domain::Role;
use crate::http::AppState;
use crate::service::accounts::AuthUser;
use crate::service::cases::CaseView;
use crate::service::training::{self, SessionText, TrainingList};
use crate::service::training_report::{
    self, MonthTraining, PublicCell, PublicTraining, TrainingQuery, TrainingReport,
};
use crate::service::{access, ServiceError};

const DESK: &[Role] = &[Role::Officer, Role::Supervisor];
/// Months the chart shows, at most (the latest).
const CHART_MONTHS: usize = 12;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/supervisor/training", web::get().to(desk_report))
        .route("/employer/training", web::get().to(employer_report))
        .route("/training/figures", web::get().to(public_figures))
        .route(
            "/training/ledger-template.csv",
            web::get().to(ledger_template),
        )
        .route("/cases/{id}/training", web::post().to(record))
        .route("/cases/{id}/training/import", web::post().to(import));
}

/// Trainee places per month as a bar chart (see `charts`): the last [`CHART_MONTHS`].
fn month_chart(p: &Page, months: &[MonthTraining]) -> String {
    let skip = months.len().saturating_sub(CHART_MONTHS);
    let bars: Vec<(String, i64)> = months
        .iter()
        .skip(skip)
        .map(|m| {
            // `2026-11` as `26.11`: twelve labels fit under the bars
            let short = m.month.get(2..).unwrap_or(&m.month).replace('-', ".");
            (short, m.us_workers_trained)
        })
        .collect();
    charts::bars("training-chart", p.t("training.chart_title"), &bars, false)
}

#[derive(Template)]
#[template(path = "pages/training.html")]
struct TrainingPage<'a> {
    p: &'a Page,
    report: TrainingReport,
    query: TrainingQuery,
    /// Where the filter form goes.
    action: &'static str,
    /// The filters as a query string (`&from=…`), for the export link.
    filters: String,
    /// (id, name) for the sponsor choice; empty when there is nothing to choose.
    sponsors: Vec<(String, String)>,
    /// (id, name) for the project choice.
    projects: Vec<(String, String)>,
}

impl TrainingPage<'_> {
    fn chart(&self) -> String {
        month_chart(self.p, &self.report.by_month)
    }

    fn chosen(&self, value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }

    fn text<'b>(&self, value: &'b Option<String>) -> &'b str {
        value.as_deref().unwrap_or("")
    }
}

/// The report page for `user`, with the sponsors and projects it may choose from.
async fn report_page(
    page: &Page,
    state: &AppState,
    user: AuthUser,
    query: TrainingQuery,
    action: &'static str,
) -> Result<HttpResponse, PageError> {
    let q = query.clone();
    let (report, sponsors, projects) = state
        .ctx
        .run(move |conn, ctx| {
            let report = training_report::report(conn, ctx.today(), &user, &q)?;
            let readable = access::readable_sponsors(conn, &user)?;
            let sponsors: Vec<(String, String)> =
                crate::db::sponsors::list(conn, readable.as_deref())?
                    .into_iter()
                    .map(|s| (s.id, s.legal_name))
                    .collect();
            let projects: Vec<(String, String)> = match (&q.sponsor_id, readable) {
                (Some(_), _) | (None, None) => report
                    .by_project
                    .iter()
                    .map(|p| (p.project_id.clone(), p.project_name.clone()))
                    .collect(),
                (None, Some(ids)) => {
                    let mut all = Vec::new();
                    for id in ids {
                        all.extend(
                            crate::db::projects::list_for_sponsor(conn, &id)?
                                .into_iter()
                                .map(|p| (p.id, p.name)),
                        );
                    }
                    all
                }
            };
            Ok((report, sponsors, projects))
        })
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&TrainingPage {
        p: page,
        filters: super::view::filter_string(&[
            ("sponsor_id", &query.sponsor_id),
            ("project_id", &query.project_id),
            ("from", &query.from),
            ("to", &query.to),
        ]),
        // one sponsor is no choice
        sponsors: if sponsors.len() > 1 {
            sponsors
        } else {
            Vec::new()
        },
        projects,
        report,
        query,
        action,
    })
}

/// `GET /supervisor/training?sponsor_id=&project_id=&from=&to=`: the desk's report.
pub async fn desk_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TrainingQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(DESK)?;
    report_page(
        &page,
        &state,
        user,
        query.into_inner(),
        "/supervisor/training",
    )
    .await
}

/// `GET /employer/training?…`: the employer's own ledger.
pub async fn employer_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TrainingQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(&[Role::Employer])?;
    report_page(
        &page,
        &state,
        user,
        query.into_inner(),
        "/employer/training",
    )
    .await
}

#[derive(Template)]
#[template(path = "pages/training_figures.html")]
struct FiguresPage<'a> {
    p: &'a Page,
    figures: PublicTraining,
}

impl FiguresPage<'_> {
    fn chart(&self) -> String {
        month_chart(self.p, &self.figures.by_month)
    }

    /// A figure, or the dash of a withheld one.
    fn figure<T: std::fmt::Display>(&self, value: &Option<T>) -> String {
        value
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_else(|| self.p.t("common.none").to_owned())
    }
}

/// A table of the public page: by state or by sector.
struct PublicTable<'a> {
    id: &'static str,
    title: &'static str,
    header: &'static str,
    /// (the state's code or the sector's name, its figures)
    rows: Vec<(&'a str, &'a PublicCell)>,
}

impl FiguresPage<'_> {
    fn tables(&self) -> [PublicTable<'_>; 2] {
        let lang = self.p.lang;
        [
            PublicTable {
                id: "public-by-state",
                title: lang.t("training.by_state"),
                header: lang.t("training.state"),
                rows: self
                    .figures
                    .by_state
                    .iter()
                    .map(|c| (c.key.as_str(), c))
                    .collect(),
            },
            PublicTable {
                id: "public-by-sector",
                title: lang.t("training.by_sector"),
                header: lang.t("project.sector"),
                rows: self
                    .figures
                    .by_sector
                    .iter()
                    .map(|c| (lang.label("sector.", &c.key), c))
                    .collect(),
            },
        ]
    }
}

/// `GET /training/figures`: the public figures, in the reader's language.
pub async fn public_figures(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    crate::http::training::check_figures_throttle(&state, &req).map_err(|e| page.fail(e))?;
    let figures = state
        .ctx
        .run(|conn, ctx| training_report::public_figures(conn, ctx.today()))
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&FiguresPage { p: &page, figures })
}

/// `GET /training/ledger-template.csv`: the empty ledger sheet the import reads (no data in
/// it: anyone may have it).
pub async fn ledger_template() -> HttpResponse {
    crate::http::training::csv_download(training::ledger_template(), "training-ledger.csv")
}

/// The case page's training section.
pub struct CaseTraining {
    pub list: TrainingList,
    /// The viewer may record sessions now (the forms are shown).
    pub can_record: bool,
    /// The case is after the visa.
    pub after_visa: bool,
    /// The desk's date (YYYY-MM-DD), the latest a session may have.
    pub today: String,
}

impl CaseTraining {
    /// Is `field` one of the training forms' (so that its error is repeated beside them)?
    pub fn is_own_field(&self, field: &str) -> bool {
        matches!(
            field,
            "date" | "hours" | "us_workers_trained" | "skill" | "equipment" | "file" | "csv"
        ) || field.starts_with("lines[")
    }
}

/// The case page's training section for `user`: `None` when there is nothing to show (no
/// session, and the case is not after the visa).
pub async fn case_section(
    state: &AppState,
    user: &AuthUser,
    case: &CaseView,
) -> Result<Option<CaseTraining>, ServiceError> {
    let user = user.clone();
    let (id, sponsor, status) = (
        case.id.clone(),
        case.sponsor_id.clone(),
        case.status.clone(),
    );
    state
        .ctx
        .run(move |conn, ctx| {
            let list = training::list(conn, &user, &id)?;
            let after_visa = training::after_visa(&status);
            if !after_visa && list.items.is_empty() {
                return Ok(None);
            }
            Ok(Some(CaseTraining {
                can_record: training::may_record_now(conn, &user, &sponsor, &status)?,
                after_visa,
                today: ctx.today().to_string(),
                list,
            }))
        })
        .await
}

/// After a training form: back to the case with a flash, or the case again with the errors.
async fn answer(
    page: &Page,
    state: &AppState,
    id: String,
    result: Result<(), ServiceError>,
    flash: &str,
    field: &str,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(()) => Ok(page.redirect(&format!("/cases/{id}?msg={flash}#training"))),
        Err(e) => match form_errors::for_form(e, field) {
            Ok((status, errors)) => {
                super::cases::render_case(page, state, id, errors, status).await
            }
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /cases/{id}/training` (form: `csrf`, `date`, `hours`, `us_workers_trained`, `skill`,
/// `equipment`): one session.
pub async fn record(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let input = SessionText {
        date: form.get("date").to_owned(),
        hours: form.get("hours").to_owned(),
        us_workers_trained: form.get("us_workers_trained").to_owned(),
        skill: form.get("skill").to_owned(),
        equipment: form.get("equipment").to_owned(),
    };
    let case_id = id.clone();
    let result = state
        .ctx
        .run(move |conn, ctx| training::record_text(conn, ctx, &user, &case_id, input))
        .await
        .map(|_| ());
    answer(&page, &state, id, result, "training_recorded", "date").await
}

/// `POST /cases/{id}/training/import` (multipart: `csrf` first, then the sheet as `file`, CSV
/// or an Excel workbook): every session of the sheet, or none.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    if super::security::is_cross_site(&req) {
        return Err(page.fail(ServiceError::Forbidden("a form from another site".into())));
    }
    let gate = |token: &str| page.form_token_matches(token);
    let read = crate::http::filings::read_batch_form(&state, payload, &["file"], Some(&gate))
        .await
        .and_then(|form| match form.bytes("file") {
            Some(bytes) => crate::http::filings::read_batch_file(bytes),
            None => Err(ServiceError::validation("file", "choose a file")),
        });
    let result = match read {
        Ok(table) => {
            let case_id = id.clone();
            state
                .ctx
                .run(move |conn, ctx| training::import(conn, ctx, &user, &case_id, &table))
                .await
                .map(|_| ())
        }
        Err(ServiceError::Forbidden(m)) => return Err(page.fail(ServiceError::Forbidden(m))),
        Err(e) => Err(e),
    };
    answer(&page, &state, id, result, "training_imported", "file").await
}
