//! The public status look-up's read on PostgreSQL, without the blocking pool.
//!
//! Every other query goes through diesel on the blocking pool (`AppContext::run`): a request
//! crosses from its HTTP worker to a pool thread and back, two thread hand-offs that cost the
//! look-up more than the query itself (docs/benchmarks.md, P3). The look-up is the busiest
//! public request and one indexed read, so on PostgreSQL it runs on an async connection owned
//! by the HTTP worker that serves it (`tokio-postgres`): one connection per worker, opened on
//! first use, the worker's concurrent look-ups pipelined on it, reopened after any failure.
//!
//! That connection has no TLS. It is used only where libpq would not insist on TLS either and
//! TLS protects nothing: `sslmode=disable`, or no `sslmode` (libpq's `prefer`) with every host
//! on this machine (loopback addresses, `localhost`, a Unix socket). Anywhere else
//! ([`StatusReader::for_url`] gives `None`) the look-up stays on the pool, as every read does.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, NoTls, Statement};

use super::cases::StatusRow;

/// The same read as [`super::cases::find_status_by_receipt`] (tests compare the two).
const FIND_STATUS: &str = "SELECT id, receipt_number, status, date_of_birth, interview_at, \
     updated_at FROM cases WHERE receipt_number = $1 LIMIT 1";

/// How long opening a connection may take, as for the pool's.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Told apart so that a worker thread never reads one database with another's connection
/// (tests run several services in one process).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Opens and finds the worker's connection for one database.
pub struct StatusReader {
    id: u64,
    config: tokio_postgres::Config,
}

/// A worker's open connection and its prepared statement.
struct Open {
    reader: u64,
    client: Client,
    find: Statement,
}

thread_local! {
    /// This thread's connection (an HTTP worker's: each runs its own single-threaded runtime).
    static OPEN: RefCell<Option<Rc<Open>>> = const { RefCell::new(None) };
}

/// Why a read failed: the caller answers from the pool instead.
#[derive(Debug, thiserror::Error)]
#[error("status read on the async connection: {0}")]
pub struct ReadError(#[from] tokio_postgres::Error);

impl StatusReader {
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
        config.application_name("kitdesk status look-up");
        Some(StatusReader {
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
                tracing::debug!(error = %e, "status look-up connection closed");
            }
        });
        let find = client.prepare(FIND_STATUS).await?;
        let open = Rc::new(Open {
            reader: self.id,
            client,
            find,
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
            assert!(StatusReader::for_url(url).is_some(), "{url}");
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
            assert!(StatusReader::for_url(url).is_none(), "{url}");
        }
    }
}
