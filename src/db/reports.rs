//! Read-only queries behind the supervisor's reports. Portable diesel only: grouping and
//! filtering here, arithmetic (medians, buckets) in the service.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::cases;
use super::DbConnection;

/// Which cases a report covers; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Filed on or after this day.
    pub from: Option<NaiveDate>,
    /// Filed on or before this day.
    pub to: Option<NaiveDate>,
    pub sponsor_id: Option<String>,
    /// Assigned to this officer.
    pub officer_id: Option<String>,
    /// The decided route, or the suggested one while there is no decision.
    pub route: Option<String>,
}

/// The filter's conditions on a boxed query over `cases`.
macro_rules! narrow {
    ($query:expr, $f:expr) => {{
        let mut query = $query;
        let f: &ReportFilter = $f;
        if let Some(day) = f.from {
            query = query.filter(cases::filing_date.ge(day));
        }
        if let Some(day) = f.to {
            query = query.filter(cases::filing_date.le(day));
        }
        if let Some(sponsor) = &f.sponsor_id {
            query = query.filter(cases::sponsor_id.eq(sponsor.clone()));
        }
        if let Some(officer) = &f.officer_id {
            query = query.filter(cases::assignee_id.eq(officer.clone()));
        }
        if let Some(route) = &f.route {
            query = query.filter(
                cases::decision_route
                    .eq(route.clone())
                    .or(cases::decision_route
                        .is_null()
                        .and(cases::suggested_route.eq(route.clone()))),
            );
        }
        query
    }};
}

/// One group of cases: (sponsor id, officer id, status, suggested route, decided route,
/// number of cases).
pub type GroupCount = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
);

/// The filter's cases per (sponsor, officer, status, suggested route, decided route): every
/// count of the report comes from these groups.
pub fn group_counts(conn: &mut DbConnection, f: &ReportFilter) -> QueryResult<Vec<GroupCount>> {
    let query = cases::table
        .group_by((
            cases::sponsor_id,
            cases::assignee_id,
            cases::status,
            cases::suggested_route,
            cases::decision_route,
        ))
        .select((
            cases::sponsor_id,
            cases::assignee_id,
            cases::status,
            cases::suggested_route,
            cases::decision_route,
            diesel::dsl::count_star(),
        ))
        .into_boxed();
    narrow!(query, f).load(conn)
}

/// (sponsor id, officer id, filing date, decided at) of every decided case of the filter.
pub type DecisionTime = (String, Option<String>, NaiveDate, NaiveDateTime);

pub fn decision_times(conn: &mut DbConnection, f: &ReportFilter) -> QueryResult<Vec<DecisionTime>> {
    let query = cases::table
        .filter(cases::decided_at.is_not_null())
        .select((
            cases::sponsor_id,
            cases::assignee_id,
            cases::filing_date,
            cases::decided_at.assume_not_null(),
        ))
        .into_boxed();
    narrow!(query, f).load(conn)
}

/// An evidence request past its due date: (case id, receipt, sponsor id, officer id, due).
pub type OverdueRow = (String, String, String, Option<String>, NaiveDate);

/// The filter's evidence requests past their due date as of `today`, longest overdue first.
pub fn overdue_evidence(
    conn: &mut DbConnection,
    today: NaiveDate,
    f: &ReportFilter,
) -> QueryResult<Vec<OverdueRow>> {
    let query = cases::table
        .filter(cases::status.eq("evidence_requested"))
        .filter(cases::evidence_due.lt(today))
        .order((cases::evidence_due.asc(), cases::receipt_number.asc()))
        .select((
            cases::id,
            cases::receipt_number,
            cases::sponsor_id,
            cases::assignee_id,
            cases::evidence_due.assume_not_null(),
        ))
        .into_boxed();
    narrow!(query, f).load(conn)
}

/// Filing dates of the filter's cases filed on or after `from`.
pub fn filing_dates_since(
    conn: &mut DbConnection,
    from: NaiveDate,
    f: &ReportFilter,
) -> QueryResult<Vec<NaiveDate>> {
    let query = cases::table
        .filter(cases::filing_date.ge(from))
        .select(cases::filing_date)
        .into_boxed();
    narrow!(query, f).load(conn)
}

/// When the filter's cases decided on or after `from` (UTC) were decided.
pub fn decisions_since(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    f: &ReportFilter,
) -> QueryResult<Vec<NaiveDateTime>> {
    let query = cases::table
        .filter(cases::decided_at.ge(from))
        .select(cases::decided_at.assume_not_null())
        .into_boxed();
    narrow!(query, f).load(conn)
}
