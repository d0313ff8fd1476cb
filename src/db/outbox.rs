//! The mail outbox (`outbox`) and the daily-digest tables (`digest_items`, `digests`).
//!
//! Rows are written by `notify::enqueue` inside the transaction of the change they announce
//! and moved through their states here: `pending` → `sending` (claimed by one worker under a
//! lease) → `sent`, back to `pending` for a retry, or `dead`. Claiming is the one
//! backend-specific part: PostgreSQL locks the due rows with `FOR UPDATE SKIP LOCKED`, so
//! that several instances each take different rows; SQLite has one writer, and
//! [`super::write_tx`]'s `BEGIN IMMEDIATE` already serializes claims.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::literal_limit::LiteralLimitDsl;
use super::schema::{digest_items, digests, outbox};
use super::{write_tx, DbConnection};

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";
/// A scheduled mail (a reminder) that no longer applies: never sent.
pub const CANCELLED: &str = "cancelled";
pub const STATES: [&str; 5] = [PENDING, SENDING, SENT, DEAD, CANCELLED];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
// `None` is stored as NULL (every such column's default), which lets diesel keep the insert
// prepared (`db::insert_rows!`).
#[diesel(treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub audience: String,
    pub recipient: String,
    pub case_id: Option<String>,
    pub sponsor_id: Option<String>,
    pub message_id: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// An iCalendar object (RFC 5545) sent with the mail: the interview invitation.
    pub calendar: Option<String>,
}

/// Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters.
const INSERT_CHUNK: usize = 200;

pub fn insert_many(conn: &mut DbConnection, rows: &[OutboxRow]) -> QueryResult<()> {
    super::insert_rows!(conn, outbox::table, rows, INSERT_CHUNK)
}

/// Takes back the pending mails of one kind about a case (an interview reminder whose
/// interview moved or was cancelled); sent ones stay.
pub fn delete_pending_for_case(
    conn: &mut DbConnection,
    case_id: &str,
    kind: &str,
) -> QueryResult<usize> {
    diesel::delete(
        outbox::table
            .filter(outbox::case_id.eq(case_id))
            .filter(outbox::kind.eq(kind))
            .filter(outbox::state.eq(PENDING)),
    )
    .execute(conn)
}

/// Whether a mail is due now: a pending one whose time has come, or a claimed one whose lease
/// has run out. Each part reads the first entry of its own index on (state, time), whatever
/// the outbox holds: one `EXISTS` over both, which the worker asks on every pass, let
/// PostgreSQL expect a match early in a scan of the whole table and read all of it when
/// nothing was due (275 ms a pass at 250,000 mails; docs/benchmarks.md). Plain reads, so that
/// an idle worker does not take SQLite's write lock to find nothing.
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    use diesel::dsl::min;
    let first_pending: Option<NaiveDateTime> = outbox::table
        .filter(outbox::state.eq(PENDING))
        .select(min(outbox::next_attempt_at))
        .get_result(conn)?;
    if first_pending.is_some_and(|at| at <= now) {
        return Ok(true);
    }
    let first_lease_end: Option<NaiveDateTime> = outbox::table
        .filter(outbox::state.eq(SENDING))
        .select(min(outbox::lease_expires_at))
        .get_result(conn)?;
    Ok(first_lease_end.is_some_and(|at| at < now))
}

/// Claims up to `limit` due rows for `worker` until `lease_until`, counting the attempt, in
/// one short transaction; returns them oldest first.
pub fn claim(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    claim_from(
        conn,
        worker,
        now,
        lease_until,
        limit,
        &ClaimFrom::everything(),
    )
    .map(|c| c.rows)
}

/// Where a claim looks, for a worker draining a backlog.
#[derive(Debug, Clone, Default)]
pub struct ClaimFrom {
    /// Take rows whose sender's lease ran out.
    pub expired_leases: bool,
    /// Pending rows after this (due time, id) first: what this worker claimed before. The
    /// index entries of rows already sent stay until a vacuum, at the head of the due order,
    /// and a claim that starts at the head reads them all — more with every mail sent. Rows
    /// due before the mark are still taken, when the rows after it run short.
    pub pending_after: Option<(NaiveDateTime, String)>,
}

impl ClaimFrom {
    pub fn everything() -> ClaimFrom {
        ClaimFrom {
            expired_leases: true,
            pending_after: None,
        }
    }
}

/// What a claim took.
#[derive(Debug)]
pub struct Claimed {
    pub rows: Vec<OutboxRow>,
    /// The last pending row taken (due time, id), for the next claim's `pending_after`.
    pub last_pending: Option<(NaiveDateTime, String)>,
}

