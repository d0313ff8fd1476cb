//! The append-only, hash-chained `audit_log`.
//!
//! Appending reads the last row and writes the next under a lock that orders all appends:
//! on PostgreSQL a transaction-scoped advisory lock (held until commit, across instances), on
//! SQLite the write lock its `BEGIN IMMEDIATE` already holds. Call [`append`] inside the
//! transaction of the change it records, as late as possible, to hold the lock briefly.
//!
//! Rows are chained with HMAC-SHA256 under the audit key (chain version 2), so that someone
//! who can write to the database but does not hold `KITDESK_SECRET_KEY` cannot forge, edit or
//! renumber rows and recompute the links. Rows written before the key was used keep their
//! plain SHA-256 links (version 1). The key reaches [`append`] through [`with_chain_key`],
//! which `AppContext::run` wraps around every unit of work: the database layer never stores
//! it, and callers keep their signature.

use std::cell::{Cell, RefCell};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::literal_limit::LiteralLimitDsl;
use super::schema::audit_log;
use super::DbConnection;

/// Hash that the first row chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Plain SHA-256 links (rows written before the chain was keyed).
pub const CHAIN_V1: i32 = 1;
/// HMAC-SHA256 links under the audit key.
pub const CHAIN_V2: i32 = 2;

thread_local! {
    static CHAIN_KEY: Cell<Option<[u8; 32]>> = const { Cell::new(None) };
    /// Entries held back by [`deferred`] on this thread, appended when it ends.
    static HELD: RefCell<Option<Vec<AuditEntry>>> = const { RefCell::new(None) };
}

/// Runs `work` inside the caller's transaction with this thread's appends held back, then
/// appends them, in order, at once. For a transaction that books many changes one after
/// another (the demo seed's case moves): each change appends as it always does, but the
/// chain's lock is taken once, at the end, and held only until the commit, instead of from
/// the first change on, which would make every other writer wait for the whole transaction.
/// When `work` fails, nothing held is appended (the caller's transaction rolls back).
pub fn deferred<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            HELD.with(|held| held.borrow_mut().take());
        }
    }
    if HELD.with(|held| held.borrow().is_some()) {
        // Already inside a deferral: its end appends these too.
        return work(conn);
    }
    HELD.with(|held| *held.borrow_mut() = Some(Vec::new()));
    let release = Release;
    let value = work(conn)?;
    let entries = HELD
        .with(|held| held.borrow_mut().take())
        .unwrap_or_default();
    drop(release);
    append(conn, &entries)?;
    Ok(value)
}

/// Runs `work` with `key` as the audit chain key of this thread (restored afterwards, also
/// on unwinding).
pub fn with_chain_key<T>(key: [u8; 32], work: impl FnOnce() -> T) -> T {
    struct Restore(Option<[u8; 32]>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CHAIN_KEY.with(|k| k.set(self.0));
        }
    }
    let _restore = Restore(CHAIN_KEY.with(|k| k.replace(Some(key))));
    work()
}

/// Any number unique to this lock in the application.
const AUDIT_LOCK_KEY: i64 = 0x6b69_7464_6573_6b01;

/// The chain's head under its lock, on PostgreSQL, as a typed SQL function.
mod chain_head {
    use diesel::sql_types::BigInt;

    /// The function's result: the newest row's (seq, hash).
    type Head = diesel::pg::sql_types::Record<(
        diesel::sql_types::Nullable<BigInt>,
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
    )>;

    diesel::define_sql_function! {
        /// Waits for the transaction-scoped advisory lock on `key` (held until the
        /// transaction ends), then reads the newest row's (seq, hash), both NULL on an empty
        /// chain: PL/pgSQL (migration 000067), one prepared call instead of two statements.
        fn audit_chain_head(key: BigInt) -> Head;
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
// `None` is stored as NULL (every such column's default), which lets diesel keep the insert
// prepared (`db::insert_rows!`).
#[diesel(treat_none_as_default_value = false)]
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
    pub chain_version: i32,
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

/// Feeds the previous hash, the sequence number and every field to `update`, length-prefixed
/// so that no two different rows serialize alike.
fn feed_row(prev_hash: &str, seq: i64, entry: &AuditEntry, mut update: impl FnMut(&[u8])) {
    let timestamp = entry
        .occurred_at
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    let fields: [&str; 8] = [
        prev_hash,
        &timestamp,
        entry.actor_id.as_deref().unwrap_or(""),
        &entry.actor_role,
        &entry.action,
        entry.case_id.as_deref().unwrap_or(""),
        entry.subject_id.as_deref().unwrap_or(""),
        &entry.summary,
    ];
    update(&seq.to_be_bytes());
    for field in fields {
        update(&(field.len() as u64).to_be_bytes());
        update(field.as_bytes());
    }
}

/// The version 1 link of a row: SHA-256 over the previous hash and every field.
pub fn row_hash(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    feed_row(prev_hash, seq, entry, |bytes| h.update(bytes));
    hex::encode(h.finalize())
}

/// The version 2 link of a row: HMAC-SHA256 under the audit key over the same bytes.
pub fn row_mac(key: &[u8; 32], prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail on 32 bytes.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"kitdesk/audit-row/v2");
    feed_row(prev_hash, seq, entry, |bytes| mac.update(bytes));
    hex::encode(mac.finalize().into_bytes())
}

/// The link a row of `version` should carry.
pub fn link(
    version: i32,
    key: &[u8; 32],
    prev_hash: &str,
    seq: i64,
    entry: &AuditEntry,
) -> Option<String> {
    match version {
        CHAIN_V1 => Some(row_hash(prev_hash, seq, entry)),
        CHAIN_V2 => Some(row_mac(key, prev_hash, seq, entry)),
        _ => None,
    }
}

/// Appends entries in order; returns their sequence numbers (none yet inside [`deferred`],
/// which holds the entries back until it ends).
pub fn append(conn: &mut DbConnection, entries: &[AuditEntry]) -> QueryResult<Vec<i64>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let held = HELD.with(|held| match held.borrow_mut().as_mut() {
        Some(held) => {
            held.extend_from_slice(entries);
            true
        }
        None => false,
    });
    if held {
        return Ok(Vec::new());
    }
    let key = CHAIN_KEY.with(Cell::get).ok_or_else(|| {
        diesel::result::Error::QueryBuilderError(
            "the audit chain key is not set on this thread (run through AppContext::run)".into(),
        )
    })?;
    let last = match conn {
        // The lock and the head in one prepared call: from here to the commit every other
        // writer of the chain waits, so each round trip in the window counts.
        DbConnection::Pg(c) => {
            let (seq, hash): (Option<i64>, Option<String>) =
                diesel::select(chain_head::audit_chain_head(AUDIT_LOCK_KEY)).get_result(c)?;
            seq.zip(hash)
        }
        // `BEGIN IMMEDIATE` already holds the database's write lock.
        DbConnection::Sqlite(_) => head(conn)?,
    };
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        let hash = row_mac(&key, &prev, seq, entry);
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
            chain_version: CHAIN_V2,
        });
        prev = hash;
    }
    super::insert_rows!(conn, audit_log::table, rows, 500)?;
    Ok(rows.iter().map(|r| r.seq).collect())
}

/// The newest row's (seq, hash), if any.
pub fn head(conn: &mut DbConnection) -> QueryResult<Option<(i64, String)>> {
    audit_log::table
        .select((audit_log::seq, audit_log::hash))
        .order(audit_log::seq.desc())
        .limit_literal(1)
        .get_result(conn)
        .optional()
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
