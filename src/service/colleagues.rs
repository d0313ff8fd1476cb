//! Colleagues: a sponsor's employer users beyond the first. A user with the sponsor's
//! `manage` right invites colleagues by e-mail with the rights they get, lists the sponsor's
//! users and invitations, disables and re-enables users and changes their rights. The
//! invitation's link works once, for [`INVITATION_VALID_FOR_HOURS`] hours; its token is
//! stored only as a hash. A sponsor always keeps at least one enabled manager.
//!
//! Every change is audited in its own transaction; disabling ends the user's sessions.

use chrono::Duration;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::accounts::{self, new_token, parse_rights, token_hash, AuthUser, NewAccount, UserView};
use super::password_reset::invalid_token;
use super::{audit, passwords, AppContext, ServiceError};
use crate::db::invitations::{self, InvitationRow};
use crate::db::{self as database, sessions, sponsors, users, DbConnection};
use crate::domain::rights::{Rights, SponsorRight};
use crate::domain::{time, EmailAddress, Password, Role};
use crate::notify::account_mail::{invitation_mail, InvitationMail, INVITATION};
use crate::notify::enqueue::{outbox_row, Links};

/// How long an invitation's link works.
pub const INVITATION_VALID_FOR_HOURS: i64 = 72;

/// An invitation as the sponsor's managers see it (never its token).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub rights: Vec<SponsorRight>,
    pub invited_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Whether the link has expired unused (invite again to send a new one).
    pub expired: bool,
}

impl InvitationView {
    fn from_row(row: InvitationRow) -> Result<Self, ServiceError> {
        Ok(InvitationView {
            rights: parse_rights(&row.rights)?.list(),
            expired: row.expires_at <= time::now(),
            id: row.id,
            email: row.email,
            invited_by: row.invited_by,
            created_at: time::from_stored(row.created_at),
            expires_at: time::from_stored(row.expires_at),
        })
    }
}

/// The rights in words, for mails and pages: (English, Korean).
pub fn rights_in_words(rights: Rights) -> (String, String) {
    let mut en = Vec::new();
    let mut ko = Vec::new();
    if rights.file {
        en.push("filing cases");
        ko.push("신청 제출");
    }
    if rights.manage {
        en.push("managing the company's users");
        ko.push("회사 사용자 관리");
    }
    if en.is_empty() {
        return ("reading only".into(), "조회만".into());
    }
    (en.join(", "), ko.join(", "))
}

/// Only the sponsor's own managers manage its users. Another sponsor's user is told the
/// sponsor does not exist (as everywhere else); the desk and admins are refused.
fn require_manager(user: &AuthUser, sponsor_id: &str) -> Result<(), ServiceError> {
    match user.role {
        Role::Employer if user.sponsor_id.as_deref() == Some(sponsor_id) => {
            if user.rights.manage {
                Ok(())
            } else {
                Err(ServiceError::Forbidden(
                    "only the sponsor's managers manage its users".into(),
                ))
            }
        }
        Role::Employer => Err(ServiceError::NotFound("sponsor")),
        _ => Err(ServiceError::Forbidden(
            "a sponsor's users are managed by the sponsor's own managers".into(),
        )),
    }
}

/// Invites `email` to the manager's sponsor with `rights`; mails the link (Korean and
/// English). A new invitation to the same address replaces an unaccepted one.
pub fn invite(
    conn: &mut DbConnection,
    ctx: &AppContext,
    actor: &AuthUser,
    sponsor_id: &str,
    email: EmailAddress,
    rights: Rights,
) -> Result<InvitationView, ServiceError> {
    require_manager(actor, sponsor_id)?;
    database::write_tx(conn, |conn| {
        let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        let normalized = email.normalized();
        if users::find_by_email(conn, &normalized)?.is_some() {
            return Err(ServiceError::Conflict {
                code: "email_taken",
                message: "this address already has an account".into(),
                details: Some(json!({"field": "email"})),
            });
        }
        invitations::delete_pending(conn, sponsor_id, &normalized)?;
        let token = new_token();
        let now = time::now();
        let row = InvitationRow {
            id: Uuid::now_v7().to_string(),
            token_hash: token_hash(&token),
            sponsor_id: sponsor_id.to_owned(),
            email: email.as_str().to_owned(),
            email_normalized: normalized,
            rights: rights.to_stored(),
            invited_by: actor.id.clone(),
            created_at: now,
            expires_at: now + Duration::hours(INVITATION_VALID_FOR_HOURS),
            accepted_at: None,
            accepted_user_id: None,
        };
        invitations::insert(conn, &row)?;
        let inviter = users::find(conn, &actor.id)?
            .and_then(|u| u.display_name)
            .unwrap_or_else(|| actor.email.clone());
        let (rights_en, rights_ko) = rights_in_words(rights);
        let mail = invitation_mail(&InvitationMail {
            address: row.email.clone(),
            inviter,
            sponsor_en: sponsor.legal_name.clone(),
            sponsor_ko: sponsor.legal_name_ko.clone(),
            rights_en,
            rights_ko,
            url: Links(&ctx.settings.public_url).invitation(&token),
            expires_at: time::from_stored(row.expires_at),
        })
        .map_err(|e| ServiceError::Internal(format!("invitation mail: {e}")))?;
        crate::db::outbox::insert_many(
            conn,
            &[outbox_row(
                INVITATION,
                "employer",
                &row.email,
                None,
                Some(sponsor_id),
                &mail,
                now,
            )],
        )?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(actor),
                "sponsor.colleague_invited",
                None,
                Some(sponsor_id),
                json!({"invitation_id": row.id, "rights": row.rights}),
            )],
        )?;
        InvitationView::from_row(row)
    })
}

