//! The `sponsors` table.

use diesel::prelude::*;

use super::schema::sponsors;
use super::DbConnection;

pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sponsors::table.find(id))).get_result(conn)
}
