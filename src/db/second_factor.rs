//! The second-factor tables: `totp_factors`, `recovery_codes` and `mfa_challenges`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{mfa_challenges, recovery_codes, totp_factors};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = totp_factors)]
pub struct TotpRow {
    pub user_id: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
}

pub fn find_totp(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<TotpRow>> {
    totp_factors::table
        .find(user_id)
        .select(TotpRow::as_select())
        .first(conn)
        .optional()
}

/// Replaces the user's authenticator (an unconfirmed one, or after a reset).
pub fn put_totp(conn: &mut DbConnection, row: &TotpRow) -> QueryResult<()> {
    delete_totp(conn, &row.user_id)?;
    diesel::insert_into(totp_factors::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete_totp(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(totp_factors::table.find(user_id)).execute(conn)
}

/// Records that the code of `step` was taken, if no code of this or a later step was: the
/// condition is in the UPDATE, so two requests with the same code cannot both pass.
pub fn take_step(
    conn: &mut DbConnection,
    user_id: &str,
    step: i64,
    confirm_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let fresh = totp_factors::last_step
        .is_null()
        .or(totp_factors::last_step.lt(step));
    let target = totp_factors::table.find(user_id).filter(fresh);
    let changed = match confirm_at {
        Some(at) => diesel::update(target)
            .set((
                totp_factors::last_step.eq(step),
                totp_factors::confirmed_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(totp_factors::last_step.eq(step))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = recovery_codes)]
pub struct RecoveryCodeRow {
    pub id: String,
    pub user_id: String,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Replaces the user's recovery codes.
pub fn replace_recovery_codes(
    conn: &mut DbConnection,
    user_id: &str,
    rows: &[RecoveryCodeRow],
) -> QueryResult<()> {
    delete_recovery_codes(conn, user_id)?;
    // one insert per row: a multi-row insert does not compile on the MultiConnection enum
    for row in rows {
        diesel::insert_into(recovery_codes::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_recovery_codes(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(conn)
}

/// Spends an unused recovery code of the user; false if there is none with this hash.
pub fn take_recovery_code(
    conn: &mut DbConnection,
    user_id: &str,
    code_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(code_hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(at))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn unused_recovery_codes(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mfa_challenges)]
pub struct ChallengeRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_challenge(conn: &mut DbConnection, row: &ChallengeRow) -> QueryResult<()> {
    diesel::insert_into(mfa_challenges::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The user of a live challenge.
pub fn challenge_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    mfa_challenges::table
        .find(token_hash)
        .filter(mfa_challenges::expires_at.gt(now))
        .select(mfa_challenges::user_id)
        .first(conn)
        .optional()
}

/// Spends a challenge; false if another request spent it first.
pub fn take_challenge(conn: &mut DbConnection, token_hash: &str) -> QueryResult<bool> {
    Ok(diesel::delete(mfa_challenges::table.find(token_hash)).execute(conn)? == 1)
}

/// Removes the user's challenges, and everyone's expired ones.
pub fn delete_challenges(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        mfa_challenges::table.filter(
            mfa_challenges::user_id
                .eq(user_id)
                .or(mfa_challenges::expires_at.le(now)),
        ),
    )
    .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::passkeys)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub credential: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn passkeys_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<PasskeyRow>> {
    use super::schema::passkeys;
    passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .order(passkeys::created_at.asc())
        .select(PasskeyRow::as_select())
        .load(conn)
}

pub fn insert_passkey(conn: &mut DbConnection, row: &PasskeyRow) -> QueryResult<()> {
    diesel::insert_into(super::schema::passkeys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_passkey(
    conn: &mut DbConnection,
    id: &str,
    credential: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    use super::schema::passkeys;
    diesel::update(passkeys::table.find(id))
        .set((
            passkeys::credential.eq(credential),
            passkeys::last_used_at.eq(at),
        ))
        .execute(conn)
}

pub fn delete_passkeys(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    use super::schema::passkeys;
    diesel::delete(passkeys::table.filter(passkeys::user_id.eq(user_id))).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::passkey_ceremonies)]
pub struct CeremonyRow {
    pub token_hash: String,
    pub user_id: String,
    pub purpose: String,
    pub state: String,
    pub expires_at: NaiveDateTime,
}

pub fn insert_ceremony(conn: &mut DbConnection, row: &CeremonyRow) -> QueryResult<()> {
    diesel::insert_into(super::schema::passkey_ceremonies::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Takes (deletes and returns) a live ceremony: each is used once.
pub fn take_ceremony(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<CeremonyRow>> {
    use super::schema::passkey_ceremonies as c;
    let row = c::table
        .find(token_hash)
        .filter(c::expires_at.gt(now))
        .select(CeremonyRow::as_select())
        .first(conn)
        .optional()?;
    if row.is_some() && diesel::delete(c::table.find(token_hash)).execute(conn)? == 0 {
        return Ok(None);
    }
    Ok(row)
}
