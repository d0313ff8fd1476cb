//! The supervisor's reports: for the cases filed in a date range (and, if asked, of one
//! sponsor, officer or route), counts by state and route, by sponsor and by officer, cases
//! filed and decided per week, days from filing to decision, and the evidence requests past
//! their due date. Read-only; supervisors only.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::accounts::AuthUser;
use super::filing::desk_today;
use super::{FieldErrors, ServiceError};
use crate::db::reports::{self as queries, ReportFilter};
use crate::db::{sponsors, users, DbConnection};
use crate::domain::{Role, VisaRoute};

/// A report's filters, as given (query parameters).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Cases filed on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Cases filed on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
    /// One sponsor's cases.
    pub sponsor_id: Option<String>,
    /// The cases assigned to one officer.
    pub officer_id: Option<String>,
    /// One route: the decided route, or the suggested one while undecided.
    pub route: Option<String>,
}

impl ReportQuery {
    /// The filters, checked: a 422 names each field that is not what it should be.
    pub fn parse(&self) -> Result<ReportFilter, ServiceError> {
        let mut errors = FieldErrors::new();
        let (from, to) = date_range(&self.from, &self.to, &mut errors);
        let sponsor_id = filter_id("sponsor_id", &self.sponsor_id, &mut errors);
        let officer_id = filter_id("officer_id", &self.officer_id, &mut errors);
        let route = filter_text(&self.route).and_then(|r| {
            errors
                .check("route", r.parse::<VisaRoute>())
                .map(|r| r.id().to_owned())
        });
        errors.finish()?;
        Ok(ReportFilter {
            from,
            to,
            sponsor_id,
            officer_id,
            route,
        })
    }
}

/// A filter's text, trimmed; empty counts as absent.
fn filter_text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An optional id filter (a UUID), or its error under `field`.
pub fn filter_id(field: &str, v: &Option<String>, errors: &mut FieldErrors) -> Option<String> {
    filter_text(v).and_then(|s| {
        errors.check(
            field.to_owned(),
            Uuid::parse_str(&s)
                .map(|u| u.to_string())
                .map_err(|_| "must be an id (UUID)"),
        )
    })
}

/// The optional `from` and `to` days of a report (YYYY-MM-DD), `to` not before `from`; each
/// error under its field.
pub fn date_range(
    from: &Option<String>,
    to: &Option<String>,
    errors: &mut FieldErrors,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let date = |field: &str, v: &Option<String>, errors: &mut FieldErrors| {
        filter_text(v).and_then(|s| {
            errors.check(
                field.to_owned(),
                NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .map_err(|_| "must be a date (YYYY-MM-DD)"),
            )
        })
    };
    let from = date("from", from, errors);
    let to = date("to", to, errors);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            errors.add("to", "is before from");
        }
    }
    (from, to)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StateRouteCount {
    pub status: String,
    /// The decided route when there is one, else the suggested route.
    pub route: Option<String>,
    pub count: i64,
}

/// The cases of one sponsor or one officer.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct GroupCounts {
    /// The sponsor's or the officer's id; `null` for the cases no officer is assigned to.
    pub id: Option<String>,
    /// The sponsor's legal name, or the officer's name (or e-mail).
    pub name: String,
    /// Every case of the group in the report.
    pub cases: i64,
    /// Not decided yet and not withdrawn.
    pub open: i64,
    /// Approved, advised to travel on ESTA, or with the visa issued.
    pub approved: i64,
    pub refused: i64,
    pub withdrawn: i64,
    /// Evidence requests past their due date.
    pub overdue: i64,
    pub median_days_to_decision: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueRequest {
    pub case_id: String,
    pub receipt_number: String,
    pub sponsor: String,
    pub due: NaiveDate,
    pub days_overdue: i64,
}

/// One week (Monday to Sunday, Seoul dates): cases filed and decided.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeekCount {
    pub week_start: NaiveDate,
    pub filed: i64,
    pub decided: i64,
}

/// A range of days and how many cases fall in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DaysBucket {
    pub from_days: i64,
    /// `null`: and more.
    pub to_days: Option<i64>,
    pub count: i64,
}

/// Weeks the chart covers without a date range (this one included), and at most.
pub const WEEKS: i64 = 12;
pub const MAX_WEEKS: i64 = 26;

