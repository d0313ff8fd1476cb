//! The supervisor's reports: cases by state and route, median days from filing to decision,
//! overdue evidence requests. Read-only; supervisors only.

use chrono::NaiveDate;
use serde::Serialize;

use super::accounts::AuthUser;
use super::filing::desk_today;
use super::ServiceError;
use crate::db::{reports, sponsors, DbConnection};
use crate::domain::Role;

#[derive(Debug, Clone, Serialize)]
pub struct StateRouteCount {
    pub status: String,
    /// The decided route when there is one, else the suggested route.
    pub route: Option<String>,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueRequest {
    pub case_id: String,
    pub receipt_number: String,
    pub sponsor: String,
    pub due: NaiveDate,
    pub days_overdue: i64,
}

/// One week (Monday to Sunday, Seoul dates): cases filed and decided.
#[derive(Debug, Clone, Serialize)]
pub struct WeekCount {
    pub week_start: NaiveDate,
    pub filed: i64,
    pub decided: i64,
}

/// Weeks the report's chart covers, this one included.
pub const WEEKS: i64 = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub by_state_route: Vec<StateRouteCount>,
    /// The last [`WEEKS`] weeks, oldest first.
    pub weekly: Vec<WeekCount>,
    pub decided: usize,
    pub median_days_to_decision: Option<f64>,
    pub overdue: Vec<OverdueRequest>,
}

pub fn summary(conn: &mut DbConnection, user: &AuthUser) -> Result<Report, ServiceError> {
    if user.role != Role::Supervisor {
        return Err(ServiceError::Forbidden(
            "reports are for supervisors".into(),
        ));
    }
    let mut by_state_route: Vec<StateRouteCount> = Vec::new();
    for (status, suggested, decided, count) in reports::count_by_status_and_route(conn)? {
        let route = decided.or(suggested);
        match by_state_route
            .iter_mut()
            .find(|r| r.status == status && r.route == route)
        {
            Some(row) => row.count += count,
            None => by_state_route.push(StateRouteCount {
                status,
                route,
                count,
            }),
        }
    }
    by_state_route.sort_by(|a, b| (&a.status, &a.route).cmp(&(&b.status, &b.route)));
    let mut days: Vec<i64> = reports::decision_times(conn)?
        .into_iter()
        .map(|(filed, decided)| (decided.date() - filed).num_days().max(0))
        .collect();
    days.sort_unstable();
    let today = desk_today();
    let mut overdue = Vec::new();
    for (case_id, receipt_number, sponsor_id, due) in reports::overdue_evidence(conn, today)? {
        let sponsor = sponsors::find(conn, &sponsor_id)?
            .map(|s| s.legal_name)
            .unwrap_or(sponsor_id);
        overdue.push(OverdueRequest {
            case_id,
            receipt_number,
            sponsor,
            due,
            days_overdue: (today - due).num_days(),
        });
    }
    let weekly = weekly_counts(conn, today)?;
    Ok(Report {
        by_state_route,
        weekly,
        decided: days.len(),
        median_days_to_decision: median(&days),
        overdue,
    })
}

/// Cases filed and decided per week over the last [`WEEKS`] weeks (Seoul dates).
fn weekly_counts(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> Result<Vec<WeekCount>, ServiceError> {
    use chrono::Datelike;
    let this_monday =
        today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let first = this_monday - chrono::Duration::weeks(WEEKS - 1);
    let mut weeks: Vec<WeekCount> = (0..WEEKS)
        .map(|i| WeekCount {
            week_start: first + chrono::Duration::weeks(i),
            filed: 0,
            decided: 0,
        })
        .collect();
    let index = |day: NaiveDate| -> Option<usize> {
        let offset = (day - first).num_days();
        (offset >= 0).then_some((offset / 7) as usize)
    };
    for day in reports::filing_dates_since(conn, first)? {
        if let Some(w) = index(day).and_then(|i| weeks.get_mut(i)) {
            w.filed += 1;
        }
    }
    // decided_at is stored in UTC; the week is the Seoul date's
    let from_utc = first.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(9);
    for at in reports::decisions_since(conn, from_utc)? {
        let seoul = (at + chrono::Duration::hours(9)).date();
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
    w.record(["section", "status", "route", "count"])?;
    for r in &report.by_state_route {
        w.record([
            "cases_by_state_and_route",
            &r.status,
            r.route.as_deref().unwrap_or(""),
            &r.count.to_string(),
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
}
