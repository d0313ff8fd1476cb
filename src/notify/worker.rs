//! The outbox worker: claims due rows, sends them a few at a time, and settles each group in
//! one transaction: sent, retried later with exponential backoff and jitter, or dead after a
//! bounded number of tries. It also sends the daily digests when they are due.
//!
//! Several workers may run against one PostgreSQL database (each `kitdesk serve` and any
//! `kitdesk outbox run`): a claim takes rows with `FOR UPDATE SKIP LOCKED` and holds them
//! under a lease, so no two workers send the same row while the lease holds. A worker that
//! dies mid-send leaves its rows `sending` until the lease expires; then another worker
//! takes them over and sends again with the same Message-ID, which lets a recipient's
//! system recognise the copy. Delivery is therefore at least once, and never lost.
//!
//! Stopping (`WorkerHandle::stop`) lets the messages in flight finish and hands the rest
//! of the claimed rows back untouched.

use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::digest;
use super::mailer::{Mailer, SendError, SMTP_TIMEOUT};
use crate::db::outbox::{self, OutboxRow};
use crate::db::{DbConnection, DbError, Pool};
use crate::domain::time;

/// When to try again and when to give up.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubles with each further one.
    pub base_delay: Duration,
    /// Longest delay between two tries.
    pub max_delay: Duration,
    /// Tries before a transiently failing row is dead.
    pub max_attempts: i32,
    /// Tries before a permanently refused row is dead (a 5xx is retried once: some servers
    /// answer 5xx for a passing misconfiguration).
    pub max_permanent_attempts: i32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            // 30 s doubling to a 1 h ceiling: twelve tries cover about eight hours of outage.
            max_attempts: 12,
            max_permanent_attempts: 2,
        }
    }
}

impl RetryPolicy {
    /// The wait before try `attempts + 1`: `base · 2^(attempts-1)`, capped, then drawn
    /// uniformly from its upper half ("equal jitter") so that many rows failed together do
    /// not all return together.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exponent = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let full = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.max_delay);
        let half = full / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::rng().random_range(0..=jitter_ms))
    }
}

/// How the outbox worker runs.
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// Whether `kitdesk serve` runs a worker in-process (`kitdesk outbox run` always does).
    pub run_in_server: bool,
    /// Wait between looks at the outbox when it had nothing due.
    pub poll_interval: Duration,
    /// Rows claimed at once.
    pub batch_size: i64,
    /// Messages sent at once within a claim.
    pub parallel_sends: usize,
    /// How long a claim holds; must comfortably exceed sending one batch (at least 60 s).
    pub lease: Duration,
    pub retry: RetryPolicy,
    /// Seoul hour (0–23) from which the day's digests go out.
    pub digest_hour: u32,
    /// Wait between checks for due digests.
    pub digest_interval: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            run_in_server: true,
            poll_interval: Duration::from_secs(2),
            batch_size: 128,
            // A mail server answers each message after a pause of its own (up to 40 ms on
            // Linux: the client's last small write waits for the server's delayed
            // acknowledgement), so one connection delivers about 25 a second whatever the
            // machine; 32 at once make that about 700 (docs/benchmarks.md, P9).
            parallel_sends: 32,
            // 128 rows, 32 at a time, × (connect + 5 commands) × 10 s time-outs would still fit.
            lease: Duration::from_secs(600),
            retry: RetryPolicy::default(),
            digest_hour: 8,
            digest_interval: Duration::from_secs(60),
        }
    }
}

/// Why a pass over the outbox failed (the worker logs it and tries again later).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("outbox query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Notify(#[from] super::NotifyError),
    #[error("blocking task failed: {0}")]
    Task(String),
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
    pub released: usize,
}

/// A running worker; stop it to let it finish the messages in flight.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "outbox worker ended abnormally");
        }
    }

    /// As [`stop`](Self::stop), but gives up after `limit` (a mute SMTP server must not
    /// hold a shutdown): the messages in flight stay claimed and are sent again when their
    /// lease ends.
    pub async fn stop_within(self, limit: std::time::Duration) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        match tokio::time::timeout(limit, self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "outbox worker ended abnormally"),
            Err(_) => {
                abort.abort();
                tracing::warn!(
                    seconds = limit.as_secs(),
                    "outbox worker still sending at shutdown: stopped; its claimed mail is retried after the lease"
                );
            }
        }
    }
}

pub struct Worker {
    pool: Pool,
    mailer: Mailer,
    settings: OutboxSettings,
    id: String,
    /// Where the next claim starts; see [`outbox::ClaimFrom`].
    mark: std::sync::Mutex<Mark>,
}

