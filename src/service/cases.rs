//! Cases: reading them (with the sponsor rules of `access`), the officer queue, actions that
//! move a case through its states, notes, and history.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::filing::desk_today;
use super::interviews::BookingChange;
use super::{access, audit, FieldErrors, ServiceError};
use crate::db::cases::{self, CaseChanges, CaseFilter, CaseRow, CaseSearch, QueueRow};
use crate::db::notes::{self, NoteRow};
use crate::db::{self as database, projects, sponsors, users, DbConnection};
use crate::domain::case::allowed_actions;
use crate::domain::{text, time, ActionKind, CaseStatus, ReceiptNumber, Role, VisaRoute};

/// Default time an employer has to answer an evidence request (USCIS allows at most 84 days).
pub const EVIDENCE_DAYS: i64 = 84;
pub const MAX_PAGE: i64 = 200;
pub const DEFAULT_PAGE: i64 = 50;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkerView {
    pub given_name: String,
    pub family_name: String,
    pub name_ko: Option<String>,
    pub email: String,
    pub date_of_birth: NaiveDate,
    pub nationality: String,
    /// Only the last four characters: the full number stays encrypted.
    pub passport_last4: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub route: Option<String>,
    pub reason: Option<String>,
    pub annotation: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: String,
    pub receipt_number: String,
    pub status: String,
    pub version: i64,
    pub filing_id: String,
    pub sponsor_id: String,
    pub project_id: String,
    pub assignee_id: Option<String>,
    pub worker: WorkerView,
    /// Desk only: left out of answers to employers.
    #[schema(required = false)]
    pub duplicate_passport: bool,
    pub filing_date: NaiveDate,
    pub suggested_route: Option<String>,
    pub evidence_due: Option<NaiveDate>,
    pub overdue: bool,
    pub interview_at: Option<DateTime<Utc>>,
    pub decision: Option<DecisionView>,
    pub facts: serde_json::Value,
    /// What the viewer may do now.
    pub allowed_actions: Vec<ActionKind>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub receipt_number: String,
    pub status: String,
    pub version: i64,
    pub sponsor_id: String,
    pub project_id: String,
    pub assignee_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub passport_last4: String,
    /// Desk only: left out of answers to employers.
    #[schema(required = false)]
    pub duplicate_passport: bool,
    pub suggested_route: Option<String>,
    #[serde(serialize_with = "time::json::date_opt")]
    pub evidence_due: Option<NaiveDate>,
    pub overdue: bool,
    /// Desk only: an overstay alert awaits the desk's finding.
    #[schema(required = false)]
    pub overstay_alert: bool,
    #[serde(serialize_with = "time::json::instant_opt")]
    pub interview_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "time::json::date")]
    pub filing_date: NaiveDate,
    #[serde(serialize_with = "time::json::instant")]
    pub created_at: DateTime<Utc>,
}

fn status_of(row: &CaseRow) -> Result<CaseStatus, ServiceError> {
    row.status
        .parse()
        .map_err(|_| ServiceError::Internal(format!("stored status {:?} is unknown", row.status)))
}

fn is_overdue(status: &str, evidence_due: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == "evidence_requested" && evidence_due.is_some_and(|d| d < today)
}

/// Actions the viewer may take: the state machine's, narrowed to the case's own sponsor
/// for employers (a prime reads its subcontractors' cases but does not act on them).
fn actions_for(row: &CaseRow, user: &AuthUser) -> Result<Vec<ActionKind>, ServiceError> {
    let status = status_of(row)?;
    if user.role == Role::Employer && user.sponsor_id.as_deref() != Some(row.sponsor_id.as_str()) {
        return Ok(Vec::new());
    }
    Ok(allowed_actions(status, user.role))
}

pub fn view(row: CaseRow, user: &AuthUser) -> Result<CaseView, ServiceError> {
    let today = desk_today();
    let allowed = actions_for(&row, user)?;
    let decided = row.decision_route.is_some() || row.decision_reason.is_some();
    Ok(CaseView {
        overdue: is_overdue(&row.status, row.evidence_due, today),
        allowed_actions: allowed,
        decision: decided.then(|| DecisionView {
            route: row.decision_route.clone(),
            reason: row.decision_reason.clone(),
            annotation: row.annotation.clone(),
            decided_at: row.decided_at.map(time::from_stored),
        }),
        facts: serde_json::from_str(&row.facts_json).unwrap_or(serde_json::Value::Null),
        worker: WorkerView {
            given_name: row.given_name,
            family_name: row.family_name,
            name_ko: row.name_ko,
            email: row.email,
            date_of_birth: row.date_of_birth,
            nationality: row.nationality,
            passport_last4: row.passport_last4,
        },
        id: row.id,
        receipt_number: row.receipt_number,
        status: row.status,
        version: row.version,
        filing_id: row.filing_id,
        sponsor_id: row.sponsor_id,
        project_id: row.project_id,
        assignee_id: row.assignee_id,
        duplicate_passport: row.duplicate_passport,
        filing_date: row.filing_date,
        suggested_route: row.suggested_route,
        evidence_due: row.evidence_due,
        interview_at: row.interview_at.map(time::from_stored),
        created_at: time::from_stored(row.created_at),
        updated_at: time::from_stored(row.updated_at),
    })
}

fn summary(row: QueueRow, today: NaiveDate) -> CaseSummary {
    CaseSummary {
        overdue: is_overdue(&row.status, row.evidence_due, today),
        id: row.id,
        receipt_number: row.receipt_number,
        status: row.status,
        version: row.version,
        sponsor_id: row.sponsor_id,
        project_id: row.project_id,
        assignee_id: row.assignee_id,
        given_name: row.given_name,
        family_name: row.family_name,
        passport_last4: row.passport_last4,
        duplicate_passport: row.duplicate_passport,
        suggested_route: row.suggested_route,
        evidence_due: row.evidence_due,
        interview_at: row.interview_at.map(time::from_stored),
        filing_date: row.filing_date,
        created_at: time::from_stored(row.created_at),
        overstay_alert: row.overstay_open,
    }
}

