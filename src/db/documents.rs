//! Document metadata (the bodies are in the document store, `crate::storage`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{cases, documents};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: String,
    pub case_id: Option<String>,
    pub project_id: String,
    pub sponsor_id: String,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub status: String,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(documents::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

/// A case's own documents and those of its project, oldest first.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: &str,
    project_id: &str,
) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(
            documents::case_id.eq(case_id).or(documents::project_id
                .eq(project_id)
                .and(documents::case_id.is_null())),
        )
        .select(DocumentRow::as_select())
        .order((documents::uploaded_at.asc(), documents::id.asc()))
        .load(conn)
}

/// A project's own documents (not its cases'), oldest first.
pub fn for_project(conn: &mut DbConnection, project_id: &str) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::project_id.eq(project_id))
        .filter(documents::case_id.is_null())
        .select(DocumentRow::as_select())
        .order((documents::uploaded_at.asc(), documents::id.asc()))
        .load(conn)
}

/// Bytes already stored for a case (its own documents).
pub fn case_bytes(conn: &mut DbConnection, case_id: &str) -> QueryResult<i64> {
    let sizes: Vec<i64> = documents::table
        .filter(documents::case_id.eq(case_id))
        .select(documents::size_bytes)
        .load(conn)?;
    Ok(sizes.iter().sum())
}

/// Bytes already stored for a project (its own documents).
pub fn project_bytes(conn: &mut DbConnection, project_id: &str) -> QueryResult<i64> {
    let sizes: Vec<i64> = documents::table
        .filter(documents::project_id.eq(project_id))
        .filter(documents::case_id.is_null())
        .select(documents::size_bytes)
        .load(conn)?;
    Ok(sizes.iter().sum())
}

/// Records a review; false when the document was reviewed already.
pub fn set_review(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    note: &str,
    reviewer: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        documents::table
            .filter(documents::id.eq(id))
            .filter(documents::status.eq("submitted")),
    )
    .set((
        documents::status.eq(status),
        documents::review_note.eq(note),
        documents::reviewed_by.eq(reviewer),
        documents::reviewed_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Which of these document ids have a row.
pub fn existing_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(
            documents::table
                .filter(documents::id.eq_any(chunk))
                .select(documents::id)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// Documents of cases closed (refused, withdrawn, visa issued, ESTA advised) before `date`:
/// what retention removes.
pub fn of_cases_closed_before(
    conn: &mut DbConnection,
    date: NaiveDate,
) -> QueryResult<Vec<DocumentRow>> {
    let closed = ["refused", "withdrawn", "visa_issued", "esta_advised"];
    let cutoff = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    documents::table
        .inner_join(cases::table.on(documents::case_id.eq(cases::id.nullable())))
        .filter(cases::status.eq_any(closed))
        .filter(cases::decided_at.lt(cutoff))
        .select(DocumentRow::as_select())
        .load(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(documents::table.find(id)).execute(conn)
}