/// Days from filing to decision, in these ranges.
const DECISION_BUCKETS: [(i64, Option<i64>); 6] = [
    (0, Some(7)),
    (8, Some(14)),
    (15, Some(30)),
    (31, Some(60)),
    (61, Some(90)),
    (91, None),
];
/// Days past the due date, in these ranges.
const OVERDUE_BUCKETS: [(i64, Option<i64>); 4] =
    [(1, Some(7)), (8, Some(14)), (15, Some(30)), (31, None)];

/// The filters the report applied, as read.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct AppliedFilters {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sponsor_id: Option<String>,
    pub officer_id: Option<String>,
    pub route: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub filters: AppliedFilters,
    /// Every case of the report.
    pub cases: i64,
    pub by_state_route: Vec<StateRouteCount>,
    /// Sponsors with the most cases first.
    pub by_sponsor: Vec<GroupCounts>,
    /// Officers with the most cases first; the unassigned cases last.
    pub by_officer: Vec<GroupCounts>,
    /// Weeks up to the range's end (or today), oldest first: [`WEEKS`] without a start,
    /// else from the start's week, at most [`MAX_WEEKS`].
    pub weekly: Vec<WeekCount>,
    pub decided: usize,
    pub median_days_to_decision: Option<f64>,
    pub days_to_decision: Vec<DaysBucket>,
    /// Longest overdue first.
    pub overdue: Vec<OverdueRequest>,
    pub overdue_by_days: Vec<DaysBucket>,
}

fn require_supervisor(user: &AuthUser) -> Result<(), ServiceError> {
    if user.role != Role::Supervisor {
        return Err(ServiceError::Forbidden(
            "reports are for supervisors".into(),
        ));
    }
    Ok(())
}

fn bucket_counts(buckets: &[(i64, Option<i64>)], values: &[i64]) -> Vec<DaysBucket> {
    buckets
        .iter()
        .map(|&(from_days, to_days)| DaysBucket {
            from_days,
            to_days,
            count: values
                .iter()
                .filter(|&&v| v >= from_days && to_days.is_none_or(|t| v <= t))
                .count() as i64,
        })
        .collect()
}

fn median_of(mut days: Vec<i64>) -> Option<f64> {
    days.sort_unstable();
    median(&days)
}

