//! The desk's pages: the queue with counts per state (overdue evidence requests first) and
//! sponsor verification.
//!
//! Authorization: officers and supervisors.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::view::outcome_badge;
use super::{url_encode, Page, PageError};
use crate::domain::{CaseStatus, Role, VisaRoute};
use crate::http::AppState;
use crate::service::cases::{self, CaseSummary, QueueQuery};
use crate::service::sponsors::{self, SponsorView};
use crate::service::ServiceError;

const DESK: &[Role] = &[Role::Officer, Role::Supervisor];

#[derive(serde::Deserialize, Default)]
pub struct QueueParams {
    status: Option<String>,
    route: Option<String>,
    overdue: Option<String>,
    mine: Option<String>,
    /// `1`: only cases with documents awaiting review.
    documents: Option<String>,
    /// `1`: only cases with an overstay alert awaiting the desk's finding.
    overstay: Option<String>,
    /// The search box.
    q: Option<String>,
    /// One project's or one filing's cases (links from a case page or a filing).
    project_id: Option<String>,
    filing_id: Option<String>,
    cursor: Option<String>,
}

impl QueueParams {
    /// The queue these parameters ask for.
    pub fn to_query(&self) -> QueueQuery {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        QueueQuery {
            status: nonempty(&self.status),
            route: nonempty(&self.route),
            overdue: self.overdue.as_deref().map(|_| true),
            assignee: self.mine.as_deref().map(|_| "me".to_owned()),
            documents: self
                .documents
                .as_deref()
                .map(|_| "awaiting_review".to_owned()),
            overstay: self.overstay.as_deref().map(|_| "open".to_owned()),
            q: nonempty(&self.q),
            project_id: nonempty(&self.project_id),
            filing_id: nonempty(&self.filing_id),
            cursor: nonempty(&self.cursor),
            limit: Some(cases::DEFAULT_PAGE),
            order: Some("overdue_first".to_owned()),
            ..QueueQuery::default()
        }
    }

    /// The filters (not the page) as a query string: what a case page keeps to offer the
    /// previous and next case of this queue.
    pub fn context(&self) -> String {
        [
            ("status", &self.status),
            ("route", &self.route),
            ("overdue", &self.overdue),
            ("mine", &self.mine),
            ("documents", &self.documents),
            ("overstay", &self.overstay),
            ("q", &self.q),
            ("project_id", &self.project_id),
            ("filing_id", &self.filing_id),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", url_encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

pub struct CountLink {
    pub status: &'static str,
    pub count: i64,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "pages/queue.html")]
struct QueuePage<'a> {
    p: &'a Page,
    counts: Vec<CountLink>,
    items: Vec<CaseSummary>,
    next: Option<String>,
    status: String,
    route: String,
    overdue: bool,
    mine: bool,
    documents: bool,
    overstay: bool,
    q: String,
    /// The queue's filters, URL-encoded once more: case links carry them as `?queue=`.
    context: String,
    routes: Vec<&'static str>,
    /// Names of the page's sponsors and projects, by id.
    names: BTreeMap<String, String>,
    /// Officers a supervisor may assign cases to: (id, name).
    officers: Vec<(String, String)>,
    /// The filing or the project the queue is narrowed to, for a bulk action on all of it.
    filing_id: String,
    project_id: String,
}

impl QueuePage<'_> {
    fn badge(&self, status: &str) -> &'static str {
        outcome_badge(status)
    }

    fn name<'b>(&'b self, id: &'b str) -> &'b str {
        self.names.get(id).map(String::as_str).unwrap_or(id)
    }
}