/// The worker's place in a backlog it is draining.
#[derive(Default)]
struct Mark {
    pending_after: Option<(chrono::NaiveDateTime, String)>,
    /// When the worker last looked at the whole outbox (expired leases, and pending rows due
    /// before its mark).
    full_look: Option<Instant>,
}

/// How often a draining worker looks at the whole outbox, not only past its mark.
const FULL_LOOK_EVERY: Duration = Duration::from_secs(10);

impl Worker {
    pub fn new(pool: Pool, mailer: Mailer, mut settings: OutboxSettings) -> Worker {
        // A row is only sent while its lease has room for a slow server; a shorter lease
        // would hand every claim straight back.
        settings.lease = settings.lease.max(SMTP_TIMEOUT * 6);
        let id = format!(
            "{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Worker {
            pool,
            mailer,
            settings,
            id,
            mark: std::sync::Mutex::default(),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs the worker on the current Tokio runtime until stopped.
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, mailer = self.mailer.backend_name(), "outbox worker started");
        let mut next_digest_check = Instant::now();
        loop {
            if *stopped.borrow() {
                break;
            }
            if Instant::now() >= next_digest_check {
                next_digest_check = Instant::now() + self.settings.digest_interval;
                self.send_due_digests().await;
            }
            let busy = match self.pass(&stopped).await {
                Ok(report) => report.claimed > 0,
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "outbox pass failed");
                    false
                }
            };
            if busy {
                crate::memory::note_work();
                continue;
            }
            tokio::select! {
                changed = stopped.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
        tracing::info!(worker = %self.id, "outbox worker stopped");
    }

    /// Sends everything due now, pass after pass, until a pass finds nothing; returns the
    /// sum of the passes. Rows whose next try lies in the future are left for later.
    pub async fn drain(&self) -> Result<PassReport, WorkerError> {
        self.drain_with(&mut |_| {}).await
    }

    /// [`Worker::drain`], calling `progress` with the running totals after each pass.
    pub async fn drain_with(
        &self,
        progress: &mut (dyn FnMut(&PassReport) + Send),
    ) -> Result<PassReport, WorkerError> {
        let (_keep, stopped) = watch::channel(false);
        self.send_due_digests().await;
        let mut total = PassReport::default();
        loop {
            let report = self.pass(&stopped).await?;
            total.claimed += report.claimed;
            total.sent += report.sent;
            total.retried += report.retried;
            total.dead += report.dead;
            total.released += report.released;
            progress(&total);
            if report.claimed == 0 {
                return Ok(total);
            }
        }
    }