/// Loads a case the user may read. Another sponsor's case answers 404, exactly like a case
/// that does not exist.
pub fn load_visible(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
) -> Result<CaseRow, ServiceError> {
    if user.role == Role::Admin {
        return Err(ServiceError::Forbidden(
            "administrators manage accounts; case records are for the desk and the sponsor".into(),
        ));
    }
    let row = cases::find(conn, id)?.ok_or(ServiceError::NotFound("case"))?;
    if !access::may_read(conn, user, &row.sponsor_id)? {
        return Err(ServiceError::NotFound("case"));
    }
    Ok(row)
}

pub fn get(conn: &mut DbConnection, user: &AuthUser, id: &str) -> Result<CaseView, ServiceError> {
    let row = load_visible(conn, user, id)?;
    view(row, user)
}

/// Query parameters of the queue, as given.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    pub status: Option<String>,
    pub route: Option<String>,
    pub assignee: Option<String>,
    pub sponsor_id: Option<String>,
    pub overdue: Option<bool>,
    /// `awaiting_review`: cases with a document the desk has not reviewed yet.
    pub documents: Option<String>,
    /// `open`: cases with an overstay alert awaiting the desk's finding (the desk only).
    pub overstay: Option<String>,
    /// Search: a receipt number (as the public look-up reads it), a name (romanised in either
    /// order, or Hangul), the passport's last four, a sponsor, a project or a filing id.
    pub q: Option<String>,
    /// Only this project's cases.
    pub project_id: Option<String>,
    /// Only this filing's cases.
    pub filing_id: Option<String>,
    /// Filed on or after this day (YYYY-MM-DD).
    pub filed_from: Option<String>,
    /// Filed on or before this day (YYYY-MM-DD).
    pub filed_to: Option<String>,
    /// `filed` (the default: oldest first) or `overdue_first`: evidence requests past their
    /// due date first, across pages, then the rest; each part oldest first.
    pub order: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Where a page of the queue starts.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    /// In the overdue-first order: which part the page starts in (`None` in the filed order).
    overdue_part: Option<bool>,
    /// After this case; `None` from the start of the part.
    after: Option<(NaiveDateTime, String)>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<CaseSummary>,
    pub next_cursor: Option<String>,
}

fn encode_cursor(cursor: &Cursor) -> String {
    use base64::Engine;
    let part = match cursor.overdue_part {
        None => "",
        Some(true) => "overdue|",
        Some(false) => "rest|",
    };
    let at = match &cursor.after {
        Some((at, id)) => format!("{}|{id}", at.format("%Y-%m-%dT%H:%M:%S%.6f")),
        None => "start".to_owned(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{part}{at}"))
}

fn decode_cursor(raw: &str) -> Option<Cursor> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (overdue_part, rest) = if let Some(rest) = text.strip_prefix("overdue|") {
        (Some(true), rest)
    } else if let Some(rest) = text.strip_prefix("rest|") {
        (Some(false), rest)
    } else {
        (None, text.as_str())
    };
    if rest == "start" {
        return overdue_part.map(|_| Cursor {
            overdue_part,
            after: None,
        });
    }
    let (at, id) = rest.split_once('|')?;
    let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Uuid::parse_str(id).ok()?;
    Some(Cursor {
        overdue_part,
        after: Some((at, id.to_owned())),
    })
}

/// The queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueueOrder {
    Filed,
    OverdueFirst,
}

/// One page of the queue, oldest first (or, with `order=overdue_first`, the evidence requests
/// past their due date first). Employers see only their own sponsor's cases and their
/// subcontractors'.
pub fn queue(
    conn: &mut DbConnection,
    user: &AuthUser,
    q: QueueQuery,
) -> Result<QueuePage, ServiceError> {
    let (filter, limit, cursor) = filter_of(conn, user, &q)?;
    let today = desk_today();
    let (rows, next) = match cursor.overdue_part {
        None => filed_order_page(cases::page(conn, &filter, limit + 1)?, limit),
        Some(overdue_part) => overdue_first_page(conn, filter, limit, overdue_part, today)?,
    };
    Ok(QueuePage {
        items: rows.into_iter().map(|r| summary(r, today)).collect(),
        next_cursor: next.as_ref().map(encode_cursor),
    })
}

/// A page in the filed order from up to `limit + 1` rows: the one over the page says there
/// is a next page, which starts after the page's last case.
fn filed_order_page(mut rows: Vec<QueueRow>, limit: i64) -> (Vec<QueueRow>, Option<Cursor>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = more.then(|| Cursor {
        overdue_part: None,
        after: rows.last().map(|r| (r.created_at, r.id.clone())),
    });
    (rows, next)
}

/// The desk's queue page read on the HTTP worker's own PostgreSQL connection
/// (`db::async_reads`), without the blocking pool's two thread hand-offs: the page the desk
/// reads most, its queue in the filed order filtered by status at most. `Ok(None)`: any
/// other page (an employer's, a search, another filter or order), no such connection on this
/// database, or that connection failing (logged); the caller then reads on the pool, where
/// [`queue`] answers every page. A query that does not validate is refused here as there.
pub async fn queue_on_worker(
    ctx: &super::AppContext,
    user: &AuthUser,
    q: &QueueQuery,
) -> Result<Option<QueuePage>, ServiceError> {
    let Some(reader) = ctx.async_reads.as_deref() else {
        return Ok(None);
    };
    if !user.role.is_desk() {
        return Ok(None);
    }
    // The desk reads every sponsor's cases: no database read decides the scope.
    let (filter, limit, cursor) = filter_with(user, q, || Ok(None))?;
    if cursor.overdue_part.is_some() || !status_only(&filter) {
        return Ok(None);
    }
    let read = reader.queue_page(filter.status.as_deref(), filter.after.as_ref(), limit + 1);
    let rows = match ctx.settings.work_deadline {
        Some(deadline) => match tokio::time::timeout(deadline, read).await {
            Ok(rows) => rows,
            Err(_) => {
                reader.forget_current();
                return Err(super::deadline_passed(deadline));
            }
        },
        None => read.await,
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "queue page: reading from the pool instead");
            return Ok(None);
        }
    };
    let today = desk_today();
    let (rows, next) = filed_order_page(rows, limit);
    Ok(Some(QueuePage {
        items: rows.into_iter().map(|r| summary(r, today)).collect(),
        next_cursor: next.as_ref().map(encode_cursor),
    }))
}

