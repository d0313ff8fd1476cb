//! Looking after the mail outbox: listing rows and sending a dead one again. For
//! administrators (and the `kitdesk outbox` command line): they run the system but read no
//! case records, so a listing shows recipients masked and never a mail's content.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::accounts::AuthUser;
use super::{audit, FieldErrors, ServiceError};
use crate::db::outbox::{self as rows, OutboxRow};
use crate::db::{self as database, DbConnection};
use crate::domain::email::mask_email;
use crate::domain::{time, Role};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub state: Option<String>,
    pub limit: Option<i64>,
}

/// One outbox row as an administrator sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: String,
    pub kind: String,
    pub audience: String,
    /// `m***@example.kr`: enough to tell rows apart, not to read anyone's address.
    pub recipient: String,
    pub message_id: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for OutboxItem {
    fn from(r: OutboxRow) -> Self {
        OutboxItem {
            recipient: mask_email(&r.recipient),
            id: r.id,
            kind: r.kind,
            audience: r.audience,
            message_id: r.message_id,
            state: r.state,
            attempts: r.attempts,
            next_attempt_at: time::from_stored(r.next_attempt_at),
            claimed_by: r.claimed_by,
            last_error: r.last_error,
            created_at: time::from_stored(r.created_at),
            sent_at: r.sent_at.map(time::from_stored),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxItem>,
    /// Rows per state, over the whole outbox.
    pub counts: serde_json::Value,
}

/// The newest rows, optionally of one state (pending, sending, sent, dead).
pub fn list(conn: &mut DbConnection, query: OutboxQuery) -> Result<OutboxPage, ServiceError> {
    let mut errors = FieldErrors::new();
    if let Some(state) = &query.state {
        if !rows::STATES.contains(&state.as_str()) {
            errors.add(
                "state",
                format!("must be one of {}", rows::STATES.join(", ")),
            );
        }
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
    }
    errors.finish()?;
    let items = rows::list(conn, query.state.as_deref(), limit)?
        .into_iter()
        .map(OutboxItem::from)
        .collect();
    let mut counts = serde_json::Map::new();
    for state in rows::STATES {
        counts.insert(state.to_owned(), json!(0));
    }
    for (state, n) in rows::count_by_state(conn)? {
        counts.insert(state, json!(n));
    }
    Ok(OutboxPage {
        items,
        counts: serde_json::Value::Object(counts),
    })
}

/// [`list`], for a signed-in administrator.
pub fn list_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    query: OutboxQuery,
) -> Result<OutboxPage, ServiceError> {
    if user.role != Role::Admin {
        return Err(ServiceError::Forbidden(
            "the mail outbox is for administrators".into(),
        ));
    }
    list(conn, query)
}

/// Makes a dead (or waiting) row due now with a fresh count of tries. Recorded in the audit
/// trail as the system's act (the command line has no signed-in user).
pub fn retry(conn: &mut DbConnection, id: &str) -> Result<OutboxItem, ServiceError> {
    retry_by(conn, None, id)
}

/// [`retry`] by a signed-in administrator (the admin outbox page), audited as theirs.
pub fn retry_as(
    conn: &mut DbConnection,
    actor: &AuthUser,
    id: &str,
) -> Result<OutboxItem, ServiceError> {
    if actor.role != Role::Admin {
        return Err(ServiceError::Forbidden(
            "the mail outbox is for administrators".into(),
        ));
    }
    retry_by(conn, Some(actor), id)
}

fn retry_by(
    conn: &mut DbConnection,
    actor: Option<&AuthUser>,
    id: &str,
) -> Result<OutboxItem, ServiceError> {
    let id = uuid::Uuid::parse_str(id.trim())
        .map(|u| u.to_string())
        .map_err(|_| ServiceError::NotFound("outbox message"))?;
    database::write_tx(conn, |conn| {
        let before = rows::retry_now(conn, &id, time::now())?;
        match before.as_deref() {
            None => Err(ServiceError::NotFound("outbox message")),
            Some(rows::SENT) => Err(ServiceError::conflict(
                "already_sent",
                "the message was already sent",
            )),
            Some(rows::SENDING) => Err(ServiceError::conflict(
                "being_sent",
                "a worker is sending the message right now",
            )),
            Some(_) => {
                database::audit::append(
                    conn,
                    &[audit::entry(
                        actor,
                        "outbox.retried",
                        None,
                        Some(&id),
                        json!({"before": {"state": before}, "after": {"state": rows::PENDING}}),
                    )],
                )?;
                Ok(())
            }
        }
    })?;
    let row = rows::find(conn, &id)?.ok_or(ServiceError::NotFound("outbox message"))?;
    Ok(row.into())
}
