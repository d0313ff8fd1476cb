//! The supervisor's pages: rule sets and their versions, the impact preview of a draft, the
//! E-4 cap per fiscal year, reports and their CSV export.
//!
//! Authorization: supervisors only (the cap is also the desk's in the API; the page is
//! part of the supervisor's cap management).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use super::charts;
use super::post::Post;
use super::view::percent;
use super::{Page, PageError};
use crate::domain::receipt::fiscal_year;
use crate::domain::{Role, VisaRoute};
use crate::http::AppState;
use crate::service::eligibility::{self, CapSimulation, CapUsage};
use crate::service::filing::desk_today;
use crate::service::reports::{self, DaysBucket, GroupCounts, Report, ReportQuery};
use crate::service::ServiceError;

const SUPERVISOR: &[Role] = &[Role::Supervisor];

pub struct VersionRow {
    pub version: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub title: String,
    pub note: String,
    pub rules: Vec<(String, String, String, String)>,
    pub source: String,
}

pub struct RouteRow {
    pub route: String,
    pub versions: Vec<VersionRow>,
}

fn version_rows(versions: &Value, page: &Page) -> Vec<VersionRow> {
    let s = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let lang = page.lang.code();
    versions
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| VersionRow {
            version: s(&v["version"]),
            status: s(&v["status"]),
            from: s(&v["effective_from"]),
            to: s(&v["effective_to"]),
            title: s(&v[format!("title_{lang}").as_str()]),
            note: s(&v["note"]),
            rules: v["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    (
                        s(&r["id"]),
                        s(&r["kind"]),
                        s(&r[format!("title_{lang}").as_str()]),
                        s(&r["citation"]),
                    )
                })
                .collect(),
            source: s(&v["source"]),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/rulesets.html")]
struct RulesetsPage<'a> {
    p: &'a Page,
    routes: Vec<RouteRow>,
}

/// `GET /supervisor/rules`.
pub async fn rulesets(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    page.require(SUPERVISOR)?;
    let all = state
        .ctx
        .run(eligibility::list_rulesets)
        .await
        .map_err(|e| page.fail(e))?;
    let routes = all["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| RouteRow {
            route: r["route"].as_str().unwrap_or("").to_owned(),
            versions: version_rows(&r["versions"], &page),
        })
        .collect();
    page.render(&RulesetsPage { p: &page, routes })
}

pub struct ImpactView {
    pub evaluated: String,
    pub changed: String,
    /// Route, outcome before, after, how many cases.
    pub counts: Vec<(String, &'static str, &'static str, usize)>,
    pub changes: Vec<(String, String, String, String, String)>,
    /// Every change is listed (else the first `IMPACT_LISTED`; the counts cover all).
    pub complete: bool,
}

#[derive(Template)]
#[template(path = "pages/route_versions.html")]
struct RouteVersionsPage<'a> {
    p: &'a Page,
    route: String,
    versions: Vec<VersionRow>,
    draft: String,
    impact: Option<ImpactView>,
    problems: Vec<String>,
}

async fn render_route(
    page: &Page,
    state: &AppState,
    route: String,
    draft: Option<String>,
    impact: Option<ImpactView>,
    problems: Vec<String>,
) -> Result<HttpResponse, PageError> {
    page.require(SUPERVISOR)?;
    let r = route.clone();
    let versions = state
        .ctx
        .run(move |conn, ctx| eligibility::route_versions(conn, ctx, &r))
        .await
        .map_err(|e| page.fail(e))?;
    let versions = version_rows(&versions["versions"], page);
    let draft = draft.unwrap_or_else(|| {
        versions
            .last()
            .map(|v| v.source.clone())
            .unwrap_or_default()
    });
    page.render(&RouteVersionsPage {
        p: page,
        route,
        versions,
        draft,
        impact,
        problems,
    })
}

/// `GET /supervisor/rules/{route}`.
pub async fn route_versions(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    render_route(&page, &state, path.into_inner(), None, None, Vec::new()).await
}

