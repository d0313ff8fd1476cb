//! The `password_resets` table: one row per reset link, keyed by the SHA-256 of its token.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_resets;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = password_resets)]
pub struct PasswordResetRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &PasswordResetRow) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Marks the link used, if it is unused and not expired at `now`; returns its user. The
/// condition is in the UPDATE itself, so two requests with the same token cannot both use it.
pub fn take(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let taken = diesel::update(
        password_resets::table
            .find(token_hash)
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    if taken == 0 {
        return Ok(None);
    }
    password_resets::table
        .find(token_hash)
        .select(password_resets::user_id)
        .first(conn)
        .optional()
}

/// Removes the user's other links that were never used (a newer link, or a completed reset,
/// makes them pointless); used ones stay as the record.
pub fn delete_unused_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .execute(conn)
}
