//! The `invitations` table: a manager's invitation of a colleague to its sponsor.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::invitations;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: String,
    pub token_hash: String,
    pub sponsor_id: String,
    pub email: String,
    pub email_normalized: String,
    pub rights: String,
    pub invited_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_user_id: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &InvitationRow) -> QueryResult<()> {
    diesel::insert_into(invitations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Marks the invitation with this token accepted, if it is unaccepted and unexpired at
/// `now`; returns it. The condition is in the UPDATE, so a token is used once however many
/// requests race with it.
pub fn take(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<InvitationRow>> {
    let taken = diesel::update(
        invitations::table
            .filter(invitations::token_hash.eq(token_hash))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::accepted_at.eq(now))
    .execute(conn)?;
    if taken == 0 {
        return Ok(None);
    }
    invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_accepted_user(conn: &mut DbConnection, id: &str, user_id: &str) -> QueryResult<usize> {
    diesel::update(invitations::table.find(id))
        .set(invitations::accepted_user_id.eq(user_id))
        .execute(conn)
}

/// A sponsor's invitations not yet accepted (expired ones included), newest first.
pub fn pending_for_sponsor(
    conn: &mut DbConnection,
    sponsor_id: &str,
) -> QueryResult<Vec<InvitationRow>> {
    invitations::table
        .filter(invitations::sponsor_id.eq(sponsor_id))
        .filter(invitations::accepted_at.is_null())
        .select(InvitationRow::as_select())
        .order((invitations::created_at.desc(), invitations::id.desc()))
        .load(conn)
}

/// Removes unaccepted invitations of `email_normalized` to `sponsor_id` (a new invitation
/// replaces them).
pub fn delete_pending(
    conn: &mut DbConnection,
    sponsor_id: &str,
    email_normalized: &str,
) -> QueryResult<usize> {
    diesel::delete(
        invitations::table
            .filter(invitations::sponsor_id.eq(sponsor_id))
            .filter(invitations::email_normalized.eq(email_normalized))
            .filter(invitations::accepted_at.is_null()),
    )
    .execute(conn)
}