/// Whether `filter` asks for a status and a place in the queue at most (what
/// `db::async_reads` reads). Every field is named, so that a new filter is considered here.
fn status_only(filter: &CaseFilter) -> bool {
    matches!(
        filter,
        CaseFilter {
            status: _,
            after: _,
            suggested_route: None,
            assignee_id: None,
            sponsor_ids: None,
            overdue_on: None,
            not_overdue_on: None,
            filed_from: None,
            filed_to: None,
            route_decided_or_suggested: None,
            documents_awaiting_review: false,
            overstay_open: false,
            search: None,
            project_id: None,
            filing_id: None,
            before: None,
            from_end: false,
        }
    )
}

/// Every case `filter` selects (at most [`MAX_MATCHING`]), oldest first. The caller has
/// checked that the user may read them all.
pub fn all_matching(
    conn: &mut DbConnection,
    mut filter: CaseFilter,
) -> Result<Vec<CaseSummary>, ServiceError> {
    let today = desk_today();
    let mut out = Vec::new();
    loop {
        let rows = cases::page(conn, &filter, MAX_PAGE)?;
        let full = rows.len() as i64 == MAX_PAGE;
        filter.after = rows.last().map(|r| (r.created_at, r.id.clone()));
        out.extend(rows.into_iter().map(|r| summary(r, today)));
        if !full || out.len() >= MAX_MATCHING {
            break;
        }
    }
    out.truncate(MAX_MATCHING);
    Ok(out)
}

/// Most cases one export holds.
pub const MAX_MATCHING: usize = 10_000;

/// A page in the overdue-first order: the overdue part (each part oldest first), then the
/// rest, a page running over from one into the other.
fn overdue_first_page(
    conn: &mut DbConnection,
    mut filter: CaseFilter,
    limit: i64,
    in_overdue_part: bool,
    today: NaiveDate,
) -> Result<(Vec<QueueRow>, Option<Cursor>), ServiceError> {
    let mut rows = Vec::new();
    if in_overdue_part {
        let overdue = CaseFilter {
            overdue_on: Some(today),
            ..filter.clone()
        };
        rows = cases::page(conn, &overdue, limit + 1)?;
        if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            let after = rows.last().map(|r| (r.created_at, r.id.clone()));
            return Ok((
                rows,
                Some(Cursor {
                    overdue_part: Some(true),
                    after,
                }),
            ));
        }
        filter.after = None;
    }
    filter.not_overdue_on = Some(today);
    let room = limit - rows.len() as i64;
    let mut rest = cases::page(conn, &filter, room + 1)?;
    let more = rest.len() as i64 > room;
    rest.truncate(room as usize);
    let after = rest.last().map(|r| (r.created_at, r.id.clone()));
    rows.extend(rest);
    Ok((
        rows,
        more.then_some(Cursor {
            overdue_part: Some(false),
            after,
        }),
    ))
}

/// The cases just before and just after `case_id` in the queue that `q` describes (what the
/// case page's previous/next follow), each `None` at an end.
pub fn neighbours(
    conn: &mut DbConnection,
    user: &AuthUser,
    q: &QueueQuery,
    case_id: &str,
) -> Result<(Option<CaseSummary>, Option<CaseSummary>), ServiceError> {
    let case = load_visible(conn, user, case_id)?;
    let mut q = q.clone();
    q.cursor = None;
    let (filter, _, cursor) = filter_of(conn, user, &q)?;
    let today = desk_today();
    let here = Some((case.created_at, case.id.clone()));
    let first = |conn: &mut DbConnection, f: CaseFilter| -> Result<_, ServiceError> {
        Ok(cases::page(conn, &f, 1)?.into_iter().next())
    };
    let (previous, next) = match cursor.overdue_part {
        None => (
            first(
                conn,
                CaseFilter {
                    before: here.clone(),
                    ..filter.clone()
                },
            )?,
            first(
                conn,
                CaseFilter {
                    after: here,
                    ..filter
                },
            )?,
        ),
        Some(_) => {
            let overdue = CaseFilter {
                overdue_on: Some(today),
                ..filter.clone()
            };
            let rest = CaseFilter {
                not_overdue_on: Some(today),
                ..filter
            };
            if is_overdue(&case.status, case.evidence_due, today) {
                let previous = first(
                    conn,
                    CaseFilter {
                        before: here.clone(),
                        ..overdue.clone()
                    },
                )?;
                let next = match first(
                    conn,
                    CaseFilter {
                        after: here,
                        ..overdue
                    },
                )? {
                    Some(next) => Some(next),
                    None => first(conn, rest)?,
                };
                (previous, next)
            } else {
                let previous = match first(
                    conn,
                    CaseFilter {
                        before: here.clone(),
                        ..rest.clone()
                    },
                )? {
                    Some(previous) => Some(previous),
                    None => first(
                        conn,
                        CaseFilter {
                            from_end: true,
                            ..overdue
                        },
                    )?,
                };
                let next = first(
                    conn,
                    CaseFilter {
                        after: here,
                        ..rest
                    },
                )?;
                (previous, next)
            }
        }
    };
    Ok((
        previous.map(|r| summary(r, today)),
        next.map(|r| summary(r, today)),
    ))
}

/// A queue query as a filter the database layer runs, and its page size.
fn filter_of(
    conn: &mut DbConnection,
    user: &AuthUser,
    q: &QueueQuery,
) -> Result<(CaseFilter, i64, Cursor), ServiceError> {
    filter_with(user, q, || access::readable_sponsors(conn, user))
}

