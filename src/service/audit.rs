//! Recording and checking the audit trail.

use serde_json::Value;

use super::accounts::AuthUser;
use super::ServiceError;
use crate::db::audit::{self, AuditEntry, AuditRow, GENESIS};
use crate::db::DbConnection;
use crate::domain::time;

/// An entry for `action` by `actor` (None: the system or an anonymous registrant).
pub fn entry(
    actor: Option<&AuthUser>,
    action: &str,
    case_id: Option<&str>,
    subject_id: Option<&str>,
    summary: Value,
) -> AuditEntry {
    AuditEntry {
        occurred_at: time::now(),
        actor_id: actor.map(|a| a.id.clone()),
        actor_role: actor
            .map(|a| a.role.as_str().to_owned())
            .unwrap_or_else(|| "system".into()),
        action: action.to_owned(),
        case_id: case_id.map(str::to_owned),
        subject_id: subject_id.map(str::to_owned),
        summary: summary.to_string(),
    }
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainReport {
    pub rows_checked: u64,
    /// The first row whose stored hashes do not match, if any.
    pub first_broken_seq: Option<i64>,
    pub problem: Option<String>,
}

/// Walks the chain from the first row, recomputing every hash.
pub fn verify_chain(conn: &mut DbConnection) -> Result<ChainReport, ServiceError> {
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    let mut after = 0i64;
    loop {
        let rows = audit::page(conn, after, 1000)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if let Some(problem) = check_row(row, expected_seq, &prev_hash) {
                return Ok(ChainReport {
                    rows_checked: checked,
                    first_broken_seq: Some(row.seq),
                    problem: Some(problem),
                });
            }
            checked += 1;
            expected_seq = row.seq + 1;
            prev_hash = row.hash.clone();
            after = row.seq;
        }
    }
    Ok(ChainReport {
        rows_checked: checked,
        first_broken_seq: None,
        problem: None,
    })
}

fn check_row(row: &AuditRow, expected_seq: i64, prev_hash: &str) -> Option<String> {
    if row.seq != expected_seq {
        return Some(format!(
            "row {expected_seq} is missing (next row is {})",
            row.seq
        ));
    }
    if row.prev_hash != prev_hash {
        return Some("its prev_hash does not match the previous row's hash".into());
    }
    if audit::row_hash(prev_hash, row.seq, &row.entry()) != row.hash {
        return Some("its content does not match its hash (the row was altered)".into());
    }
    None
}
