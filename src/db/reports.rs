//! Read-only queries behind the supervisor's reports. Portable diesel only: grouping and
//! filtering here, arithmetic (medians) in the service.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::cases;
use super::DbConnection;

/// (status, suggested route, decided route, number of cases).
pub type StatusRouteCount = (String, Option<String>, Option<String>, i64);

/// Cases per (status, suggested route, decided route).
pub fn count_by_status_and_route(conn: &mut DbConnection) -> QueryResult<Vec<StatusRouteCount>> {
    cases::table
        .group_by((cases::status, cases::suggested_route, cases::decision_route))
        .select((
            cases::status,
            cases::suggested_route,
            cases::decision_route,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// (filing date, decided at) of every decided case.
pub fn decision_times(conn: &mut DbConnection) -> QueryResult<Vec<(NaiveDate, NaiveDateTime)>> {
    cases::table
        .filter(cases::decided_at.is_not_null())
        .select((cases::filing_date, cases::decided_at.assume_not_null()))
        .load(conn)
}

/// Evidence requests past their due date as of `today`: (id, receipt, sponsor id, due).
pub fn overdue_evidence(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> QueryResult<Vec<(String, String, String, NaiveDate)>> {
    cases::table
        .filter(cases::status.eq("evidence_requested"))
        .filter(cases::evidence_due.lt(today))
        .order(cases::evidence_due.asc())
        .select((
            cases::id,
            cases::receipt_number,
            cases::sponsor_id,
            cases::evidence_due.assume_not_null(),
        ))
        .load(conn)
}

/// Filing dates of the cases filed on or after `from`.
pub fn filing_dates_since(conn: &mut DbConnection, from: NaiveDate) -> QueryResult<Vec<NaiveDate>> {
    cases::table
        .filter(cases::filing_date.ge(from))
        .select(cases::filing_date)
        .load(conn)
}

/// When the cases decided on or after `from` (UTC) were decided.
pub fn decisions_since(
    conn: &mut DbConnection,
    from: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    cases::table
        .filter(cases::decided_at.ge(from))
        .select(cases::decided_at.assume_not_null())
        .load(conn)
}