/// The filter of a queue query, its page size and its cursor, once the query has validated;
/// `readable` (the sponsors the user may read, `None` for all) is asked only then.
fn filter_with(
    user: &AuthUser,
    q: &QueueQuery,
    readable: impl FnOnce() -> Result<Option<Vec<String>>, ServiceError>,
) -> Result<(CaseFilter, i64, Cursor), ServiceError> {
    let mut errors = FieldErrors::new();
    let status = match &q.status {
        Some(s) => errors
            .check("status", s.parse::<CaseStatus>())
            .map(|s| s.as_str().to_owned()),
        None => None,
    };
    let route = match &q.route {
        Some(r) => errors
            .check("route", r.parse::<VisaRoute>())
            .map(|r| r.id().to_owned()),
        None => None,
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        errors.add("limit", format!("must be between 1 and {MAX_PAGE}"));
    }
    let order = match q.order.as_deref() {
        None | Some("filed") => QueueOrder::Filed,
        Some("overdue_first") => QueueOrder::OverdueFirst,
        Some(_) => {
            errors.add("order", "must be filed or overdue_first");
            QueueOrder::Filed
        }
    };
    // With the overdue filter every case is overdue: the filed order is the same list.
    let split = order == QueueOrder::OverdueFirst && !q.overdue.unwrap_or(false);
    let cursor = match &q.cursor {
        Some(c) => errors
            .check(
                "cursor",
                decode_cursor(c)
                    .filter(|c| c.overdue_part.is_some() == split)
                    .ok_or("is not a cursor from a previous page of this order"),
            )
            .unwrap_or(Cursor {
                overdue_part: None,
                after: None,
            }),
        None => Cursor {
            overdue_part: split.then_some(true),
            after: None,
        },
    };
    let date_of = |field: &str, raw: &Option<String>, errors: &mut FieldErrors| match raw
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => errors.check(
            field.to_owned(),
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "must be a date (YYYY-MM-DD)"),
        ),
        None => None,
    };
    let filed_from = date_of("filed_from", &q.filed_from, &mut errors);
    let filed_to = date_of("filed_to", &q.filed_to, &mut errors);
    let assignee = match q.assignee.as_deref() {
        Some("me") => Some(user.id.clone()),
        Some(a) => errors.check(
            "assignee",
            Uuid::parse_str(a)
                .map(|u| u.to_string())
                .map_err(|_| "must be a user id or \"me\""),
        ),
        None => None,
    };
    // In the stored form, so that an upper-case id finds the same sponsor.
    let sponsor_id = match q.sponsor_id.as_deref() {
        Some(s) => errors.check(
            "sponsor_id",
            Uuid::parse_str(s.trim())
                .map(|u| u.to_string())
                .map_err(|_| "must be a sponsor id (UUID)"),
        ),
        None => None,
    };
    let documents_awaiting_review = match q.documents.as_deref() {
        None => false,
        Some("awaiting_review") => true,
        Some(_) => {
            errors.add("documents", "must be awaiting_review");
            false
        }
    };
    let overstay_open = match q.overstay.as_deref() {
        None | Some("") => false,
        Some("open") if user.role.is_desk() => true,
        Some("open") => {
            errors.add("overstay", "is for the desk");
            false
        }
        Some(_) => {
            errors.add("overstay", "must be open");
            false
        }
    };
    let search = match q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) if text.chars().count() > 100 => {
            errors.add("q", "is longer than 100 characters");
            None
        }
        Some(text) => Some(search_of(text)),
        None => None,
    };
    let uuid_of = |field: &str, raw: &Option<String>, errors: &mut FieldErrors| match raw
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => errors.check(
            field.to_owned(),
            Uuid::parse_str(s)
                .map(|u| u.to_string())
                .map_err(|_| "must be an id (UUID)"),
        ),
        None => None,
    };
    let project_id = uuid_of("project_id", &q.project_id, &mut errors);
    let filing_id = uuid_of("filing_id", &q.filing_id, &mut errors);
    errors.finish()?;
    let sponsor_ids = match (readable()?, &sponsor_id) {
        (None, None) => None,
        (None, Some(one)) => Some(vec![one.clone()]),
        (Some(mine), None) => Some(mine),
        // Asking for a sponsor one may not read gives an empty page, not a hint.
        (Some(mine), Some(one)) => Some(mine.into_iter().filter(|s| s == one).collect()),
    };
    let today = desk_today();
    let filter = CaseFilter {
        status,
        suggested_route: route,
        assignee_id: assignee,
        sponsor_ids,
        overdue_on: q.overdue.unwrap_or(false).then_some(today),
        documents_awaiting_review,
        overstay_open,
        search,
        project_id,
        filing_id,
        filed_from,
        filed_to,
        after: cursor.after.clone(),
        ..CaseFilter::default()
    };
    Ok((filter, limit, cursor))
}

/// What a search box's text can mean.
fn search_of(text: &str) -> CaseSearch {
    // LIKE's wildcards are text here: escaped with `\` (the query says ESCAPE '\').
    let escaped: String = text
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let compact: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let plain: String = text
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect();
    let hangul = |c: char| ('\u{ac00}'..='\u{d7a3}').contains(&c);
    let trimmed = text.trim();
    CaseSearch {
        // nothing left of the text (wildcards only): a pattern no name matches
        plain_pattern: if plain.is_empty() {
            "\t".to_owned()
        } else {
            format!("%{plain}%")
        },
        given_name_ko: (trimmed.chars().count() == 2 && trimmed.chars().all(hangul))
            .then(|| trimmed.to_owned()),
        receipt: ReceiptNumber::parse(text)
            .ok()
            .map(|r| r.as_str().to_owned()),
        id: Uuid::parse_str(text).ok().map(|u| u.to_string()),
        passport_last4: (compact.len() == 4 && compact.len() == text.len())
            .then(|| compact.to_ascii_uppercase()),
        pattern: format!("%{escaped}%"),
    }
}

/// An action on a case, as requested: `{"action": "approve", "route": …, "reason": …}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseAction {
    Assign {
        assignee_id: String,
    },
    StartReview {},
    RequestEvidence {
        reason: String,
        #[serde(default)]
        due_date: Option<NaiveDate>,
        /// The documents needed (document kinds); the employer answers by uploading them.
        #[serde(default)]
        documents: Vec<String>,
    },
    SubmitEvidence {
        note: String,
    },
    /// Books the case into an interview slot (`GET /api/v1/interview-slots`).
    ScheduleInterview {
        slot_id: String,
    },
    /// Moves the booked interview to another slot; frees the old one. Limited per case
    /// (`--interview-reschedule-limit`), then a supervisor decides; moving out of a slot the
    /// desk closed does not count.
    Reschedule {
        slot_id: String,
    },
    /// The employer asks the desk for another interview time (at most 5 preferred working
    /// days); the desk sees it in the case's messages and moves the interview.
    RequestReschedule {
        reason: String,
        #[serde(default)]
        preferred_dates: Vec<NaiveDate>,
    },
    /// The desk calls the interview off (its place is freed); the case returns to review.
    CancelInterview {
        reason: String,
    },
    /// The applicant did not come: the case returns to review with the note.
    RecordNoShow {
        note: String,
    },
    /// After the interview: INA 221(g) administrative processing, waiting on checks or on the
    /// named documents (document kinds). Left by `approve` or `refuse`.
    AdministrativeProcessing {
        reason: String,
        #[serde(default)]
        documents: Vec<String>,
    },
    Approve {
        route: String,
        reason: String,
    },
    /// Refuses with the legal ground (`214(b)`, `221(g)`, `212(a)(6)(C)(i)`,
    /// `212(a)(9)(B)`, `212(a)(7)(B)(i)(I)`, `222(g)`), which the applicant's mail states.
    Refuse {
        ground: String,
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    IssueVisa {},
    /// A partial facts document (v2): objects merge key by key, other values replace, `null`
    /// removes a fact. The case is re-evaluated.
    AmendFacts {
        #[schema(value_type = Object)]
        facts: serde_json::Value,
        reason: String,
    },
    /// The desk confirms an evidence rule's document on the case; the case is re-evaluated.
    ConfirmEvidence {
        rule_id: String,
        note: String,
    },
}

