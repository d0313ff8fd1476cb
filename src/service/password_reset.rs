//! Password reset: a person who forgot their password asks for a link by e-mail address,
//! and the link's page sets a new one.
//!
//! - Asking always gets the same answer, whether or not the address has an account (and a
//!   disabled account gets no link): who has an account is not for strangers to learn.
//! - The link carries 256 random bits; only their SHA-256 is stored. It works once, for
//!   [`RESET_VALID_FOR_MINUTES`] minutes; asking again replaces the unused links.
//! - Setting the new password ends every session of the account, and is audited.
//! - Both steps are throttled by the HTTP layer (`throttle::AccountThrottle`).

use chrono::Duration;
use serde_json::json;

use super::accounts::{new_token, token_hash};
use super::{audit, passwords, AppContext, FieldError, ServiceError};
use crate::db::password_resets::{self, PasswordResetRow};
use crate::db::{self as database, sessions, users, DbConnection};
use crate::domain::{time, Password, Role};
use crate::notify::account_mail::{password_reset_mail, PasswordResetMail, PASSWORD_RESET};
use crate::notify::enqueue::{outbox_row, Links};

/// How long a reset link works.
pub const RESET_VALID_FOR_MINUTES: i64 = 30;

/// The outbox audience of a mail to an account holder.
pub fn audience_of(role: Role) -> &'static str {
    match role {
        Role::Employer => "employer",
        _ => "staff",
    }
}

/// Queues a reset link for `email` if it names an enabled account; answers the same either
/// way.
pub fn request_reset(
    conn: &mut DbConnection,
    ctx: &AppContext,
    email: &str,
) -> Result<(), ServiceError> {
    let normalized = email.trim().to_lowercase();
    database::write_tx(conn, |conn| {
        let Some(user) = users::find_by_email(conn, &normalized)? else {
            return Ok(());
        };
        if user.disabled {
            return Ok(());
        }
        let role: Role = user
            .role
            .parse()
            .map_err(|_| ServiceError::Internal(format!("stored role {:?}", user.role)))?;
        let token = new_token();
        let now = time::now();
        let expires_at = now + Duration::minutes(RESET_VALID_FOR_MINUTES);
        // one link at a time: a newer request makes the older links useless
        password_resets::delete_unused_for_user(conn, &user.id)?;
        password_resets::insert(
            conn,
            &PasswordResetRow {
                token_hash: token_hash(&token),
                user_id: user.id.clone(),
                created_at: now,
                expires_at,
                used_at: None,
            },
        )?;
        let mail = password_reset_mail(&PasswordResetMail {
            address: user.email.clone(),
            url: Links(&ctx.settings.public_url).password_reset(&token),
            expires_at: time::from_stored(expires_at),
        })
        .map_err(|e| ServiceError::Internal(format!("password reset mail: {e}")))?;
        crate::db::outbox::insert_many(
            conn,
            &[outbox_row(
                PASSWORD_RESET,
                audience_of(role),
                &user.email,
                None,
                user.sponsor_id.as_deref(),
                &mail,
                now,
            )],
        )?;
        database::audit::append(
            conn,
            &[audit::entry(
                None,
                "account.password_reset_requested",
                None,
                Some(&user.id),
                json!({}),
            )],
        )?;
        Ok(())
    })
}

/// The error of a token that is unknown, used or expired (one answer for all three).
pub fn invalid_token() -> ServiceError {
    ServiceError::Unprocessable {
        code: "invalid_token",
        errors: vec![FieldError {
            field: "token".into(),
            message: "this link is unknown, already used or expired; ask for a new one".into(),
        }],
    }
}

/// Sets a new password with a reset link's token, ends every session of the account and
/// spends the token. The password is hashed on the hashing pool before a connection is taken.
pub async fn confirm_reset(
    ctx: &AppContext,
    token: String,
    password: Password,
) -> Result<(), ServiceError> {
    if token.is_empty() || token.len() > 128 {
        return Err(invalid_token());
    }
    let hash = passwords::hash_in_pool(password).await?;
    ctx.run(move |conn, _| {
        database::write_tx(conn, |conn| {
            let now = time::now();
            let Some(user_id) = password_resets::take(conn, &token_hash(&token), now)? else {
                return Err(invalid_token());
            };
            users::set_password_hash(conn, &user_id, &hash, now)?;
            let ended = sessions::delete_for_user(conn, &user_id)?;
            password_resets::delete_unused_for_user(conn, &user_id)?;
            database::audit::append(
                conn,
                &[audit::entry(
                    None,
                    "account.password_reset",
                    None,
                    Some(&user_id),
                    json!({"sessions_ended": ended}),
                )],
            )?;
            tracing::info!(user_id = %user_id, sessions_ended = ended, "password reset");
            Ok(())
        })
    })
    .await
}
