//! The busiest reads on PostgreSQL, without the blocking pool: the public status look-up
//! and the desk's queue page (filtered by status at most, in the filed order).
//!
//! Every other query goes through diesel on the blocking pool (`AppContext::run`): a request
//! crosses from its HTTP worker to a pool thread and back, two thread hand-offs that cost the
//! look-up more than the query itself, and were most of the queue page's own CPU besides
//! PostgreSQL's (docs/benchmarks.md, P2 and P3). Each of these two is one indexed read, so on
//! PostgreSQL it runs on an async connection owned by the HTTP worker that serves it
//! (`tokio-postgres`): one connection per worker, opened on first use, with its statements
//! prepared then, the worker's concurrent reads pipelined on it, reopened after any failure.
//!
//! That connection has no TLS. It is used only where libpq would not insist on TLS either and
//! TLS protects nothing: `sslmode=disable`, or no `sslmode` (libpq's `prefer`) with every host
//! on this machine (loopback addresses, `localhost`, a Unix socket). Anywhere else
//! ([`AsyncReader::for_url`] gives `None`) these reads stay on the pool, as every other does.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, NoTls, Statement};

use super::cases::{QueueRow, StatusRow};

/// The same read as [`super::cases::find_status_by_receipt`] (tests compare the two).
const FIND_STATUS: &str = "SELECT id, receipt_number, status, date_of_birth, interview_at, \
     updated_at FROM cases WHERE receipt_number = $1 LIMIT 1";

/// A queue page's read: the columns of [`QueueRow`], in its order, under `$where`, in the
/// filed order (an index in that order answers each: `cases_queue_idx`, `cases_status_idx`).
macro_rules! queue_page_sql {
    ($where:literal, $limit:literal) => {
        concat!(
            "SELECT id, receipt_number, sponsor_id, project_id, status, version, assignee_id, \
             given_name, family_name, passport_last4, duplicate_passport, suggested_route, \
             evidence_due, interview_at, filing_date, created_at, overstay_open FROM cases ",
            $where,
            " ORDER BY created_at, id LIMIT ",
            $limit
        )
    };
}

/// The same reads as [`super::cases::page`] for a filter of a status and a cursor at most
/// (tests compare the two): every case; after a case; of a status; of a status after a case.
/// After a case, `created_at >= $at` is the range the index seeks to, and the OR skips the
/// rows of that same instant already shown, as there.
const QUEUE_PAGES: [&str; 4] = [
    queue_page_sql!("", "$1"),
    queue_page_sql!(
        "WHERE created_at >= $1 AND (created_at > $1 OR id > $2)",
        "$3"
    ),
    queue_page_sql!("WHERE status = $1", "$2"),
    queue_page_sql!(
        "WHERE status = $1 AND created_at >= $2 AND (created_at > $2 OR id > $3)",
        "$4"
    ),
];

/// How long opening a connection may take, as for the pool's.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Told apart so that a worker thread never reads one database with another's connection
/// (tests run several services in one process).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Opens and finds the worker's connection for one database.
pub struct AsyncReader {
    id: u64,
    config: tokio_postgres::Config,
}

/// A worker's open connection and its prepared statements.
struct Open {
    reader: u64,
    client: Client,
    find: Statement,
    /// [`QUEUE_PAGES`], in their order.
    queue: Vec<Statement>,
}

thread_local! {
    /// This thread's connection (an HTTP worker's: each runs its own single-threaded runtime).
    static OPEN: RefCell<Option<Rc<Open>>> = const { RefCell::new(None) };
}