impl CaseAction {
    pub fn kind(&self) -> ActionKind {
        match self {
            CaseAction::Assign { .. } => ActionKind::Assign,
            CaseAction::StartReview {} => ActionKind::StartReview,
            CaseAction::RequestEvidence { .. } => ActionKind::RequestEvidence,
            CaseAction::SubmitEvidence { .. } => ActionKind::SubmitEvidence,
            CaseAction::ScheduleInterview { .. } => ActionKind::ScheduleInterview,
            CaseAction::Approve { .. } => ActionKind::Approve,
            CaseAction::Refuse { .. } => ActionKind::Refuse,
            CaseAction::Withdraw { .. } => ActionKind::Withdraw,
            CaseAction::IssueVisa {} => ActionKind::IssueVisa,
            CaseAction::AmendFacts { .. } => ActionKind::AmendFacts,
            CaseAction::ConfirmEvidence { .. } => ActionKind::ConfirmEvidence,
            CaseAction::Reschedule { .. } => ActionKind::Reschedule,
            CaseAction::RequestReschedule { .. } => ActionKind::RequestReschedule,
            CaseAction::CancelInterview { .. } => ActionKind::CancelInterview,
            CaseAction::RecordNoShow { .. } => ActionKind::RecordNoShow,
            CaseAction::AdministrativeProcessing { .. } => ActionKind::AdministrativeProcessing,
        }
    }
}

fn require_reason(errors: &mut FieldErrors, field: &str, text: &str) {
    let n = text.trim().chars().count();
    if n == 0 {
        errors.add(field, "is required: record why");
    } else if n > 4000 {
        errors.add(field, "must be at most 4000 characters");
    }
}

/// Applies an action if the user may take it, the case is at `expected_version`, and the
/// case's state allows it. The change, its note and its audit row commit together.
pub fn apply_action(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    case_id: &str,
    expected_version: i64,
    action: CaseAction,
) -> Result<CaseView, ServiceError> {
    database::write_tx(conn, |conn| {
        apply_action_in(conn, ctx, user, case_id, expected_version, action, true)
    })
}