/// `POST /supervisor/rules/{route}/impact`: a dry run of the draft over the stored cases;
/// nothing is published.
pub async fn impact(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    page.require(SUPERVISOR)?;
    let route = path.into_inner();
    let draft = form.get("draft").to_owned();
    let (r, d) = (route.clone(), draft.clone());
    let result = state
        .ctx
        .run(move |conn, ctx| eligibility::impact(conn, ctx, Some(&r), &d, &mut |_| {}))
        .await;
    match result {
        Ok(report) => {
            let view = ImpactView {
                evaluated: report.cases_evaluated.to_string(),
                changed: report.cases_changed.to_string(),
                complete: report.changes_complete,
                counts: report
                    .counts
                    .into_iter()
                    .map(|(kind, n)| (kind.route, kind.before.as_str(), kind.after.as_str(), n))
                    .collect(),
                changes: report
                    .changes
                    .into_iter()
                    .map(|c| {
                        (
                            c.case_id,
                            c.receipt_number,
                            c.route,
                            c.before.as_str().to_owned(),
                            c.after.as_str().to_owned(),
                        )
                    })
                    .collect(),
            };
            render_route(&page, &state, route, Some(draft), Some(view), Vec::new()).await
        }
        Err(ServiceError::Conflict {
            message, details, ..
        }) => {
            let mut problems = vec![message];
            for p in details
                .as_ref()
                .and_then(|d| d["problems"].as_array())
                .into_iter()
                .flatten()
            {
                problems.push(format!(
                    "{} {}: {}",
                    p["rule"].as_str().unwrap_or(""),
                    p["field"].as_str().unwrap_or(""),
                    p["message"].as_str().unwrap_or("")
                ));
            }
            render_route(&page, &state, route, Some(draft), None, problems).await
        }
        Err(ServiceError::Validation(errors)) => {
            let problems = errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            render_route(&page, &state, route, Some(draft), None, problems).await
        }
        Err(e) => Err(page.fail(e)),
    }
}

#[derive(serde::Deserialize)]
pub struct CapQuery {
    fy: Option<i32>,
    /// What-if inputs of the simulation.
    cap: Option<i64>,
    approval_rate: Option<f64>,
}

#[derive(Template)]
#[template(path = "pages/cap.html")]
struct CapPage<'a> {
    p: &'a Page,
    fy: i32,
    usage: CapUsage,
    simulation: CapSimulation,
}

impl CapPage<'_> {
    fn percent(&self, share: &f64) -> String {
        format!("{:.1}%", share * 100.0)
    }
}

/// `GET /supervisor/cap?fy=2027`.
pub async fn cap(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CapQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(SUPERVISOR)?;
    let query = query.into_inner();
    let fy = query.fy.unwrap_or_else(|| fiscal_year(state.ctx.today()));
    let what_if = eligibility::SimulationQuery {
        cap: query.cap,
        approval_rate: query.approval_rate,
    };
    let (usage, simulation) = state
        .ctx
        .run(move |conn, ctx| {
            let usage = eligibility::cap_usage(conn, ctx, VisaRoute::E4Pwk, fy)?;
            let simulation =
                eligibility::cap_simulation(conn, ctx, &user, VisaRoute::E4Pwk, fy, what_if)?;
            Ok((usage, simulation))
        })
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&CapPage {
        p: &page,
        fy,
        usage,
        simulation,
    })
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct ReportsPage<'a> {
    p: &'a Page,
    report: Report,
    interviews: crate::service::interviews::InterviewReport,
    /// The filters as given, for the form.
    query: ReportQuery,
    /// The filters as a query string, for the download links (empty or `&…`).
    filters: String,
    /// (id, name) for the sponsor and officer choices.
    sponsors: Vec<(String, String)>,
    officers: Vec<(String, String)>,
    routes: Vec<&'static str>,
}

