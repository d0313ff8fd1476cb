//! Staged ZIPs of documents (`service::bundles`): a bundle and its entries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{bundle_entries, document_bundles};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = document_bundles)]
pub struct BundleRow {
    pub id: String,
    pub project_id: String,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bundle_entries)]
pub struct EntryRow {
    pub bundle_id: String,
    pub position: i32,
    pub name: String,
    pub line: Option<i32>,
    pub kind: Option<String>,
    pub document_id: Option<String>,
    pub filename: String,
    pub content_type: Option<String>,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub problem: Option<String>,
}

/// Inserts a bundle and its entries (call inside a transaction).
pub fn insert(
    conn: &mut DbConnection,
    bundle: &BundleRow,
    entries: &[EntryRow],
) -> QueryResult<()> {
    diesel::insert_into(document_bundles::table)
        .values(bundle)
        .execute(conn)?;
    // Multi-row inserts do not compile on the MultiConnection enum: match on the backend.
    for chunk in entries.chunks(500) {
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(bundle_entries::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(bundle_entries::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<BundleRow>> {
    document_bundles::table
        .find(id)
        .select(BundleRow::as_select())
        .first(conn)
        .optional()
}

/// A bundle's entries in the ZIP's order.
pub fn entries(conn: &mut DbConnection, bundle_id: &str) -> QueryResult<Vec<EntryRow>> {
    bundle_entries::table
        .filter(bundle_entries::bundle_id.eq(bundle_id))
        .order(bundle_entries::position.asc())
        .select(EntryRow::as_select())
        .load(conn)
}

/// Removes a bundle and its entries (their objects stay: documents or `gc` own them).
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(bundle_entries::table.filter(bundle_entries::bundle_id.eq(id))).execute(conn)?;
    diesel::delete(document_bundles::table.find(id)).execute(conn)
}

/// Bundles staged before `cutoff` (never filed).
pub fn created_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<Vec<String>> {
    document_bundles::table
        .filter(document_bundles::created_at.lt(cutoff))
        .select(document_bundles::id)
        .load(conn)
}

/// Which of these document ids a staged entry holds.
pub fn staged_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(
            bundle_entries::table
                .filter(bundle_entries::document_id.eq_any(chunk))
                .select(bundle_entries::document_id.assume_not_null())
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}