/// The sponsor's unaccepted invitations (managers only).
pub fn pending_invitations(
    conn: &mut DbConnection,
    actor: &AuthUser,
    sponsor_id: &str,
) -> Result<Vec<InvitationView>, ServiceError> {
    require_manager(actor, sponsor_id)?;
    invitations::pending_for_sponsor(conn, sponsor_id)?
        .into_iter()
        .map(InvitationView::from_row)
        .collect()
}

/// The sponsor's users (managers only), oldest first.
pub fn list_users(
    conn: &mut DbConnection,
    actor: &AuthUser,
    sponsor_id: &str,
) -> Result<Vec<UserView>, ServiceError> {
    require_manager(actor, sponsor_id)?;
    users::list(conn, Some(sponsor_id))?
        .into_iter()
        .map(UserView::try_from)
        .collect()
}

/// Accepts an invitation: creates the employer user with the invited rights. The password
/// is hashed on the hashing pool before a connection is taken.
pub async fn accept(
    ctx: &AppContext,
    token: String,
    password: Password,
    display_name: String,
) -> Result<UserView, ServiceError> {
    if token.is_empty() || token.len() > 128 {
        return Err(invalid_token());
    }
    let hash = passwords::hash_in_pool(password.clone()).await?;
    ctx.run(move |conn, _| {
        database::write_tx(conn, |conn| {
            let now = time::now();
            let invitation =
                invitations::take(conn, &token_hash(&token), now)?.ok_or_else(invalid_token)?;
            let email = EmailAddress::parse(&invitation.email)
                .map_err(|e| ServiceError::Internal(format!("stored invitation address: {e}")))?;
            let user = accounts::insert_user(
                conn,
                &NewAccount {
                    email,
                    display_name: Some(display_name.clone()),
                    password: password.clone(),
                    role: Role::Employer,
                    sponsor_id: Some(invitation.sponsor_id.clone()),
                },
                &hash,
            )?;
            users::set_rights(conn, &user.id, &invitation.rights, now)?;
            invitations::set_accepted_user(conn, &invitation.id, &user.id)?;
            database::audit::append(
                conn,
                &[audit::entry(
                    None,
                    "sponsor.colleague_joined",
                    None,
                    Some(&invitation.sponsor_id),
                    json!({"invitation_id": invitation.id, "user_id": user.id, "rights": invitation.rights}),
                )],
            )?;
            let row = users::find(conn, &user.id)?.ok_or(ServiceError::NotFound("user"))?;
            UserView::try_from(row)
        })
    })
    .await
}

/// What a manager changes about a colleague.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColleagueChange {
    pub disabled: Option<bool>,
    pub rights: Option<Rights>,
}

/// Disables, re-enables or changes the rights of one of the sponsor's users (managers only),
/// refusing any change that would leave the sponsor without an enabled manager (409
/// `last_manager`). Disabling ends the user's sessions.
pub fn update_user(
    conn: &mut DbConnection,
    actor: &AuthUser,
    sponsor_id: &str,
    user_id: &str,
    change: ColleagueChange,
) -> Result<UserView, ServiceError> {
    require_manager(actor, sponsor_id)?;
    database::write_tx(conn, |conn| {
        let now = time::now();
        // Writing the sponsor's row first takes its row lock on PostgreSQL (SQLite's write
        // transaction is exclusive already): two managers disabling each other at once are
        // serialized, and the second sees that it would leave no manager.
        if sponsors::touch(conn, sponsor_id, now)? == 0 {
            return Err(ServiceError::NotFound("sponsor"));
        }
        let target = users::find(conn, user_id)?
            .filter(|u| u.sponsor_id.as_deref() == Some(sponsor_id))
            .ok_or(ServiceError::NotFound("user"))?;
        let before = parse_rights(&target.rights)?;
        let after_rights = change.rights.unwrap_or(before);
        let after_disabled = change.disabled.unwrap_or(target.disabled);
        let stays_manager = after_rights.manage && !after_disabled;
        if !stays_manager {
            let others = users::active_managers(conn, sponsor_id)?
                .into_iter()
                .filter(|u| u.id != target.id)
                .count();
            if others == 0 {
                return Err(ServiceError::conflict(
                    "last_manager",
                    "a sponsor keeps at least one enabled manager: give another user the manage right first",
                ));
            }
        }
        if after_rights != before {
            users::set_rights(conn, &target.id, &after_rights.to_stored(), now)?;
        }
        if after_disabled != target.disabled {
            users::set_disabled(conn, &target.id, after_disabled, now)?;
            if after_disabled {
                sessions::delete_for_user(conn, &target.id)?;
            }
        }
        database::audit::append(
            conn,
            &[audit::entry(
                Some(actor),
                "sponsor.colleague_changed",
                None,
                Some(sponsor_id),
                json!({
                    "user_id": target.id,
                    "before": {"disabled": target.disabled, "rights": before.to_stored()},
                    "after": {"disabled": after_disabled, "rights": after_rights.to_stored()},
                }),
            )],
        )?;
        let row = users::find(conn, &target.id)?.ok_or(ServiceError::NotFound("user"))?;
        UserView::try_from(row)
    })
}