/// [`apply_action`] inside the caller's transaction (a batch books many cases in one, each in
/// a savepoint). `employer_mail` false: the caller tells the employer once for the batch.
pub fn apply_action_in(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    case_id: &str,
    expected_version: i64,
    action: CaseAction,
    employer_mail: bool,
) -> Result<CaseView, ServiceError> {
    let kind = action.kind();
    {
        let row = load_visible(conn, user, case_id)?;
        if !kind.roles().contains(&user.role) {
            return Err(ServiceError::Forbidden(format!(
                "{kind} is for: {}",
                kind.roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if user.role == Role::Employer
            && user.sponsor_id.as_deref() != Some(row.sponsor_id.as_str())
        {
            return Err(ServiceError::Forbidden(
                "a prime contractor can read its subcontractors' cases but not act on them".into(),
            ));
        }
        if row.version != expected_version {
            return Err(ServiceError::PreconditionFailed {
                current_version: row.version,
            });
        }
        let status = status_of(&row)?;
        if !kind.allowed_from(status) {
            return Err(ServiceError::Conflict {
                code: "invalid_transition",
                message: format!("{kind} is not possible while the case is {status}"),
                details: Some(json!({
                    "case_status": status,
                    "allowed_actions": allowed_actions(status, user.role),
                })),
            });
        }
        let now = time::now();
        let today = ctx.today();
        let mut errors = FieldErrors::new();
        let mut changes = CaseChanges {
            status: kind.target().map(|s| s.as_str().to_owned()),
            ..CaseChanges::default()
        };
        let mut shared_note: Option<super::action_notes::NoteText> = None;
        let mut details = json!({});
        // What to re-evaluate after the change: the facts changed or evidence was confirmed.
        let mut reevaluate: Option<&'static str> = None;
        // A decision or a withdrawal before a booked interview took place gives its place
        // back, and the applicant's calendar is told (a CANCEL for the same event).
        let mut cancelled_interview: Option<serde_json::Value> = None;
        let ends_before_interview = match kind {
            ActionKind::Approve | ActionKind::Refuse => row
                .interview_at
                .is_some_and(|at| time::from_stored(at) > Utc::now()),
            ActionKind::Withdraw => true,
            _ => false,
        };
        if ends_before_interview && status == CaseStatus::InterviewScheduled {
            if let Some((slot, sequence)) = super::interviews::cancel_booking(conn, case_id)? {
                cancelled_interview = Some(json!({
                    "was_at": time::from_stored(slot.starts_at),
                    "was_until": time::from_stored(slot.ends_at),
                    "location": slot.location,
                    "sequence": sequence,
                }));
            }
        }
        match &action {
            CaseAction::Assign { assignee_id } => {
                let assignee = Uuid::parse_str(assignee_id).ok().map(|u| u.to_string());
                let target = match assignee {
                    Some(id) => users::find(conn, &id)?,
                    None => None,
                };
                match target {
                    Some(t) if !t.disabled && (t.role == "officer" || t.role == "supervisor") => {
                        if user.role == Role::Officer && t.id != user.id {
                            return Err(ServiceError::Forbidden(
                                "officers may take cases themselves; assigning to others is for supervisors".into(),
                            ));
                        }
                        details = json!({"assignee_id": t.id});
                        changes.assignee_id = Some(t.id);
                    }
                    _ => errors.add("assignee_id", "must be an active officer or supervisor"),
                }
            }
            CaseAction::StartReview {} | CaseAction::IssueVisa {} => {}
            CaseAction::RequestEvidence {
                reason,
                due_date,
                documents,
            } => {
                require_reason(&mut errors, "reason", reason);
                let due = due_date.unwrap_or(today + Duration::days(EVIDENCE_DAYS));
                if due <= today {
                    errors.add("due_date", "must be after today");
                } else if due > today + Duration::days(EVIDENCE_DAYS) {
                    errors.add(
                        "due_date",
                        format!("must be at most {EVIDENCE_DAYS} days away"),
                    );
                }
                changes.evidence_due = Some(due);
                let mut kinds: Vec<crate::domain::document::DocumentKind> = Vec::new();
                for (i, kind) in documents.iter().enumerate() {
                    match kind.parse() {
                        Ok(kind) if !kinds.contains(&kind) => kinds.push(kind),
                        Ok(_) => {}
                        Err(e) => errors.add(format!("documents[{i}]"), e.to_string()),
                    }
                }
                shared_note = Some(super::action_notes::evidence_requested(
                    due,
                    reason.trim(),
                    &kinds,
                ));
                details = json!({"reason": reason.trim(), "due_date": due, "documents": kinds});
            }
            CaseAction::SubmitEvidence { note } => {
                require_reason(&mut errors, "note", note);
                shared_note = Some(super::action_notes::evidence_submitted(note.trim()));
                details = json!({"note": note.trim()});
            }
            CaseAction::ScheduleInterview { slot_id } | CaseAction::Reschedule { slot_id } => {
                let change = if kind == ActionKind::Reschedule {
                    BookingChange::Reschedule {
                        limit: ctx.settings.interview_reschedule_limit,
                        supervisor: user.role == Role::Supervisor,
                    }
                } else {
                    BookingChange::Schedule
                };
                // First write of the action: a full slot refuses before anything else changes.
                let booked = super::interviews::book(conn, case_id, slot_id, change)?;
                let at = super::interviews::slot_start(&booked.slot);
                changes.interview_at = Some(Some(time::to_stored(at)));
                let place = booked.slot.location.clone();
                shared_note = Some(super::action_notes::interview_booked(
                    booked
                        .previous
                        .as_ref()
                        .map(|old| time::from_stored(old.starts_at)),
                    at,
                    &place,
                ));
                details = json!({
                    "slot_id": booked.slot.id,
                    "at": at,
                    "ends_at": time::from_stored(booked.slot.ends_at),
                    "at_seoul": time::in_seoul(at),
                    "location": place,
                    "sequence": booked.sequence,
                    "reschedules": booked.reschedules,
                    "previous_slot_id": booked.previous.as_ref().map(|s| s.id.clone()),
                });
            }
            CaseAction::RequestReschedule {
                reason,
                preferred_dates,
            } => {
                require_reason(&mut errors, "reason", reason);
                if preferred_dates.len() > 5 {
                    errors.add("preferred_dates", "name at most 5 dates");
                }
                for (i, date) in preferred_dates.iter().enumerate() {
                    if *date <= today {
                        errors.add(format!("preferred_dates[{i}]"), "must be after today");
                    } else if let Some(closure) = crate::domain::interview::closure_on(*date) {
                        errors.add(
                            format!("preferred_dates[{i}]"),
                            format!("the embassy is closed that day: {}", closure.describe().0),
                        );
                    }
                }
                shared_note = Some(super::action_notes::reschedule_requested(
                    preferred_dates,
                    reason.trim(),
                ));
                details = json!({"reason": reason.trim(), "preferred_dates": preferred_dates});
            }
            CaseAction::CancelInterview { reason } => {
                require_reason(&mut errors, "reason", reason);
                let left = if errors.is_empty() {
                    super::interviews::cancel_booking(conn, case_id)?
                } else {
                    None
                };
                changes.interview_at = Some(None);
                shared_note = Some(super::action_notes::interview_cancelled(reason.trim()));
                details = json!({"reason": reason.trim(), "was_at": row.interview_at.map(time::from_stored),
                    "was_until": left.as_ref().map(|(s, _)| time::from_stored(s.ends_at)),
                    "location": left.as_ref().map(|(s, _)| s.location.clone()),
                    "sequence": left.as_ref().map(|(_, seq)| *seq)});
            }
            CaseAction::RecordNoShow { note } => {
                require_reason(&mut errors, "note", note);
                let at = row.interview_at.map(time::from_stored);
                if at.is_some_and(|at| at > Utc::now()) {
                    return Err(ServiceError::conflict(
                        "interview_not_held",
                        "the interview has not begun yet: cancel it instead",
                    ));
                }
                if errors.is_empty() {
                    super::interviews::end_booking(conn, case_id)?;
                }
                shared_note = Some(super::action_notes::no_show(at, note.trim()));
                details = json!({"note": note.trim(), "interview_at": at});
            }
            CaseAction::Approve { route, reason } => {
                require_reason(&mut errors, "reason", reason);
                match route.parse::<VisaRoute>() {
                    Ok(route) if errors.is_empty() => {
                        // The gates re-evaluate the case on the decision date; the decision
                        // records that evaluation.
                        let check = super::eligibility::check_and_reserve_approval(
                            conn, ctx, user, &row, route,
                        )?;
                        changes.decision_route = Some(route.id().to_owned());
                        crate::db::interviews::end_processing(conn, case_id, "approved", now)?;
                        if route.is_visa_waiver() {
                            // ESTA is no visa: no annotation, and the case ends advised.
                            changes.status = Some(CaseStatus::EstaAdvised.as_str().to_owned());
                            details = json!({"route": route.id(), "reason": reason.trim(), "evaluation_id": check.evaluation_id, "outcome": check.outcome});
                        } else {
                            let annotation = annotation(conn, &row, route)?;
                            changes.annotation = Some(annotation.clone());
                            details = json!({"route": route.id(), "reason": reason.trim(), "annotation": annotation, "evaluation_id": check.evaluation_id, "outcome": check.outcome, "cap_fiscal_year": check.cap_fiscal_year});
                        }
                    }
                    Ok(_) => {}
                    Err(e) => errors.add("route", e.to_string()),
                }
                changes.decision_reason = Some(reason.trim().to_owned());
                changes.decided_by = Some(user.id.clone());
                changes.decided_at = Some(now);
            }
            CaseAction::AmendFacts { facts, reason } => {
                require_reason(&mut errors, "reason", reason);
                let current =
                    crate::domain::FactsV2::from_stored(&row.facts_json).map_err(|p| {
                        ServiceError::Internal(format!("stored facts unreadable at {}", p.field))
                    })?;
                match current.amended(facts) {
                    Ok((amended, changed)) => {
                        for problem in amended.check(today) {
                            errors.add(format!("facts.{}", problem.field), problem.message);
                        }
                        if changed.is_empty() {
                            errors.add(
                                "facts",
                                "changes nothing: every fact already has that value",
                            );
                        }
                        changes.facts_json = Some(amended.to_json());
                        // The columns the public look-up and the lists read follow the facts.
                        if changed.iter().any(|c| c == "applicant.date_of_birth") {
                            changes.date_of_birth = amended.applicant.date_of_birth;
                        }
                        if changed.iter().any(|c| c == "applicant.nationality") {
                            changes.nationality = amended.applicant.nationality.clone();
                        }
                        // The changed paths only, never values: no personal data in the trail.
                        shared_note =
                            Some(super::action_notes::facts_amended(&changed, reason.trim()));
                        details = json!({"changed": changed, "reason": reason.trim()});
                        reevaluate = Some("amend_facts");
                    }
                    Err(problem) => errors.add(problem.field, problem.message),
                }
            }
            CaseAction::ConfirmEvidence { rule_id, note } => {
                require_reason(&mut errors, "note", note);
                let rule_id = rule_id.trim();
                let book = ctx.rules.refresh(conn)?;
                let evidence = book
                    .all_rules()
                    .any(|r| r.id == rule_id && r.kind == crate::rules::RuleKind::Evidence);
                if !evidence {
                    errors.add(
                        "rule_id",
                        "must be the id of an evidence rule, such as B1CIW-CONTRACT",
                    );
                } else if errors.is_empty() {
                    let added = crate::db::rules::insert_confirmation(
                        conn,
                        case_id,
                        rule_id,
                        note.trim(),
                        &user.id,
                        now,
                    )?;
                    if !added {
                        return Err(ServiceError::conflict(
                            "already_confirmed",
                            format!("{rule_id} is already confirmed on this case"),
                        ));
                    }
                }
                shared_note = Some(super::action_notes::evidence_confirmed(
                    rule_id,
                    note.trim(),
                ));
                details = json!({"rule_id": rule_id, "note": note.trim()});
                reevaluate = Some("confirm_evidence");
            }
            CaseAction::AdministrativeProcessing { reason, documents } => {
                require_reason(&mut errors, "reason", reason);
                let at = row.interview_at.map(time::from_stored);
                if at.is_some_and(|at| at > Utc::now()) {
                    return Err(ServiceError::conflict(
                        "interview_not_held",
                        "administrative processing follows the interview, which has not begun yet",
                    ));
                }
                let mut kinds: Vec<crate::domain::document::DocumentKind> = Vec::new();
                for (i, kind) in documents.iter().enumerate() {
                    match kind.parse() {
                        Ok(kind) if !kinds.contains(&kind) => kinds.push(kind),
                        Ok(_) => {}
                        Err(e) => errors.add(format!("documents[{i}]"), e.to_string()),
                    }
                }
                if errors.is_empty() {
                    super::interviews::end_booking(conn, case_id)?;
                    crate::db::interviews::start_processing(
                        conn,
                        case_id,
                        reason.trim(),
                        &json!(kinds).to_string(),
                        now,
                    )?;
                }
                shared_note = Some(super::action_notes::administrative_processing(
                    reason.trim(),
                    &kinds,
                ));
                details = json!({"reason": reason.trim(), "documents": kinds, "since": time::from_stored(now)});
            }
            CaseAction::Refuse { ground, reason } => {
                require_reason(&mut errors, "reason", reason);
                let ground = errors.check("ground", crate::domain::refusal::ground(ground));
                super::eligibility::release_cap(conn, case_id)?;
                if let Some(g) = ground.filter(|_| errors.is_empty()) {
                    crate::db::interviews::record_refusal(conn, case_id, g.id, now)?;
                    crate::db::interviews::end_processing(conn, case_id, "refused", now)?;
                    details =
                        json!({"reason": reason.trim(), "ground": g.id, "citation": g.citation});
                }
                changes.decision_reason = Some(reason.trim().to_owned());
                changes.decided_by = Some(user.id.clone());
                changes.decided_at = Some(now);
            }
            CaseAction::Withdraw { reason } => {
                require_reason(&mut errors, "reason", reason);
                if status == CaseStatus::AdministrativeProcessing {
                    crate::db::interviews::end_processing(conn, case_id, "withdrawn", now)?;
                }
                // An approval's cap slot goes back to the pool.
                super::eligibility::release_cap(conn, case_id)?;
                changes.decision_reason = Some(reason.trim().to_owned());
                changes.decided_by = Some(user.id.clone());
                changes.decided_at = Some(now);
                details = json!({"reason": reason.trim()});
            }
        }
        errors.finish()?;
        if let Some(cancelled) = cancelled_interview {
            details["interview_cancelled"] = cancelled;
        }
        let Some(mut updated) =
            cases::update_if_version(conn, case_id, expected_version, &changes, now)?
        else {
            let current = cases::find(conn, case_id)?
                .map(|r| r.version)
                .unwrap_or(expected_version);
            return Err(ServiceError::PreconditionFailed {
                current_version: current,
            });
        };
        if let Some(text) = shared_note {
            notes::insert(
                conn,
                &NoteRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: case_id.to_owned(),
                    author_id: user.id.clone(),
                    visibility: "shared".into(),
                    body: text.en,
                    created_at: now,
                    body_ko: Some(text.ko),
                },
            )?;
        }
        if let Some(trigger) = reevaluate {
            let summary = super::eligibility::reevaluate_case(conn, ctx, &updated, trigger)?;
            details["evaluation"] = json!(summary
                .routes
                .iter()
                .map(|r| (r.route.clone(), r.outcome.as_str()))
                .collect::<std::collections::BTreeMap<_, _>>());
            updated = cases::find(conn, case_id)?.ok_or(ServiceError::NotFound("case"))?;
        }
        crate::notify::enqueue::case_event(
            conn,
            &updated,
            status,
            kind,
            &details,
            crate::notify::enqueue::Links(&ctx.settings.public_url),
            employer_mail,
        )?;
        // Last, as db::audit asks: appending takes the lock that orders all appends, held
        // until commit.
        let after_status: CaseStatus = updated.status.parse().unwrap_or(status);
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                &format!("case.{kind}"),
                Some(case_id),
                None,
                json!({
                    "before": {"status": status, "version": expected_version},
                    "after": {"status": after_status, "version": expected_version + 1},
                    "details": details,
                }),
            )],
        )?;
        view(updated, user)
    }
}

