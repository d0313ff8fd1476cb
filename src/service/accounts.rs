//! Accounts and sessions: creating users, signing in and out, and turning a session token
//! back into the user it belongs to.

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::Connection;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{passwords, AppContext, ServiceError};
use crate::db::sessions::{self, SessionRow};
use crate::db::users::{self, NewUser, UserRow};
use crate::db::DbConnection;
use crate::domain::rights::{Rights, SponsorRight};
use crate::domain::{time, EmailAddress, Password, Role};

/// The signed-in user, as every use case sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AuthUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub sponsor_id: Option<String>,
    #[serde(skip)]
    pub session_hash: String,
    /// The user's rights for its sponsor (employers only; `domain::rights`).
    #[serde(skip)]
    pub rights: Rights,
    /// A staff account without a second factor under `KITDESK_DESK_MFA=required`: it may
    /// only enrol one (and see itself, and sign out).
    #[serde(skip)]
    pub must_enrol: bool,
}

/// A user as shown by the API: never the password hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub sponsor_id: Option<String>,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// What an employer user may do for its sponsor besides reading: `file`, `manage`.
    /// Empty for desk staff.
    pub rights: Vec<SponsorRight>,
    /// Whether a second factor is confirmed (sign-in then asks for a code).
    pub second_factor: bool,
}

impl TryFrom<UserRow> for UserView {
    type Error = ServiceError;

    fn try_from(row: UserRow) -> Result<Self, ServiceError> {
        Ok(UserView {
            rights: parse_rights(&row.rights)?.list(),
            second_factor: row.second_factor,
            role: parse_role(&row.role)?,
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            sponsor_id: row.sponsor_id,
            disabled: row.disabled,
            created_at: time::from_stored(row.created_at),
        })
    }
}

pub(crate) fn parse_rights(stored: &str) -> Result<Rights, ServiceError> {
    Rights::from_stored(stored)
        .map_err(|e| ServiceError::Internal(format!("stored rights {stored:?}: {e}")))
}

fn parse_role(stored: &str) -> Result<Role, ServiceError> {
    stored
        .parse()
        .map_err(|_| ServiceError::Internal(format!("stored role {stored:?} is unknown")))
}

/// A new account, already parsed.
#[derive(Debug)]
pub struct NewAccount {
    pub email: EmailAddress,
    pub display_name: Option<String>,
    pub password: Password,
    pub role: Role,
    pub sponsor_id: Option<String>,
}

/// Creates a user. Call on a blocking thread (hashes the password).
pub fn create_user(conn: &mut DbConnection, account: NewAccount) -> Result<UserView, ServiceError> {
    let hash = passwords::hash(&account.password)?;
    // An immediate write transaction on SQLite: a deferred one that reads and then writes
    // fails at once ("database is locked") when another writer got in between.
    crate::db::write_tx(conn, |conn| insert_user(conn, &account, &hash))
}

/// Inserts a user inside the caller's transaction (sponsor registration creates its first
/// user in the same transaction as the sponsor).
pub fn insert_user(
    conn: &mut DbConnection,
    account: &NewAccount,
    password_hash: &str,
) -> Result<UserView, ServiceError> {
    match (account.role, &account.sponsor_id) {
        (Role::Employer, None) => {
            return Err(ServiceError::validation(
                "sponsor_id",
                "is required for an employer user",
            ))
        }
        (Role::Employer, Some(sponsor)) => {
            if !crate::db::sponsors::exists(conn, sponsor)? {
                return Err(ServiceError::validation("sponsor_id", "no such sponsor"));
            }
        }
        (_, Some(_)) => {
            return Err(ServiceError::validation(
                "sponsor_id",
                "only employer users belong to a sponsor",
            ))
        }
        (_, None) => {}
    }
    let normalized = account.email.normalized();
    if users::find_by_email(conn, &normalized)?.is_some() {
        return Err(ServiceError::Conflict {
            code: "email_taken",
            message: "a user with this e-mail address already exists".into(),
            details: Some(serde_json::json!({"field": "email"})),
        });
    }
    let id = Uuid::now_v7().to_string();
    let now = time::now();
    // A sponsor's first user and employer users an administrator creates hold every right;
    // invited colleagues get theirs from the invitation (`colleagues::accept`).
    let rights = match account.role {
        Role::Employer => Rights::FULL.to_stored(),
        _ => String::new(),
    };
    users::insert(
        conn,
        &NewUser {
            id: &id,
            email: account.email.as_str(),
            email_normalized: &normalized,
            display_name: account.display_name.as_deref(),
            password_hash,
            role: account.role.as_str(),
            sponsor_id: account.sponsor_id.as_deref(),
            disabled: false,
            created_at: now,
            updated_at: now,
            rights: &rights,
        },
    )?;
    let row = users::find(conn, &id)?.ok_or(ServiceError::NotFound("user"))?;
    UserView::try_from(row)
}

pub fn list_users(conn: &mut DbConnection) -> Result<Vec<UserView>, ServiceError> {
    users::list(conn, None)?
        .into_iter()
        .map(UserView::try_from)
        .collect()
}

/// Disables or re-enables an account; disabling also ends its sessions at once.
pub fn set_disabled(
    conn: &mut DbConnection,
    actor: &AuthUser,
    user_id: &str,
    disabled: bool,
) -> Result<UserView, ServiceError> {
    if disabled && actor.id == user_id {
        return Err(ServiceError::conflict(
            "cannot_disable_self",
            "an administrator cannot disable their own account",
        ));
    }
    conn.transaction(|conn| {
        let changed = users::set_disabled(conn, user_id, disabled, time::now())?;
        if changed == 0 {
            return Err(ServiceError::NotFound("user"));
        }
        if disabled {
            sessions::delete_for_user(conn, user_id)?;
        }
        let row = users::find(conn, user_id)?.ok_or(ServiceError::NotFound("user"))?;
        UserView::try_from(row)
    })
}