/// `GET /desk`: the queue (filters are a GET form: links to a filtered queue can be shared).
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(DESK)?;
    let params = params.into_inner();
    let query = params.to_query();
    let context = params.context();
    let supervisor = user.role == Role::Supervisor;
    let (counts, queue, names, officers) = state
        .ctx
        .run(move |conn, _| {
            let counts = cases::counts(conn, &user)?;
            let queue = cases::queue(conn, &user, query)?;
            let mut names = BTreeMap::new();
            for case in &queue.items {
                if !names.contains_key(&case.sponsor_id) {
                    if let Some(s) = crate::db::sponsors::find(conn, &case.sponsor_id)? {
                        names.insert(case.sponsor_id.clone(), s.legal_name);
                    }
                }
                if !names.contains_key(&case.project_id) {
                    if let Some(p) = crate::db::projects::find(conn, &case.project_id)? {
                        names.insert(case.project_id.clone(), p.name);
                    }
                }
            }
            let officers = if supervisor {
                crate::db::users::list(conn, None)?
                    .into_iter()
                    .filter(|u| u.role == "officer" && !u.disabled)
                    .map(|u| {
                        let name = u
                            .display_name
                            .filter(|n| !n.trim().is_empty())
                            .unwrap_or(u.email);
                        (u.id, name)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok((counts, queue, names, officers))
        })
        .await
        .map_err(|e| page.fail(e))?;
    let status = params.status.clone().unwrap_or_default();
    let counts = CaseStatus::ALL
        .into_iter()
        .map(|s| CountLink {
            status: s.as_str(),
            count: counts[s.as_str()].as_i64().unwrap_or(0),
            current: status == s.as_str(),
        })
        .collect();
    let next = queue.next_cursor.map(|c| {
        let mut q = format!("/desk?cursor={}", url_encode(&c));
        for (k, v) in [
            ("status", &params.status),
            ("route", &params.route),
            ("q", &params.q),
            ("project_id", &params.project_id),
            ("filing_id", &params.filing_id),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push_str(&format!("&{k}={}", url_encode(v)));
            }
        }
        if params.overdue.is_some() {
            q.push_str("&overdue=1");
        }
        if params.mine.is_some() {
            q.push_str("&mine=1");
        }
        if params.documents.is_some() {
            q.push_str("&documents=1");
        }
        q
    });
    page.render(&QueuePage {
        p: &page,
        counts,
        items: queue.items,
        next,
        status,
        route: params.route.unwrap_or_default(),
        overdue: params.overdue.is_some(),
        mine: params.mine.is_some(),
        documents: params.documents.is_some(),
        overstay: params.overstay.is_some(),
        q: params.q.unwrap_or_default(),
        context: url_encode(&context),
        routes: VisaRoute::ALL.iter().map(|r| r.id()).collect(),
        names,
        officers,
        filing_id: params.filing_id.unwrap_or_default(),
        project_id: params.project_id.unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "pages/sponsors.html")]
struct SponsorsPage<'a> {
    p: &'a Page,
    sponsors: Vec<SponsorView>,
}

/// `GET /desk/sponsors`: awaiting verification first.
pub async fn sponsors(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let user = page.require(DESK)?;
    let mut list = state
        .ctx
        .run(move |conn, _| sponsors::list(conn, &user))
        .await
        .map_err(|e| page.fail(e))?;
    list.sort_by_key(|s| s.status == "verified");
    page.render(&SponsorsPage {
        p: &page,
        sponsors: list,
    })
}

#[derive(Template)]
#[template(path = "pages/bulk_result.html")]
struct BulkResultPage<'a> {
    p: &'a Page,
    answer: crate::service::bulk::BulkAnswer,
}

/// `POST /desk/bulk` (form: `csrf`, `case` = `id:version` per selected case, `action`
/// (`start_review`, `assign_me`, `assign_to` with `assignee`, `request_evidence`), `reason`,
/// `due_date`, and `scope`: `selected` (the default), or `filing` / `project` with
/// `filing_id` / `project_id` for every case of the filing or project): the bulk action; the
/// answer lists what happened to each case.
pub async fn bulk(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    use crate::service::bulk::{BulkInput, SelectedCase};
    use crate::service::cases::CaseAction;
    let Post { page, form } = post;
    let user = page.require(DESK)?;
    let (filing_id, project_id) = match form.get("scope") {
        "filing" => (form.opt("filing_id"), None),
        "project" => (None, form.opt("project_id")),
        _ => (None, None),
    };
    let whole = filing_id.is_some() || project_id.is_some();
    let cases: Vec<SelectedCase> = form
        .all("case")
        .iter()
        .filter_map(|v| {
            let (id, version) = v.split_once(':')?;
            Some(SelectedCase {
                id: id.to_owned(),
                version: version.parse().ok()?,
            })
        })
        .collect();
    if cases.is_empty() && !whole {
        return Err(page.fail(ServiceError::validation(
            "case",
            page.t("bulk.none_selected"),
        )));
    }
    let action = match form.get("action") {
        "assign_me" => CaseAction::Assign {
            assignee_id: user.id.clone(),
        },
        "assign_to" => CaseAction::Assign {
            assignee_id: form.get("assignee").trim().to_owned(),
        },
        "request_evidence" => CaseAction::RequestEvidence {
            reason: form.get("reason").trim().to_owned(),
            due_date: match form.opt("due_date") {
                Some(d) => Some(d.parse().map_err(|_| {
                    page.fail(ServiceError::validation("due_date", "must be a date"))
                })?),
                None => None,
            },
            documents: Vec::new(),
        },
        _ => CaseAction::StartReview {},
    };
    let input = BulkInput {
        action,
        cases: if whole { Vec::new() } else { cases },
        filing_id,
        project_id,
    };
    let answer = state
        .ctx
        .run(move |conn, ctx| crate::service::bulk::run(conn, ctx, &user, input))
        .await
        .map_err(|e| page.fail(e))?;
    page.render(&BulkResultPage { p: &page, answer })
}
