//! The sponsor verification tables: `sponsor_checks` (the checklist) and
//! `sponsor_decisions` (verify, reject, request information, with reasons).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sponsor_checks, sponsor_decisions, sponsors};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sponsor_checks)]
pub struct CheckRow {
    pub sponsor_id: String,
    pub item: String,
    pub outcome: String,
    pub note: String,
    pub document_id: Option<String>,
    pub checked_by: String,
    pub checked_at: NaiveDateTime,
}

pub fn checks(conn: &mut DbConnection, sponsor_id: &str) -> QueryResult<Vec<CheckRow>> {
    sponsor_checks::table
        .filter(sponsor_checks::sponsor_id.eq(sponsor_id))
        .select(CheckRow::as_select())
        .load(conn)
}

/// Records an item's finding, replacing the previous one.
pub fn put_check(conn: &mut DbConnection, row: &CheckRow) -> QueryResult<()> {
    diesel::delete(
        sponsor_checks::table
            .filter(sponsor_checks::sponsor_id.eq(&row.sponsor_id))
            .filter(sponsor_checks::item.eq(&row.item)),
    )
    .execute(conn)?;
    diesel::insert_into(sponsor_checks::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sponsor_decisions)]
pub struct DecisionRow {
    pub id: String,
    pub sponsor_id: String,
    pub decision: String,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
}

pub fn insert_decision(conn: &mut DbConnection, row: &DecisionRow) -> QueryResult<()> {
    diesel::insert_into(sponsor_decisions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn latest_decision(
    conn: &mut DbConnection,
    sponsor_id: &str,
) -> QueryResult<Option<DecisionRow>> {
    sponsor_decisions::table
        .filter(sponsor_decisions::sponsor_id.eq(sponsor_id))
        .order((
            sponsor_decisions::decided_at.desc(),
            sponsor_decisions::id.desc(),
        ))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()
}

/// Sets a sponsor's status after a decision other than verifying (which keeps its own
/// columns, `sponsors::mark_verified`).
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set((sponsors::status.eq(status), sponsors::updated_at.eq(at)))
        .execute(conn)
}