/// The report over the cases `query` selects.
pub fn summary(
    conn: &mut DbConnection,
    user: &AuthUser,
    query: &ReportQuery,
) -> Result<Report, ServiceError> {
    require_supervisor(user)?;
    let filter = query.parse()?;
    let today = desk_today();

    let groups = queries::group_counts(conn, &filter)?;
    let decisions = queries::decision_times(conn, &filter)?;
    let overdue_rows = queries::overdue_evidence(conn, today, &filter)?;

    let mut by_state_route: BTreeMap<(String, Option<String>), i64> = BTreeMap::new();
    let mut by_sponsor: BTreeMap<String, GroupCounts> = BTreeMap::new();
    let mut by_officer: BTreeMap<Option<String>, GroupCounts> = BTreeMap::new();
    let mut total = 0;
    for (sponsor, officer, status, suggested, decided, count) in groups {
        total += count;
        *by_state_route
            .entry((status.clone(), decided.or(suggested)))
            .or_default() += count;
        for group in [
            by_sponsor
                .entry(sponsor.clone())
                .or_insert_with(|| GroupCounts {
                    id: Some(sponsor.clone()),
                    ..GroupCounts::default()
                }),
            by_officer
                .entry(officer.clone())
                .or_insert_with(|| GroupCounts {
                    id: officer.clone(),
                    ..GroupCounts::default()
                }),
        ] {
            group.cases += count;
            match status.as_str() {
                "approved" | "esta_advised" | "visa_issued" => group.approved += count,
                "refused" => group.refused += count,
                "withdrawn" => group.withdrawn += count,
                _ => group.open += count,
            }
        }
    }
    let mut days_by_sponsor: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut days_by_officer: BTreeMap<Option<&str>, Vec<i64>> = BTreeMap::new();
    let mut days = Vec::with_capacity(decisions.len());
    for (sponsor, officer, filed, decided_at) in &decisions {
        // decided_at is stored in UTC; the day is the Seoul date's
        let decided = (*decided_at + Duration::hours(9)).date();
        let d = (decided - *filed).num_days().max(0);
        days.push(d);
        days_by_sponsor.entry(sponsor).or_default().push(d);
        days_by_officer
            .entry(officer.as_deref())
            .or_default()
            .push(d);
    }
    let mut overdue = Vec::with_capacity(overdue_rows.len());
    let mut overdue_days = Vec::with_capacity(overdue_rows.len());
    for (case_id, receipt_number, sponsor_id, officer, due) in overdue_rows {
        let days_overdue = (today - due).num_days();
        overdue_days.push(days_overdue);
        if let Some(g) = by_sponsor.get_mut(&sponsor_id) {
            g.overdue += 1;
        }
        if let Some(g) = by_officer.get_mut(&officer) {
            g.overdue += 1;
        }
        overdue.push(OverdueRequest {
            case_id,
            receipt_number,
            sponsor: sponsor_id,
            due,
            days_overdue,
        });
    }

    let mut sponsor_names = BTreeMap::new();
    for (id, group) in by_sponsor.iter_mut() {
        let name = sponsors::find(conn, id)?
            .map(|s| s.legal_name)
            .unwrap_or_else(|| id.clone());
        group.median_days_to_decision =
            median_of(days_by_sponsor.remove(id.as_str()).unwrap_or_default());
        sponsor_names.insert(id.clone(), name.clone());
        group.name = name;
    }
    for request in &mut overdue {
        if let Some(name) = sponsor_names.get(&request.sponsor) {
            request.sponsor = name.clone();
        }
    }
    for (id, group) in by_officer.iter_mut() {
        if let Some(id) = id {
            group.name = match users::find(conn, id)? {
                Some(u) => u
                    .display_name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or(u.email),
                None => id.clone(),
            };
        }
        group.median_days_to_decision =
            median_of(days_by_officer.remove(&id.as_deref()).unwrap_or_default());
    }
    let mut by_sponsor: Vec<GroupCounts> = by_sponsor.into_values().collect();
    by_sponsor.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.name.cmp(&b.name)));
    let mut by_officer: Vec<GroupCounts> = by_officer.into_values().collect();
    by_officer.sort_by(|a, b| {
        (a.id.is_none(), std::cmp::Reverse(a.cases), &a.name).cmp(&(
            b.id.is_none(),
            std::cmp::Reverse(b.cases),
            &b.name,
        ))
    });

    let weekly = weekly_counts(conn, &filter, today)?;
    Ok(Report {
        filters: AppliedFilters {
            from: filter.from,
            to: filter.to,
            sponsor_id: filter.sponsor_id.clone(),
            officer_id: filter.officer_id.clone(),
            route: filter.route.clone(),
        },
        cases: total,
        by_state_route: by_state_route
            .into_iter()
            .map(|((status, route), count)| StateRouteCount {
                status,
                route,
                count,
            })
            .collect(),
        by_sponsor,
        by_officer,
        weekly,
        decided: days.len(),
        days_to_decision: bucket_counts(&DECISION_BUCKETS, &days),
        median_days_to_decision: median_of(days),
        overdue_by_days: bucket_counts(&OVERDUE_BUCKETS, &overdue_days),
        overdue,
    })
}

/// The cases of the report, one row each, for a spreadsheet (supervisors only).
pub fn cases(
    conn: &mut DbConnection,
    user: &AuthUser,
    query: &ReportQuery,
) -> Result<Vec<super::cases::CaseSummary>, ServiceError> {
    require_supervisor(user)?;
    let filter = query.parse()?;
    super::cases::all_matching(conn, filter.into())
}

/// Cases filed and decided per week (Seoul dates), in the weeks the report covers.
fn weekly_counts(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    today: NaiveDate,
) -> Result<Vec<WeekCount>, ServiceError> {
    let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let end = monday(filter.to.map_or(today, |t| t.min(today)));
    let earliest = end - Duration::weeks(MAX_WEEKS - 1);
    let first = match filter.from {
        Some(from) => monday(from).clamp(earliest, end),
        None => end - Duration::weeks(WEEKS - 1),
    };
    let count = (end - first).num_weeks() + 1;
    let mut weeks: Vec<WeekCount> = (0..count)
        .map(|i| WeekCount {
            week_start: first + Duration::weeks(i),
            filed: 0,
            decided: 0,
        })
        .collect();
    let index = |day: NaiveDate| -> Option<usize> {
        let offset = (day - first).num_days();
        (offset >= 0).then_some((offset / 7) as usize)
    };
    for day in queries::filing_dates_since(conn, first, filter)? {
        if let Some(w) = index(day).and_then(|i| weeks.get_mut(i)) {
            w.filed += 1;
        }
    }
    // decided_at is stored in UTC; the week is the Seoul date's
    let from_utc = first.and_time(NaiveTime::MIN) - Duration::hours(9);
    for at in queries::decisions_since(conn, from_utc, filter)? {
        let seoul = (at + Duration::hours(9)).date();
        if let Some(w) = index(seoul).and_then(|i| weeks.get_mut(i)) {
            w.decided += 1;
        }
    }
    Ok(weeks)
}

