//! The `overstay_alerts` table: trips past their admit-until date, and the desk's findings.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::overstay_alerts;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = overstay_alerts)]
pub struct AlertRow {
    pub id: String,
    pub case_id: String,
    pub trip_id: String,
    pub admitted_until: NaiveDate,
    pub kind: String,
    pub detected_on: NaiveDate,
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Stores an alert unless its trip has one already: true when stored.
pub fn insert(conn: &mut DbConnection, row: &AlertRow) -> QueryResult<bool> {
    // on_conflict does not compile on the MultiConnection enum: once per backend
    super::on_backend!(conn, c => diesel::insert_into(overstay_alerts::table)
        .values(row)
        .on_conflict(overstay_alerts::trip_id)
        .do_nothing()
        .execute(c))
    .map(|n| n == 1)
}

/// A case's alerts, newest first.
pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<AlertRow>> {
    overstay_alerts::table
        .filter(overstay_alerts::case_id.eq(case_id))
        .select(AlertRow::as_select())
        .order((
            overstay_alerts::created_at.desc(),
            overstay_alerts::id.desc(),
        ))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<AlertRow>> {
    overstay_alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .optional()
}

/// Of `case_ids`, those with an alert awaiting the desk's finding.
pub fn cases_with_open(conn: &mut DbConnection, case_ids: &[String]) -> QueryResult<Vec<String>> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    overstay_alerts::table
        .filter(overstay_alerts::status.eq("open"))
        .filter(overstay_alerts::case_id.eq_any(case_ids))
        .select(overstay_alerts::case_id)
        .distinct()
        .load(conn)
}

/// Records the desk's finding on an open alert; false when it was decided meanwhile.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    reason: &str,
    decided_by: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        overstay_alerts::table
            .filter(overstay_alerts::id.eq(id))
            .filter(overstay_alerts::status.eq("open")),
    )
    .set((
        overstay_alerts::status.eq(status),
        overstay_alerts::reason.eq(reason),
        overstay_alerts::decided_by.eq(decided_by),
        overstay_alerts::decided_at.eq(at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