    async fn db<T, F>(&self, work: F) -> Result<T, WorkerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, WorkerError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let result = work(&mut conn);
            if result.is_err() {
                // keep a dead connection out of the pool
                conn.verify();
            }
            result
        })
        .await
        .map_err(|e| WorkerError::Task(e.to_string()))?
    }

    async fn send_due_digests(&self) {
        let hour = self.settings.digest_hour;
        match self
            .db(move |conn| Ok(digest::send_due(conn, chrono::Utc::now(), hour)?))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(digests = n, "daily digests queued"),
            Err(e) => tracing::warn!(error = %e, "daily digests failed"),
        }
    }

    /// One claim and the sending of what it claimed.
    pub async fn pass(&self, stopped: &watch::Receiver<bool>) -> Result<PassReport, WorkerError> {
        let now = time::now();
        // While a backlog drains (the last claim came back full) the claim itself says
        // whether anything is left: `any_due` reads each index from its head, over the
        // entries of every mail sent since the last vacuum.
        if !self.draining() {
            let due = self.db(move |conn| Ok(outbox::any_due(conn, now)?)).await?;
            if !due {
                return Ok(PassReport::default());
            }
        }
        let worker = self.id.clone();
        let lease = chrono::Duration::from_std(self.settings.lease)
            .unwrap_or_else(|_| chrono::Duration::minutes(10));
        let limit = self.settings.batch_size.max(1);
        let claimed_at = Instant::now();
        let from = self.claim_from();
        let claimed = self
            .db(move |conn| {
                Ok(outbox::claim_from(
                    conn,
                    &worker,
                    now,
                    now + lease,
                    limit,
                    &from,
                )?)
            })
            .await?;
        self.remember(&claimed, limit);
        let rows = claimed.rows;
        let mut report = PassReport {
            claimed: rows.len(),
            ..PassReport::default()
        };
        let parallel = self.settings.parallel_sends.max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            // Stop between groups of messages, never inside one; and leave rows alone if the
            // lease might run out while they are being sent (another worker could take them
            // over).
            let lease_left = self.settings.lease.saturating_sub(claimed_at.elapsed());
            if *stopped.borrow() || lease_left < SMTP_TIMEOUT * 3 {
                let ids: Vec<String> = rows.map(|r| r.id).collect();
                let worker = self.id.clone();
                report.released = self
                    .db(move |conn| Ok(outbox::release(conn, &ids, &worker, time::now())?))
                    .await?;
                break;
            }
            // Several messages at once: a mail server answers each after a few round trips,
            // and one at a time the worker would mostly wait.
            let group: Vec<OutboxRow> = rows.by_ref().take(parallel).collect();
            let outcomes = self.mailer.send_all(&group).await;
            match self.settle(group, outcomes).await {
                Ok(settled) => {
                    report.sent += settled.sent;
                    report.retried += settled.retried;
                    report.dead += settled.dead;
                }
                // The rows stay claimed; when the lease ends they are tried again.
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "could not record deliveries")
                }
            }
        }
        metrics::counter!("kitdesk_mail_sent_total").increment(report.sent as u64);
        metrics::counter!("kitdesk_mail_retried_total").increment(report.retried as u64);
        metrics::counter!("kitdesk_mail_dead_total").increment(report.dead as u64);
        Ok(report)
    }

    /// Whether the worker is draining a backlog: its last claim came back full.
    fn draining(&self) -> bool {
        let mark = self.mark.lock().unwrap_or_else(|p| p.into_inner());
        mark.pending_after.is_some()
    }

    /// Where the next claim looks: past the mark while a backlog drains, everywhere now and
    /// then (and whenever there is no mark).
    fn claim_from(&self) -> outbox::ClaimFrom {
        let mut mark = self.mark.lock().unwrap_or_else(|p| p.into_inner());
        let due = mark
            .full_look
            .is_none_or(|at| at.elapsed() >= FULL_LOOK_EVERY);
        if due || mark.pending_after.is_none() {
            mark.full_look = Some(Instant::now());
            return outbox::ClaimFrom::everything();
        }
        outbox::ClaimFrom {
            expired_leases: false,
            pending_after: mark.pending_after.clone(),
        }
    }

    /// Moves the mark after a claim: kept while claims come back full (a backlog), dropped
    /// when one does not (the backlog is drained).
    fn remember(&self, claimed: &outbox::Claimed, limit: i64) {
        let mut mark = self.mark.lock().unwrap_or_else(|p| p.into_inner());
        mark.pending_after = if claimed.rows.len() as i64 >= limit {
            claimed.last_pending.clone()
        } else {
            None
        };
    }

    /// Records what became of a group of sent rows, in one transaction (one commit for the
    /// group, not one per mail).
    async fn settle(
        &self,
        rows: Vec<OutboxRow>,
        outcomes: Vec<Result<(), SendError>>,
    ) -> Result<PassReport, WorkerError> {
        let worker = self.id.clone();
        let policy = self.settings.retry.clone();
        self.db(move |conn| {
            crate::db::write_tx(conn, |conn| {
                let now = time::now();
                let mut settled = PassReport::default();
                let mut delivered = Vec::new();
                for (row, outcome) in rows.into_iter().zip(outcomes) {
                    let error = match outcome {
                        Ok(()) => {
                            delivered.push(row.id);
                            continue;
                        }
                        Err(error) => error,
                    };
                    let limit = match error {
                        SendError::Transient(_) => policy.max_attempts,
                        SendError::Permanent(_) => policy.max_permanent_attempts,
                    };
                    let message = truncate(&error.to_string(), 1000);
                    let held = if row.attempts >= limit {
                        tracing::error!(outbox_id = %row.id, attempts = row.attempts, error = %message, "mail is dead: giving up");
                        settled.dead += 1;
                        outbox::mark_dead(conn, &row.id, &worker, &message, now)?
                    } else {
                        let wait = chrono::Duration::from_std(policy.backoff(row.attempts))
                            .unwrap_or_else(|_| chrono::Duration::hours(1));
                        settled.retried += 1;
                        outbox::mark_retry(conn, &row.id, &worker, &message, now + wait, now)?
                    };
                    if !held {
                        tracing::warn!(outbox_id = %row.id, worker = %worker, "lease lost before the failure was recorded");
                    }
                }
                settled.sent = delivered.len();
                let held = outbox::mark_sent_many(conn, &delivered, &worker, now)?;
                let lost = delivered.len() - held;
                if lost > 0 {
                    tracing::warn!(worker = %worker, rows = lost, "lease lost before the delivery was recorded");
                }
                Ok(settled)
            })
        })
        .await
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(100),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_secs(5) && first <= Duration::from_secs(10));
            let third = p.backoff(3);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            let late = p.backoff(40);
            assert!(late >= Duration::from_secs(50) && late <= Duration::from_secs(100));
        }
    }
}
