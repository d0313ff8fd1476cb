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

/// One anchor: the chain's head as this process saw it, kept outside the database in an
/// append-only file (and in the log), MAC'd with the audit key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub written_at: String,
    pub seq: i64,
    pub hash: String,
    pub mac: String,
}

/// The anchor file in the data folder.
pub const ANCHOR_FILE: &str = "audit-anchors.jsonl";

fn anchor_mac(key: &[u8; 32], written_at: &str, seq: i64, hash: &str) -> String {
    let message = format!("kitdesk/audit-anchor/v1\n{written_at}\n{seq}\n{hash}");
    hex::encode(super::secrets::hmac_sha256(key, message.as_bytes()))
}

/// Appends the current head to `dir`/audit-anchors.jsonl (0600, append-only, synced) and
/// logs it; returns it, or None when the chain is empty or the head is anchored already.
pub fn anchor_head(
    conn: &mut DbConnection,
    key: &[u8; 32],
    dir: &std::path::Path,
) -> Result<Option<Anchor>, ServiceError> {
    let Some((seq, hash)) = audit::head(conn)? else {
        return Ok(None);
    };
    let path = dir.join(ANCHOR_FILE);
    if let Some(last) = read_anchors(&path)?.last() {
        if last.seq == seq && last.hash == hash {
            return Ok(None);
        }
    }
    let written_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mac = anchor_mac(key, &written_at, seq, &hash);
    let anchor = Anchor {
        written_at,
        seq,
        hash,
        mac,
    };
    let mut line = serde_json::to_string(&anchor)
        .map_err(|e| ServiceError::Internal(format!("audit anchor: {e}")))?;
    line.push('\n');
    append_private(&path, line.as_bytes()).map_err(|e| {
        ServiceError::Unavailable(format!("audit anchor file {}: {e}", path.display()))
    })?;
    tracing::info!(seq = anchor.seq, hash = %anchor.hash, at = %anchor.written_at, "audit chain anchored");
    Ok(Some(anchor))
}

fn append_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_data()
}

/// The anchors in `path` (none when it does not exist). A line that does not parse is kept
/// as an anchor with an empty MAC, so that verification reports it.
pub fn read_anchors(path: &std::path::Path) -> Result<Vec<Anchor>, ServiceError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ServiceError::Unavailable(format!(
                "audit anchor file {}: {e}",
                path.display()
            )))
        }
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or(Anchor {
                written_at: String::new(),
                seq: 0,
                hash: String::new(),
                mac: String::new(),
            })
        })
        .collect())
}

/// What kind of damage verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tampering {
    /// A row's content or link does not match its MAC (or an anchored hash).
    Rewritten,
    /// Rows are missing from the middle of the chain.
    Deleted,
    /// Rows were deleted and the later ones renumbered to close the gap.
    Renumbered,
    /// The chain ends before a row an anchor saw: its last rows were deleted.
    Truncated,
    /// An anchor line was not written with this key.
    BadAnchor,
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainReport {
    pub rows_checked: u64,
    /// Rows with plain SHA-256 links, written before the chain was keyed.
    pub legacy_rows: u64,
    pub anchors_checked: u64,
    /// The first row whose stored hashes do not match, if any.
    pub first_broken_seq: Option<i64>,
    pub tampering: Option<Tampering>,
    pub problem: Option<String>,
}

impl ChainReport {
    fn broken(&mut self, seq: i64, kind: Tampering, problem: String) -> ChainReport {
        self.first_broken_seq = Some(seq);
        self.tampering = Some(kind);
        self.problem = Some(problem);
        self.clone()
    }
}

/// How far back a renumbered row is looked for.
const RENUMBER_SEARCH: i64 = 10_000;