impl ReportsPage<'_> {
    /// Cases filed and decided per week as a bar chart (see `charts`).
    fn weekly_chart(&self) -> String {
        charts::weekly(
            "weekly-chart",
            &self.report.weekly,
            self.p.t("reports.filed"),
            self.p.t("reports.decided_short"),
            self.p.t("reports.weekly_title"),
        )
    }

    /// A range of days as the reader writes it: `8–14일`, `8–14 days`, `91일 이상`.
    fn range(&self, bucket: &DaysBucket) -> String {
        match (bucket.to_days, self.p.lang.is_ko()) {
            (Some(to), true) => format!("{}–{to}일", bucket.from_days),
            (Some(to), false) => format!("{}–{to} days", bucket.from_days),
            (None, true) => format!("{}일 이상", bucket.from_days),
            (None, false) => format!("{}+ days", bucket.from_days),
        }
    }

    fn decision_chart(&self) -> String {
        let bars: Vec<(String, i64)> = self
            .report
            .days_to_decision
            .iter()
            .map(|b| (self.range(b), b.count))
            .collect();
        charts::bars(
            "decision-chart",
            self.p.t("reports.days_to_decision_title"),
            &bars,
            false,
        )
    }

    fn overdue_chart(&self) -> String {
        let bars: Vec<(String, i64)> = self
            .report
            .overdue_by_days
            .iter()
            .map(|b| (self.range(b), b.count))
            .collect();
        charts::bars(
            "overdue-chart",
            self.p.t("reports.overdue_chart_title"),
            &bars,
            true,
        )
    }

    fn share(&self, share: &Option<f64>) -> String {
        percent(share, self.p.t("common.none"))
    }

    fn days(&self, median: &Option<f64>) -> String {
        median
            .map(|m| format!("{m:.1}"))
            .unwrap_or_else(|| self.p.t("common.none").to_owned())
    }

    fn median(&self) -> String {
        self.days(&self.report.median_days_to_decision)
    }

    fn officer_name<'b>(&'b self, group: &'b GroupCounts) -> &'b str {
        match group.id {
            Some(_) => &group.name,
            None => self.p.t("reports.unassigned"),
        }
    }

    fn chosen(&self, value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }

    fn text<'b>(&self, value: &'b Option<String>) -> &'b str {
        value.as_deref().unwrap_or("")
    }
}

/// The report's filters, as a query string (`&from=…`), for links that keep them.
fn filter_string(q: &ReportQuery) -> String {
    super::view::filter_string(&[
        ("from", &q.from),
        ("to", &q.to),
        ("sponsor_id", &q.sponsor_id),
        ("officer_id", &q.officer_id),
        ("route", &q.route),
    ])
}

/// `GET /supervisor/reports?from=&to=&sponsor_id=&officer_id=&route=`: a GET form, so a
/// report can be shared as a link.
pub async fn reports(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(SUPERVISOR)?;
    let query = query.into_inner();
    let q = query.clone();
    let (report, interviews, sponsors, officers) = state
        .ctx
        .run(move |conn, ctx| {
            let report = reports::summary(conn, &user, &q)?;
            let interviews = crate::service::interviews::report(
                conn,
                ctx,
                &user,
                crate::service::interviews::ReportQuery {
                    from: report.filters.from,
                    to: report.filters.to,
                },
            )?;
            let sponsors = crate::db::sponsors::list(conn, None)?
                .into_iter()
                .map(|s| (s.id, s.legal_name))
                .collect();
            let officers = crate::db::users::list(conn, None)?
                .into_iter()
                .filter(|u| matches!(u.role.as_str(), "officer" | "supervisor"))
                .map(|u| {
                    let name = u
                        .display_name
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(u.email);
                    (u.id, name)
                })
                .collect();
            Ok((report, interviews, sponsors, officers))
        })
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&ReportsPage {
        p: &page,
        report,
        interviews,
        filters: filter_string(&query),
        query,
        sponsors,
        officers,
        routes: VisaRoute::ALL.iter().map(|r| r.id()).collect(),
    })
}

/// `GET /supervisor/reports.csv`: the report with the same filters.
pub async fn reports_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(SUPERVISOR)?;
    let query = query.into_inner();
    let report = state
        .ctx
        .run(move |conn, _| reports::summary(conn, &user, &query))
        .await
        .map_err(|e| page.fail(e))?;
    let body = reports::to_csv(&report).map_err(|e| page.fail(e))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"kitdesk-report-{}.csv\"",
                desk_today()
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