/// The annotation printed on an approved visa: legal basis, employer, project, worksite and
/// the planned dates.
fn annotation(
    conn: &mut DbConnection,
    row: &CaseRow,
    route: VisaRoute,
) -> Result<String, ServiceError> {
    let sponsor =
        sponsors::find(conn, &row.sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    let project =
        projects::find(conn, &row.project_id)?.ok_or(ServiceError::NotFound("project"))?;
    let facts: serde_json::Value = serde_json::from_str(&row.facts_json).unwrap_or_default();
    let entry = facts["assignment"]["planned_entry"].as_str().unwrap_or("?");
    let exit = facts["assignment"]["planned_exit"].as_str().unwrap_or("?");
    Ok(format!(
        "{route_id} ({title}) per {basis}. Employer: {employer}. Project: {project} ({sector}). \
         Worksite: {site}. Planned stay {entry} to {exit}.",
        route_id = route.id(),
        title = route.title(),
        basis = route.basis(),
        // employer text, folded onto the annotation's one line
        employer = text::one_line(&sponsor.legal_name).trim_end_matches('.'),
        project = text::one_line(&project.name),
        sector = project.sector,
        site = text::address_with_state(&project.worksite_address, &project.state),
    ))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub body: String,
    #[serde(default = "default_visibility")]
    pub visibility: String,
}

fn default_visibility() -> String {
    "internal".into()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub id: String,
    pub author_id: String,
    pub visibility: String,
    /// The text: in English when the system wrote it on an action, as typed otherwise.
    pub body: String,
    /// The same text in Korean, when the system wrote it on an action (an interview booked,
    /// evidence requested, a document reviewed…); null for a note a person typed.
    pub body_ko: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl NoteView {
    /// The text a reader of `korean` pages reads.
    pub fn text(&self, korean: bool) -> &str {
        match &self.body_ko {
            Some(ko) if korean => ko,
            _ => &self.body,
        }
    }
}

impl From<NoteRow> for NoteView {
    fn from(n: NoteRow) -> Self {
        NoteView {
            id: n.id,
            author_id: n.author_id,
            visibility: n.visibility,
            body: n.body,
            body_ko: n.body_ko,
            created_at: time::from_stored(n.created_at),
        }
    }
}

/// Adds a note. The desk writes internal notes or messages shared with the employer; the
/// case's own employer writes shared messages only.
pub fn add_note(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
    input: NewNote,
) -> Result<NoteView, ServiceError> {
    let mut errors = FieldErrors::new();
    require_reason(&mut errors, "body", &input.body);
    if input.visibility != "internal" && input.visibility != "shared" {
        errors.add("visibility", "must be internal or shared");
    }
    errors.finish()?;
    database::write_tx(conn, |conn| {
        let row = load_visible(conn, user, case_id)?;
        if user.role == Role::Employer {
            if user.sponsor_id.as_deref() != Some(row.sponsor_id.as_str()) {
                return Err(ServiceError::Forbidden(
                    "only the case's own sponsor can write on it".into(),
                ));
            }
            if input.visibility != "shared" {
                return Err(ServiceError::validation(
                    "visibility",
                    "employers write shared messages only",
                ));
            }
        }
        let note = NoteRow {
            id: Uuid::now_v7().to_string(),
            case_id: case_id.to_owned(),
            author_id: user.id.clone(),
            visibility: input.visibility.clone(),
            body: input.body.trim().to_owned(),
            created_at: time::now(),
            body_ko: None,
        };
        notes::insert(conn, &note)?;
        // The audit row says a note was written, not what it says.
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "case.note_added",
                Some(case_id),
                Some(&note.id),
                json!({"visibility": note.visibility}),
            )],
        )?;
        Ok(note.into())
    })
}

