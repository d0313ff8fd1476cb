//! The `filings` table: batches, and the stored answer replayed for a repeated
//! Idempotency-Key.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::filings;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = filings)]
// `None` is stored as NULL (every such column's default), which lets diesel keep the insert
// prepared (`db::insert_rows!`).
#[diesel(treat_none_as_default_value = false)]
pub struct FilingRow {
    pub id: String,
    pub sponsor_id: String,
    pub project_id: String,
    pub filed_by: String,
    pub idempotency_key: Option<String>,
    pub request_hash: String,
    pub response_json: String,
    pub worker_count: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FilingRow) -> QueryResult<()> {
    diesel::insert_into(filings::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_key(
    conn: &mut DbConnection,
    filed_by: &str,
    key: &str,
) -> QueryResult<Option<FilingRow>> {
    filings::table
        .filter(filings::filed_by.eq(filed_by))
        .filter(filings::idempotency_key.eq(key))
        .select(FilingRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<FilingRow>> {
    filings::table
        .find(id)
        .select(FilingRow::as_select())
        .first(conn)
        .optional()
}