/// The median of sorted values; the mean of the middle two for an even count.
pub fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let value = if n % 2 == 1 {
        *sorted.get(mid)? as f64
    } else {
        (*sorted.get(mid - 1)? + *sorted.get(mid)?) as f64 / 2.0
    };
    Some(value)
}

/// The report as CSV: one section per table, each with its own header row; cells are
/// neutralised against formula injection (a sponsor's name is employer text).
pub fn to_csv(report: &Report) -> Result<String, ServiceError> {
    let mut w = super::csv_export::CsvExport::default();
    let f = &report.filters;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let day = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    w.record(["section", "from", "to", "sponsor_id", "officer_id", "route"])?;
    w.record([
        "filters".to_owned(),
        day(f.from),
        day(f.to),
        opt(&f.sponsor_id),
        opt(&f.officer_id),
        opt(&f.route),
    ])?;
    w.record(["section", "status", "route", "count"])?;
    for r in &report.by_state_route {
        w.record([
            "cases_by_state_and_route",
            &r.status,
            r.route.as_deref().unwrap_or(""),
            &r.count.to_string(),
        ])?;
    }
    for (section, groups) in [
        ("cases_by_sponsor", &report.by_sponsor),
        ("cases_by_officer", &report.by_officer),
    ] {
        w.record([
            "section",
            "id",
            "name",
            "cases",
            "open",
            "approved",
            "refused",
            "withdrawn",
            "overdue",
            "median_days_to_decision",
        ])?;
        for g in groups {
            w.record([
                section.to_owned(),
                opt(&g.id),
                g.name.clone(),
                g.cases.to_string(),
                g.open.to_string(),
                g.approved.to_string(),
                g.refused.to_string(),
                g.withdrawn.to_string(),
                g.overdue.to_string(),
                g.median_days_to_decision
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            ])?;
        }
    }
    w.record(["section", "week_start", "filed", "decided"])?;
    for week in &report.weekly {
        w.record([
            "cases_per_week".to_owned(),
            week.week_start.to_string(),
            week.filed.to_string(),
            week.decided.to_string(),
        ])?;
    }
    w.record(["section", "decided_cases", "median_days_to_decision"])?;
    w.record([
        "decisions".to_owned(),
        report.decided.to_string(),
        report
            .median_days_to_decision
            .map(|m| m.to_string())
            .unwrap_or_default(),
    ])?;
    for (section, buckets) in [
        ("days_to_decision", &report.days_to_decision),
        ("days_overdue", &report.overdue_by_days),
    ] {
        w.record(["section", "from_days", "to_days", "count"])?;
        for b in buckets {
            w.record([
                section.to_owned(),
                b.from_days.to_string(),
                b.to_days.map(|t| t.to_string()).unwrap_or_default(),
                b.count.to_string(),
            ])?;
        }
    }
    w.record([
        "section",
        "receipt_number",
        "sponsor",
        "due",
        "days_overdue",
    ])?;
    for o in &report.overdue {
        w.record([
            "overdue_evidence_requests",
            &o.receipt_number,
            &o.sponsor,
            &o.due.to_string(),
            &o.days_overdue.to_string(),
        ])?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[4]), Some(4.0));
        assert_eq!(median(&[1, 3, 10]), Some(3.0));
        assert_eq!(median(&[1, 2, 4, 10]), Some(3.0));
    }

    #[test]
    fn buckets_hold_their_ends_and_the_last_is_open() {
        let b = bucket_counts(&DECISION_BUCKETS, &[0, 7, 8, 30, 31, 90, 91, 400]);
        let counts: Vec<i64> = b.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![2, 1, 1, 1, 1, 2]);
        assert_eq!(b.last().map(|b| b.to_days), Some(None));
    }
}
