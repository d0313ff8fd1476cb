//! The supervisor's pages: rule sets and their versions, the impact preview of a draft, the
//! E-4 cap per fiscal year, reports and their CSV export.
//!
//! Authorization: supervisors only (the cap is also the desk's in the API; the page is
//! part of the supervisor's cap management).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use super::forms::FormData;
use super::{Page, PageError};
use crate::domain::receipt::fiscal_year;
use crate::domain::{Role, VisaRoute};
use crate::http::AppState;
use crate::service::eligibility::{self, CapSimulation, CapUsage};
use crate::service::filing::desk_today;
use crate::service::reports::{self, Report};
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
    pub counts: Vec<(String, String)>,
    pub changes: Vec<(String, String, String, String, String)>,
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
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = FormData(form.into_inner());
    let page = Page::load(&req, &state).await?;
    page.check_post(&req, form.get("csrf"))?;
    page.require(SUPERVISOR)?;
    let route = path.into_inner();
    let draft = form.get("draft").to_owned();
    let (r, d) = (route.clone(), draft.clone());
    let result = state
        .ctx
        .run(move |conn, ctx| eligibility::impact(conn, ctx, Some(&r), &d, &mut |_| {}))
        .await;
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match result {
        Ok(v) => {
            let view = ImpactView {
                evaluated: s(&v["cases_evaluated"]),
                changed: s(&v["cases_changed"]),
                counts: v["counts"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, n)| (k.clone(), s(n)))
                    .collect(),
                changes: v["changes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        (
                            s(&c["case_id"]),
                            s(&c["receipt_number"]),
                            s(&c["route"]),
                            s(&c["before"]),
                            s(&c["after"]),
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
}

/// A share (0 to 1) as a percentage, or a dash.
fn percent(share: &Option<f64>, none: &str) -> String {
    share
        .map(|s| format!("{:.0}%", s * 100.0))
        .unwrap_or_else(|| none.to_owned())
}

impl ReportsPage<'_> {
    /// Cases filed and decided per week as a bar chart, drawn here as SVG (no script, no CDN).
    /// Every bar carries its number and the weeks their dates, so that nothing is told by
    /// colour alone; the table under the chart says the same.
    fn weekly_chart(&self) -> String {
        weekly_chart_svg(
            &self.report.weekly,
            self.p.t("reports.filed"),
            self.p.t("reports.decided_short"),
            self.p.t("reports.weekly_title"),
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
        self.report
            .median_days_to_decision
            .map(|m| format!("{m:.1}"))
            .unwrap_or_else(|| self.p.t("common.none").to_owned())
    }
}

async fn load_report(page: &Page, state: &AppState) -> Result<Report, PageError> {
    let user = page.require(SUPERVISOR)?;
    state
        .ctx
        .run(move |conn, _| reports::summary(conn, &user))
        .await
        .map_err(|e| page.fail(e))
}

/// `GET /supervisor/reports`.
pub async fn reports(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let report = load_report(&page, &state).await?;
    let user = page.require(SUPERVISOR)?;
    let interviews = state
        .ctx
        .run(move |conn, ctx| {
            crate::service::interviews::report(
                conn,
                ctx,
                &user,
                crate::service::interviews::ReportQuery {
                    from: None,
                    to: None,
                },
            )
        })
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&ReportsPage {
        p: &page,
        report,
        interviews,
    })
}

/// `GET /supervisor/reports.csv`.
pub async fn reports_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let report = load_report(&page, &state).await?;
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

/// The weekly chart: two bars per week (filed, decided), numbers above them, week dates below.
fn weekly_chart_svg(
    weeks: &[crate::service::reports::WeekCount],
    filed_label: &str,
    decided_label: &str,
    title: &str,
) -> String {
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let (width, height, top, bottom, left) = (720.0_f64, 260.0_f64, 30.0, 40.0, 10.0);
    let plot = height - top - bottom;
    let max = weeks
        .iter()
        .map(|w| w.filed.max(w.decided))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (width - 2.0 * left) / weeks.len().max(1) as f64;
    let bar = (slot - 12.0) / 2.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"weekly-chart-title\" class=\"chart\" id=\"weekly-chart\"><title id=\"weekly-chart-title\">{}</title>",
        escape(title)
    );
    svg.push_str(&format!(
        "<g font-size=\"11\"><rect x=\"{left}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#1f4e79\"/><text x=\"{}\" y=\"16\">{}</text><rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#d99a00\" stroke=\"#6b4b00\" stroke-dasharray=\"3 2\"/><text x=\"{}\" y=\"16\">{}</text></g>",
        left + 16.0,
        escape(filed_label),
        left + 140.0,
        left + 156.0,
        escape(decided_label)
    ));
    for (i, w) in weeks.iter().enumerate() {
        let x = left + i as f64 * slot + 6.0;
        for (j, (value, fill, dash)) in [
            (w.filed, "#1f4e79", ""),
            (
                w.decided,
                "#d99a00",
                " stroke=\"#6b4b00\" stroke-dasharray=\"3 2\"",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let h = plot * value as f64 / max;
            let bx = x + j as f64 * bar;
            let by = top + plot - h;
            svg.push_str(&format!(
                "<rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fill}\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{value}</text>",
                bar - 1.0,
                bx + bar / 2.0,
                by - 3.0
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x + bar,
            height - bottom + 14.0,
            w.week_start.format("%m/%d")
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\"/></svg>",
        top + plot,
        width - left,
        top + plot
    ));
    svg
}