/// Walks the chain from the first row, recomputing every link, then checks it against the
/// anchors (the heads seen by running instances, kept outside the database).
pub fn verify_chain(
    conn: &mut DbConnection,
    key: &[u8; 32],
    anchors: &[Anchor],
) -> Result<ChainReport, ServiceError> {
    let mut report = ChainReport {
        rows_checked: 0,
        legacy_rows: 0,
        anchors_checked: 0,
        first_broken_seq: None,
        tampering: None,
        problem: None,
    };
    let mut anchored = std::collections::BTreeMap::new();
    for anchor in anchors {
        if anchor.mac.is_empty()
            || anchor_mac(key, &anchor.written_at, anchor.seq, &anchor.hash) != anchor.mac
        {
            return Ok(report.broken(
                anchor.seq,
                Tampering::BadAnchor,
                format!(
                    "the anchor written at {:?} was not written with this key",
                    anchor.written_at
                ),
            ));
        }
        anchored.insert(anchor.seq, anchor);
    }
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut keyed = false;
    let mut after = 0i64;
    loop {
        let rows = audit::page(conn, after, 1000)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if let Some((kind, problem)) = check_row(key, row, expected_seq, &prev_hash, keyed) {
                return Ok(report.broken(row.seq.min(expected_seq), kind, problem));
            }
            if let Some(anchor) = anchored.get(&row.seq) {
                if anchor.hash != row.hash {
                    return Ok(report.broken(
                        row.seq,
                        Tampering::Rewritten,
                        format!(
                            "the chain was rewritten: the anchor written at {} saw another hash at this row",
                            anchor.written_at
                        ),
                    ));
                }
                report.anchors_checked += 1;
            }
            keyed |= row.chain_version == audit::CHAIN_V2;
            if row.chain_version == audit::CHAIN_V1 {
                report.legacy_rows += 1;
            }
            report.rows_checked += 1;
            expected_seq = row.seq + 1;
            prev_hash = row.hash.clone();
            after = row.seq;
        }
    }
    let last_seq = expected_seq - 1;
    if let Some((&seq, anchor)) = anchored.range(expected_seq..).next_back() {
        let first = expected_seq;
        return Ok(report.broken(
            first,
            Tampering::Truncated,
            format!(
                "the chain was truncated: it ends at row {last_seq}, but the anchor written at {} saw row {seq}; rows {first}..={seq} (at least) were deleted",
                anchor.written_at
            ),
        ));
    }
    Ok(report)
}

fn check_row(
    key: &[u8; 32],
    row: &AuditRow,
    expected_seq: i64,
    prev_hash: &str,
    keyed: bool,
) -> Option<(Tampering, String)> {
    let entry = row.entry();
    let own_link = |seq: i64| audit::link(row.chain_version, key, &row.prev_hash, seq, &entry);
    if row.chain_version == audit::CHAIN_V1 && keyed {
        return Some((
            Tampering::Rewritten,
            "an unkeyed (version 1) row follows keyed rows: it was written without the key".into(),
        ));
    }
    if row.seq != expected_seq {
        return Some((
            Tampering::Deleted,
            format!(
                "rows {expected_seq}..{} are missing (the next row is {})",
                row.seq - 1,
                row.seq
            ),
        ));
    }
    let intact_here = own_link(row.seq).as_deref() == Some(row.hash.as_str());
    if !intact_here {
        // A row that verifies under a higher number was moved down to close a gap.
        if let Some(k) = (1..=RENUMBER_SEARCH)
            .find(|k| own_link(row.seq + k).as_deref() == Some(row.hash.as_str()))
        {
            return Some((
                Tampering::Renumbered,
                format!(
                    "this row was written as row {}: {k} row(s) before it were deleted and the later rows renumbered",
                    row.seq + k
                ),
            ));
        }
        return Some((
            Tampering::Rewritten,
            "its content does not match its link (the row was altered)".into(),
        ));
    }
    if row.prev_hash != prev_hash {
        return Some((
            Tampering::Rewritten,
            "its prev_hash does not match the previous row's hash (the previous row was altered or replaced)".into(),
        ));
    }
    None
}