/// A fresh session: the token goes to the client once; only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub user: UserView,
    pub expires_at: NaiveDateTime,
}

/// What a correct password leads to: a session, or, for an account with a second factor, a
/// challenge to answer with a code (`mfa::complete_challenge`).
pub enum LoginOutcome {
    Session(NewSession),
    SecondFactor(super::mfa::Challenge),
}

/// Signs in. Unknown address, wrong password and disabled account give the same error after
/// the same work (one argon2 verification), so neither the answer nor its timing tells which.
/// The verification runs on the hashing pool with no database connection held, so that a
/// flood of sign-ins cannot take the pool's connections from other requests.
pub async fn login(
    ctx: &AppContext,
    email: String,
    password: String,
) -> Result<LoginOutcome, ServiceError> {
    let normalized = email.trim().to_lowercase();
    let user = ctx
        .run(move |conn, _| Ok(users::find_by_email(conn, &normalized)?))
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords::verify_in_pool(password, stored).await?;
    match user {
        Some(user) if matches && !user.disabled => {
            ctx.run(move |conn, ctx| {
                if user.second_factor {
                    super::mfa::start_challenge(conn, &user.id).map(LoginOutcome::SecondFactor)
                } else {
                    start_session(conn, ctx, user).map(LoginOutcome::Session)
                }
            })
            .await
        }
        _ => Err(ServiceError::InvalidCredentials),
    }
}

/// A new session for a user whose password (and second factor, if any) was verified.
pub(crate) fn start_session(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: UserRow,
) -> Result<NewSession, ServiceError> {
    let token = new_token();
    let now = time::now();
    let expires_at = now + ctx.settings.session_absolute;
    sessions::insert(
        conn,
        &SessionRow {
            token_hash: token_hash(&token),
            user_id: user.id.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at,
        },
    )?;
    Ok(NewSession {
        token,
        user: UserView::try_from(user)?,
        expires_at,
    })
}

pub fn logout(conn: &mut DbConnection, user: &AuthUser) -> Result<(), ServiceError> {
    sessions::delete(conn, &user.session_hash)?;
    Ok(())
}

/// Writes to `last_seen_at` at most this often: every authenticated request would otherwise
/// be a write.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// The user a token belongs to, if its session is alive: not idle for longer than the idle
/// timeout and not past its absolute end. Expired sessions are deleted on sight.
pub fn authenticate(
    conn: &mut DbConnection,
    ctx: &AppContext,
    token: &str,
) -> Result<AuthUser, ServiceError> {
    if token.is_empty() || token.len() > 128 {
        return Err(ServiceError::Unauthenticated);
    }
    let hash = token_hash(token);
    let changes = sessions::changes();
    let Some(mut session) = sessions::find_with_user(conn, &hash)? else {
        return Err(ServiceError::Unauthenticated);
    };
    let now = time::now();
    let idle_expired = now - session.last_seen_at > ctx.settings.session_idle;
    if idle_expired || now >= session.expires_at || session.disabled {
        sessions::delete(conn, &hash)?;
        return Err(ServiceError::Unauthenticated);
    }
    let stale_before = now - chrono::Duration::seconds(TOUCH_EVERY_SECONDS);
    if session.last_seen_at <= stale_before {
        sessions::touch(conn, &hash, now, stale_before)?;
        session.last_seen_at = now;
    }
    let user = auth_user(ctx, &session, hash.clone())?;
    ctx.sessions.put(hash, session, changes);
    Ok(user)
}

/// [`authenticate`] from the sessions read a moment ago, without the database; `None` when
/// the database must answer (not cached, changed since, expired, or due for its touch).
pub fn authenticate_cached(ctx: &AppContext, token: &str) -> Option<AuthUser> {
    if token.is_empty() || token.len() > 128 {
        return None;
    }
    let hash = token_hash(token);
    let session = ctx.sessions.get(&hash)?;
    let now = time::now();
    let touch_before = now - chrono::Duration::seconds(TOUCH_EVERY_SECONDS);
    if !super::session_cache::usable(&session, now, ctx.settings.session_idle, touch_before) {
        return None;
    }
    auth_user(ctx, &session, hash).ok()
}

fn auth_user(
    ctx: &AppContext,
    session: &sessions::SessionUser,
    session_hash: String,
) -> Result<AuthUser, ServiceError> {
    let role = parse_role(&session.role)?;
    Ok(AuthUser {
        role,
        id: session.user_id.clone(),
        email: session.email.clone(),
        sponsor_id: session.sponsor_id.clone(),
        session_hash,
        rights: parse_rights(&session.rights)?,
        must_enrol: super::mfa::must_enrol(ctx.settings.desk_mfa, role, session.second_factor),
    })
}

/// Deletes sessions that can no longer be used; returns how many.
pub fn purge_expired_sessions(
    conn: &mut DbConnection,
    ctx: &AppContext,
) -> Result<usize, ServiceError> {
    let now = time::now();
    Ok(sessions::delete_expired(
        conn,
        now,
        now - ctx.settings.session_idle,
    )?)
}

/// 256 random bits, base64url without padding (43 characters).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
