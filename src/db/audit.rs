//! The append-only, hash-chained `audit_log`.
//!
//! Appending reads the last row and writes the next under a lock that orders all appends:
//! on PostgreSQL a transaction-scoped advisory lock (held until commit, across instances), on
//! SQLite the write lock its `BEGIN IMMEDIATE` already holds. Call [`append`] inside the
//! transaction of the change it records, as late as possible, to hold the lock briefly.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::literal_limit::LiteralLimitDsl;
use super::schema::audit_log;
use super::DbConnection;

/// Hash that the first row chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Any number unique to this lock in the application.
const AUDIT_LOCK_KEY: i64 = 0x6b69_7464_6573_6b01;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub case_id: Option<String>,
    pub subject_id: Option<String>,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What happened, before it is chained.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub case_id: Option<String>,
    pub subject_id: Option<String>,
    /// JSON: a before/after summary, never secrets or passport numbers.
    pub summary: String,
}

/// The hash of a row: SHA-256 over the previous hash and every field, length-prefixed so
/// that no two different rows serialize alike.
pub fn row_hash(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let timestamp = entry
        .occurred_at
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    let fields: [&str; 7] = [
        prev_hash,
        &timestamp,
        entry.actor_id.as_deref().unwrap_or(""),
        &entry.actor_role,
        &entry.action,
        entry.case_id.as_deref().unwrap_or(""),
        entry.subject_id.as_deref().unwrap_or(""),
    ];
    h.update(seq.to_be_bytes());
    for field in fields
        .iter()
        .chain(std::iter::once(&entry.summary.as_str()))
    {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends entries in order; returns their sequence numbers.
pub fn append(conn: &mut DbConnection, entries: &[AuditEntry]) -> QueryResult<Vec<i64>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    if let DbConnection::Pg(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})"))
            .execute(conn)?;
    }
    let last: Option<(i64, String)> = audit_log::table
        .select((audit_log::seq, audit_log::hash))
        .order(audit_log::seq.desc())
        .limit_literal(1)
        .get_result(conn)
        .optional()?;
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        let hash = row_hash(&prev, seq, entry);
        rows.push(AuditRow {
            seq,
            occurred_at: entry.occurred_at,
            actor_id: entry.actor_id.clone(),
            actor_role: entry.actor_role.clone(),
            action: entry.action.clone(),
            case_id: entry.case_id.clone(),
            subject_id: entry.subject_id.clone(),
            summary: entry.summary.clone(),
            prev_hash: prev.clone(),
            hash: hash.clone(),
        });
        prev = hash;
    }
    // Multi-row inserts do not compile on the MultiConnection enum: match on the backend.
    for chunk in rows.chunks(500) {
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(audit_log::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(audit_log::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(rows.iter().map(|r| r.seq).collect())
}

pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::case_id.eq(case_id))
        .select(AuditRow::as_select())
        .order(audit_log::seq.asc())
        .load(conn)
}

/// Rows with `seq > after`, in order, at most `limit`.
pub fn page(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::seq.gt(after))
        .select(AuditRow::as_select())
        .order(audit_log::seq.asc())
        .limit_literal(limit)
        .load(conn)
}

impl AuditRow {
    pub fn entry(&self) -> AuditEntry {
        AuditEntry {
            occurred_at: self.occurred_at,
            actor_id: self.actor_id.clone(),
            actor_role: self.actor_role.clone(),
            action: self.action.clone(),
            case_id: self.case_id.clone(),
            subject_id: self.subject_id.clone(),
            summary: self.summary.clone(),
        }
    }
}
