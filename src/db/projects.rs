//! The `projects` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::projects;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: String,
    pub sponsor_id: String,
    pub name: String,
    pub worksite_address: String,
    pub state: String,
    pub sector: String,
    pub investment_usd: i64,
    pub equipment_purchased_abroad: bool,
    pub contract_requires_seller_services: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &ProjectRow) -> QueryResult<()> {
    diesel::insert_into(projects::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_for_sponsor(conn: &mut DbConnection, sponsor_id: &str) -> QueryResult<Vec<ProjectRow>> {
    projects::table
        .filter(projects::sponsor_id.eq(sponsor_id))
        .select(ProjectRow::as_select())
        .order((projects::created_at.asc(), projects::id.asc()))
        .load(conn)
}