/// [`claim`], looking where `from` says.
pub fn claim_from(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    from: &ClaimFrom,
) -> QueryResult<Claimed> {
    write_tx(conn, |conn| {
        // Rows whose sender's lease ran out first (they are the oldest work), then due
        // pending rows. Separate queries, each in the order of an index on (state, time): one
        // query with an OR of both made PostgreSQL read and sort the whole backlog on every
        // claim (200 ms with 100,000 pending mails). The same queries on both backends; only
        // PostgreSQL takes row locks that let other instances skip what this one claims.
        macro_rules! due {
            ($state:expr, $time:expr, $limit:expr) => {
                outbox::table
                    .filter(outbox::state.eq($state))
                    .filter($time.le(now))
                    .order(($time.asc(), outbox::id.asc()))
                    .select((outbox::id, $time))
                    .limit($limit)
            };
        }
        macro_rules! claimable {
            ($query:expr) => {
                match &mut *conn {
                    DbConnection::Pg(c) => $query.for_update().skip_locked().load(c)?,
                    DbConnection::Sqlite(c) => $query.load(c)?,
                }
            };
        }
        let mut ids: Vec<String> = Vec::new();
        if from.expired_leases {
            let expired: Vec<(String, Option<NaiveDateTime>)> =
                claimable!(due!(SENDING, outbox::lease_expires_at, limit));
            ids.extend(expired.into_iter().map(|(id, _)| id));
        }
        let mut pending: Vec<(String, NaiveDateTime)> = Vec::new();
        if let Some((at, id)) = &from.pending_after {
            let room = limit - ids.len() as i64;
            if room > 0 {
                pending = claimable!(due!(PENDING, outbox::next_attempt_at, room)
                    .filter(outbox::next_attempt_at.ge(*at))
                    .filter(
                        outbox::next_attempt_at
                            .gt(*at)
                            .or(outbox::id.gt(id.clone()))
                    ));
            }
        }
        let room = limit - ids.len() as i64 - pending.len() as i64;
        if room > 0 {
            let taken: Vec<String> = pending.iter().map(|(id, _)| id.clone()).collect();
            let rest: Vec<(String, NaiveDateTime)> =
                claimable!(
                    due!(PENDING, outbox::next_attempt_at, room).filter(outbox::id.ne_all(&taken))
                );
            pending.extend(rest);
        }
        let last_pending = pending
            .iter()
            .max_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)))
            .map(|(id, at)| (*at, id.clone()));
        ids.extend(pending.into_iter().map(|(id, _)| id));
        if ids.is_empty() {
            return Ok(Claimed {
                rows: Vec::new(),
                last_pending,
            });
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::state.eq(SENDING),
                outbox::claimed_by.eq(worker),
                outbox::lease_expires_at.eq(lease_until),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        let rows = outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
            .select(OutboxRow::as_select())
            .load(conn)?;
        Ok(Claimed { rows, last_pending })
    })
}

/// The claim of `worker` on row `id`, as a filter: a worker only settles rows it still holds
/// (after its lease expired another worker may have taken the row over).
///
/// The state is compared as `state || ''`, which no index answers, so that the rows are found
/// by their ids (the primary key). Compared plainly, PostgreSQL reads them from
/// `outbox_lease_idx` by `state = 'sending'`, which its statistics say matches almost nothing;
/// but that index keeps an entry for every row that was ever being sent, until a vacuum, and
/// each settle then read them all: a drain of a million mails slowed by a third as it went
/// (docs/benchmarks.md, P9).
macro_rules! held_by {
    ($id:expr, $worker:expr) => {
        outbox::table
            .filter(outbox::id.eq($id))
            .filter(outbox::state.concat("").eq(SENDING))
            .filter(outbox::claimed_by.eq($worker))
    };
}

/// [`held_by!`] for several rows at once.
macro_rules! held_all {
    ($ids:expr, $worker:expr) => {
        outbox::table
            .filter(outbox::id.eq_any($ids))
            .filter(outbox::state.concat("").eq(SENDING))
            .filter(outbox::claimed_by.eq($worker))
    };
}

