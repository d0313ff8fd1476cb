//! The `case_notes` table: internal notes (desk only) and messages shared with the employer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::case_notes;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_notes)]
pub struct NoteRow {
    pub id: String,
    pub case_id: String,
    pub author_id: String,
    pub visibility: String,
    /// English when the system wrote it on an action; as typed otherwise.
    pub body: String,
    pub created_at: NaiveDateTime,
    /// The Korean text of a note the system wrote; None for one a person typed.
    pub body_ko: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &NoteRow) -> QueryResult<()> {
    diesel::insert_into(case_notes::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn list_for_case(
    conn: &mut DbConnection,
    case_id: &str,
    shared_only: bool,
) -> QueryResult<Vec<NoteRow>> {
    let mut query = case_notes::table
        .filter(case_notes::case_id.eq(case_id))
        .select(NoteRow::as_select())
        .order((case_notes::created_at.asc(), case_notes::id.asc()))
        .into_boxed();
    if shared_only {
        query = query.filter(case_notes::visibility.eq("shared"));
    }
    query.load(conn)
}
