//! The `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub email_normalized: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub sponsor_id: Option<String>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `file,manage` and the like for employer users (`domain::rights`); empty for staff.
    pub rights: String,
    /// A second factor is confirmed: sign-in asks for a code after the password.
    pub second_factor: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub sponsor_id: Option<&'a str>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub rights: &'a str,
}

pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_email(conn: &mut DbConnection, normalized: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email_normalized.eq(normalized))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The enabled users with a role (`supervisor`…), oldest first.
pub fn active_with_role(conn: &mut DbConnection, role: &str) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .order((users::created_at.asc(), users::id.asc()))
        .load(conn)
}

/// All users, oldest first, optionally only those of one sponsor.
pub fn list(conn: &mut DbConnection, sponsor_id: Option<&str>) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order((users::created_at.asc(), users::id.asc()))
        .into_boxed();
    if let Some(sponsor) = sponsor_id {
        query = query.filter(users::sponsor_id.eq(sponsor.to_owned()));
    }
    query.load(conn)
}

pub fn set_disabled(
    conn: &mut DbConnection,
    id: &str,
    disabled: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::disabled.eq(disabled), users::updated_at.eq(at)))
        .execute(conn)
        .inspect(|_| super::sessions::note_change())
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(conn)
        .inspect(|_| super::sessions::note_change())
}

/// Employer users of a sponsor that can receive mail (not disabled).
pub fn active_of_sponsor(conn: &mut DbConnection, sponsor_id: &str) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::sponsor_id.eq(sponsor_id))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .order(users::created_at.asc())
        .load(conn)
}

pub fn set_rights(
    conn: &mut DbConnection,
    id: &str,
    rights: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::rights.eq(rights), users::updated_at.eq(at)))
        .execute(conn)
        .inspect(|_| super::sessions::note_change())
}

/// Enabled users of a sponsor holding the `manage` right (rights are a short comma list).
pub fn active_managers(conn: &mut DbConnection, sponsor_id: &str) -> QueryResult<Vec<UserRow>> {
    Ok(active_of_sponsor(conn, sponsor_id)?
        .into_iter()
        .filter(|u| u.rights.split(',').any(|r| r.trim() == "manage"))
        .collect())
}

pub fn set_second_factor(
    conn: &mut DbConnection,
    id: &str,
    on: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::second_factor.eq(on), users::updated_at.eq(at)))
        .execute(conn)
        .inspect(|_| super::sessions::note_change())
}