/// Marks claimed rows delivered in one statement; returns how many `worker` still held.
pub fn mark_sent_many(
    conn: &mut DbConnection,
    ids: &[String],
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(held_all!(ids, worker))
        .set((
            outbox::state.eq(SENT),
            outbox::sent_at.eq(now),
            outbox::updated_at.eq(now),
            outbox::lease_expires_at.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Puts a claimed row back to wait until `next_attempt_at`, recording why it failed.
pub fn mark_retry(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(held_by!(id, worker))
        .set((
            outbox::state.eq(PENDING),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::claimed_by.eq(None::<String>),
            outbox::lease_expires_at.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Gives up on a claimed row: it stays as a dead letter until an administrator retries it.
pub fn mark_dead(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    error: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(held_by!(id, worker))
        .set((
            outbox::state.eq(DEAD),
            outbox::claimed_by.eq(None::<String>),
            outbox::lease_expires_at.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Hands back claimed rows that were not tried (the worker is stopping): due again at once,
/// and the attempt counted at claim time is undone.
pub fn release(
    conn: &mut DbConnection,
    ids: &[String],
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(held_all!(ids, worker))
        .set((
            outbox::state.eq(PENDING),
            outbox::claimed_by.eq(None::<String>),
            outbox::lease_expires_at.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts - 1),
            outbox::next_attempt_at.eq(now),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Makes a dead (or waiting) row due now with a fresh count of attempts. Sent rows and rows
/// being sent are left alone; returns the row's state before, if it exists. Call it inside
/// a write transaction.
pub fn retry_now(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let state: Option<String> = outbox::table
        .find(id)
        .select(outbox::state)
        .first(conn)
        .optional()?;
    if matches!(state.as_deref(), Some(PENDING) | Some(DEAD)) {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::state.eq(PENDING),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::claimed_by.eq(None::<String>),
                outbox::lease_expires_at.eq(None::<NaiveDateTime>),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(state)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// Newest first, optionally of one state.
pub fn list(
    conn: &mut DbConnection,
    state: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox::table
        .select(OutboxRow::as_select())
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(outbox::state.eq(state.to_owned()));
    }
    query.limit_literal(limit).load(conn)
}

/// Rows per state.
pub fn count_by_state(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::state)
        .select((outbox::state, diesel::dsl::count_star()))
        .load(conn)
}

pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::case_id.eq(case_id))
        .select(OutboxRow::as_select())
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = digest_items)]
pub struct DigestItemRow {
    pub id: String,
    pub sponsor_id: String,
    pub case_id: Option<String>,
    pub kind: String,
    pub line_ko: String,
    pub line_en: String,
    pub digest_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert_digest_items(conn: &mut DbConnection, rows: &[DigestItemRow]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(digest_items::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(digest_items::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Sponsors with events waiting for their digest.
pub fn sponsors_with_undigested(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    digest_items::table
        .filter(digest_items::digest_id.is_null())
        .select(digest_items::sponsor_id)
        .distinct()
        .load(conn)
}

pub fn undigested(conn: &mut DbConnection, sponsor_id: &str) -> QueryResult<Vec<DigestItemRow>> {
    digest_items::table
        .filter(digest_items::sponsor_id.eq(sponsor_id))
        .filter(digest_items::digest_id.is_null())
        .select(DigestItemRow::as_select())
        .order((digest_items::created_at.asc(), digest_items::id.asc()))
        .load(conn)
}

/// Records the digest of `sponsor_id` for `date`; false if one already exists (another
/// instance sent it). PostgreSQL needs `ON CONFLICT DO NOTHING` here: a failed INSERT would
/// abort the whole transaction.
pub fn record_digest(
    conn: &mut DbConnection,
    id: &str,
    sponsor_id: &str,
    date: NaiveDate,
    item_count: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        digests::id.eq(id),
        digests::sponsor_id.eq(sponsor_id),
        digests::digest_date.eq(date),
        digests::item_count.eq(item_count),
        digests::created_at.eq(now),
    );
    let inserted = match conn {
        DbConnection::Pg(c) => diesel::insert_into(digests::table)
            .values(row)
            .on_conflict((digests::sponsor_id, digests::digest_date))
            .do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(digests::table)
            .values(row)
            .on_conflict((digests::sponsor_id, digests::digest_date))
            .do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

pub fn assign_to_digest(
    conn: &mut DbConnection,
    item_ids: &[String],
    digest_id: &str,
) -> QueryResult<usize> {
    diesel::update(
        digest_items::table
            .filter(digest_items::id.eq_any(item_ids))
            .filter(digest_items::digest_id.is_null()),
    )
    .set(digest_items::digest_id.eq(digest_id))
    .execute(conn)
}

/// Cancels a case's mails of `kind` not sent yet (reminders that no longer apply).
pub fn cancel_pending(
    conn: &mut DbConnection,
    case_id: &str,
    kind: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::case_id.eq(case_id))
            .filter(outbox::kind.eq(kind))
            .filter(outbox::state.eq(PENDING)),
    )
    .set((outbox::state.eq(CANCELLED), outbox::updated_at.eq(now)))
    .execute(conn)
}