/// Why a read failed: the caller answers from the pool instead.
#[derive(Debug, thiserror::Error)]
#[error("read on the worker's own connection: {0}")]
pub struct ReadError(#[from] tokio_postgres::Error);

impl AsyncReader {
    /// A reader for `url` (a `postgres://` URL), or `None` where its connection would have to
    /// speak TLS (see the module's note) or the URL is not one tokio-postgres reads.
    pub fn for_url(url: &str) -> Option<Self> {
        if !plain_is_enough(url) {
            return None;
        }
        let mut config: tokio_postgres::Config = url.parse().ok()?;
        config.ssl_mode(SslMode::Disable);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("kitdesk worker reads");
        Some(AsyncReader {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            config,
        })
    }

    /// The case with this receipt number, read on this thread's connection (opened if there is
    /// none, or if the last one failed). Must run inside a tokio runtime, whose thread then
    /// drives the connection.
    pub async fn find(&self, receipt: &str) -> Result<Option<StatusRow>, ReadError> {
        let open = self.connection().await?;
        let result = open.client.query_opt(&open.find, &[&receipt]).await;
        let row = match result {
            Ok(row) => row,
            Err(e) => {
                self.forget(&open);
                return Err(e.into());
            }
        };
        let Some(row) = row else {
            return Ok(None);
        };
        let decoded = (|| {
            Ok::<_, tokio_postgres::Error>(StatusRow {
                id: row.try_get(0)?,
                receipt_number: row.try_get(1)?,
                status: row.try_get(2)?,
                date_of_birth: row.try_get(3)?,
                interview_at: row.try_get(4)?,
                updated_at: row.try_get(5)?,
            })
        })();
        Ok(Some(decoded?))
    }

    /// Up to `limit` cases in the filed order, of `status` if given, after the case `after`
    /// (its creation instant and id) if given. Runs as [`find`](Self::find) does.
    pub async fn queue_page(
        &self,
        status: Option<&str>,
        after: Option<&(NaiveDateTime, String)>,
        limit: i64,
    ) -> Result<Vec<QueueRow>, ReadError> {
        let open = self.connection().await?;
        let result = match (status, after) {
            (None, None) => open.client.query(&open.queue[0], &[&limit]).await,
            (None, Some((at, id))) => open.client.query(&open.queue[1], &[at, id, &limit]).await,
            (Some(status), None) => open.client.query(&open.queue[2], &[&status, &limit]).await,
            (Some(status), Some((at, id))) => {
                open.client
                    .query(&open.queue[3], &[&status, at, id, &limit])
                    .await
            }
        };
        let rows = match result {
            Ok(rows) => rows,
            Err(e) => {
                self.forget(&open);
                return Err(e.into());
            }
        };
        rows.iter()
            .map(|row| {
                Ok(QueueRow {
                    id: row.try_get(0)?,
                    receipt_number: row.try_get(1)?,
                    sponsor_id: row.try_get(2)?,
                    project_id: row.try_get(3)?,
                    status: row.try_get(4)?,
                    version: row.try_get(5)?,
                    assignee_id: row.try_get(6)?,
                    given_name: row.try_get(7)?,
                    family_name: row.try_get(8)?,
                    passport_last4: row.try_get(9)?,
                    duplicate_passport: row.try_get(10)?,
                    suggested_route: row.try_get(11)?,
                    evidence_due: row.try_get(12)?,
                    interview_at: row.try_get(13)?,
                    filing_date: row.try_get(14)?,
                    created_at: row.try_get(15)?,
                    overstay_open: row.try_get(16)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(ReadError::from)
    }

    /// Drops this thread's connection if it is still `open` (after a failure or a time-out),
    /// so the next read opens a new one.
    pub fn forget_current(&self) {
        OPEN.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.as_ref().is_some_and(|o| o.reader == self.id) {
                *slot = None;
            }
        });
    }

    fn forget(&self, open: &Rc<Open>) {
        OPEN.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.as_ref().is_some_and(|o| Rc::ptr_eq(o, open)) {
                *slot = None;
            }
        });
    }

    async fn connection(&self) -> Result<Rc<Open>, ReadError> {
        let current = OPEN.with(|slot| {
            slot.borrow()
                .as_ref()
                .filter(|o| o.reader == self.id && !o.client.is_closed())
                .cloned()
        });
        if let Some(open) = current {
            return Ok(open);
        }
        let (client, connection) = self.config.connect(NoTls).await?;
        // Driven by this thread's runtime; it ends when the client is dropped or the server
        // closes the connection (the client then reports itself closed).
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "worker read connection closed");
            }
        });
        let find = client.prepare(FIND_STATUS).await?;
        let mut queue = Vec::with_capacity(QUEUE_PAGES.len());
        for sql in QUEUE_PAGES {
            queue.push(client.prepare(sql).await?);
        }
        let open = Rc::new(Open {
            reader: self.id,
            client,
            find,
            queue,
        });
        OPEN.with(|slot| *slot.borrow_mut() = Some(open.clone()));
        Ok(open)
    }
}

/// Whether a connection to `url` may go without TLS: `sslmode=disable`, or no `sslmode`
/// (libpq's `prefer`: TLS if the server has it, plain if not) with every host on this machine,
/// where TLS protects nothing. The pool follows the same rule (`db::connect`).
pub fn plain_is_enough(url: &str) -> bool {
    let Ok(config) = url.parse::<tokio_postgres::Config>() else {
        return false;
    };
    let local = !config.get_hosts().is_empty()
        && config.get_hosts().iter().all(|host| match host {
            Host::Unix(_) => true,
            Host::Tcp(name) => is_local(name),
        });
    match config.get_ssl_mode() {
        SslMode::Disable => true,
        SslMode::Prefer => local && !mentions_sslmode(url),
        _ => false,
    }
}

/// A host name or address that stays on this machine.
fn is_local(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the URL names an `sslmode` (tokio-postgres reads a missing one as `prefer`, and
/// an explicit `prefer` is the operator asking for TLS where the server has it).
fn mentions_sslmode(url: &str) -> bool {
    url.split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("sslmode=")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_where_no_tls_is_asked_for() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/kitdesk",
            "postgres://postgres@localhost/kitdesk",
            "postgres://postgres@[::1]:5432/kitdesk",
            "postgresql://kitdesk:secret@db.example.org/kitdesk?sslmode=disable",
            "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/kitdesk",
        ] {
            assert!(AsyncReader::for_url(url).is_some(), "{url}");
        }
        for url in [
            // TLS asked for, or possible on a network
            "postgres://kitdesk@db.example.org/kitdesk",
            "postgres://kitdesk@10.0.0.5/kitdesk",
            "postgres://kitdesk@127.0.0.1/kitdesk?sslmode=prefer",
            "postgres://kitdesk@127.0.0.1/kitdesk?sslmode=require",
            "postgres://kitdesk@127.0.0.1/kitdesk?sslmode=verify-full",
            "postgres://kitdesk@127.0.0.1,db.example.org/kitdesk",
        ] {
            assert!(AsyncReader::for_url(url).is_none(), "{url}");
        }
    }
}