pub fn list_notes(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
) -> Result<Vec<NoteView>, ServiceError> {
    load_visible(conn, user, case_id)?;
    let shared_only = !user.role.is_desk();
    Ok(notes::list_for_case(conn, case_id, shared_only)?
        .into_iter()
        .map(NoteView::from)
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_role: String,
    /// Desk staff see who; employers see the role only.
    pub actor_id: Option<String>,
    pub summary: serde_json::Value,
}

pub fn history(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    load_visible(conn, user, case_id)?;
    let desk = user.role.is_desk();
    Ok(database::audit::for_case(conn, case_id)?
        .into_iter()
        .filter(|r| desk || r.action != "case.note_added" || r.summary.contains("\"shared\""))
        // overstay alerts and findings are the desk's alone (`service::overstay`)
        .filter(|r| desk || !r.action.starts_with("case.overstay_"))
        .map(|r| HistoryEntry {
            seq: r.seq,
            at: time::from_stored(r.occurred_at),
            action: r.action,
            actor_id: if desk || r.actor_role == "employer" {
                r.actor_id
            } else {
                None
            },
            actor_role: r.actor_role,
            summary: {
                let mut summary: serde_json::Value =
                    serde_json::from_str(&r.summary).unwrap_or_default();
                // another sponsor's filing of the same passport is the desk's to know
                if let (false, Some(fields)) = (desk, summary.as_object_mut()) {
                    fields.remove("duplicate_passport");
                }
                summary
            },
        })
        .collect())
}

/// Counts per status for the queue's header.
pub fn counts(conn: &mut DbConnection, user: &AuthUser) -> Result<serde_json::Value, ServiceError> {
    let readable = access::readable_sponsors(conn, user)?;
    let rows = cases::count_by_status(conn, readable.as_deref())?;
    let mut map = serde_json::Map::new();
    for status in CaseStatus::ALL {
        let n = rows
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map(|(_, n)| *n)
            .unwrap_or(0);
        map.insert(status.as_str().to_owned(), json!(n));
    }
    Ok(serde_json::Value::Object(map))
}
