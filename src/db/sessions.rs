//! The `sessions` table: one row per signed-in browser or API client, keyed by the SHA-256
//! of its token.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sessions, users};
use super::{on_backend, DbConnection};

/// Counts the changes to sessions and users that may end or narrow a session's authority,
/// made by this process or (on PostgreSQL, through [`super::auth_listener`]) by any other.
/// A cached session read before the latest change is not used (`service::session_cache`).
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// The number of such changes so far.
pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

/// Records such a change (the writers below call it; so do tests that edit the tables).
pub fn note_change() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A session with what a request needs of its user: read by every signed-in request, so it
/// leaves out the user's password hash and the columns no request uses.
#[derive(Debug, Clone, Queryable)]
pub struct SessionUser {
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub sponsor_id: Option<String>,
    pub disabled: bool,
    pub rights: String,
    pub second_factor: bool,
}

pub fn find_with_user(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<SessionUser>> {
    on_backend!(conn, c => sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((
            sessions::last_seen_at,
            sessions::expires_at,
            users::id,
            users::email,
            users::role,
            users::sponsor_id,
            users::disabled,
            users::rights,
            users::second_factor,
        ))
        .first(c)
        .optional())
}

/// Records use of the session at `at` unless a request has done so after `stale_before`.
///
/// The condition matters when several requests of one session arrive together, all finding
/// the session due for a touch: the first updates the row, the others wait for its commit and
/// then, the condition re-checked against the committed row, change nothing — instead of each
/// updating it again and waiting for its own commit in turn (one flush to disk each, in a
/// queue; `docs/benchmarks.md`, "Fixes").
pub fn touch(
    conn: &mut DbConnection,
    token_hash: &str,
    at: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(token_hash)
            .filter(sessions::last_seen_at.le(stale_before)),
    )
    .set(sessions::last_seen_at.eq(at))
    .execute(conn)
}

pub fn delete(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(token_hash))
        .execute(conn)
        .inspect(|_| note_change())
}

pub fn delete_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)))
        .execute(conn)
        .inspect(|_| note_change())
}

/// Removes sessions past their absolute end or idle since before `idle_cutoff`.
pub fn delete_expired(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    idle_cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.lt(idle_cutoff)),
        ),
    )
    .execute(conn)
    .inspect(|n| {
        if *n > 0 {
            note_change()
        }
    })
}
