//! Persistence: the connection type for both backends, the pool, migrations and one file per
//! table group. Backend-specific SQL lives here and nowhere else, as a plain `match` on
//! [`DbConnection`]. Nothing in this module knows about HTTP.

pub mod async_reads;
pub mod audit;
pub mod auth_listener;
pub mod bundles;
pub mod cases;
pub mod documents;
pub mod filings;
pub mod interviews;
pub mod invitations;
pub mod keep_prepared;
pub mod literal_limit;
pub mod notes;
pub mod outbox;
pub mod overstay;
pub mod password_resets;
pub mod projects;
pub mod receipts;
pub mod reports;
pub mod rules;
pub mod schema;
pub mod second_factor;
pub mod sessions;
pub mod sponsor_review;
pub mod sponsors;
pub mod training;
pub mod trips;
pub mod users;

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// One connection to whichever backend the URL named.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Runs `$body` with `$c` bound to the backend's own connection (`PgConnection` or
/// `SqliteConnection`), for the queries of the busiest requests. Through the multi-backend
/// enum, diesel renders every query's SQL again to find its cached statement (even a query
/// whose statement is known from its type) and decodes each value through one more layer; on
/// the backend's connection a static query is found by its type and rows decode directly.
/// On the queue page (session look-up and page) that was about a tenth of the service's CPU
/// (perf, `docs/benchmarks.md`, P2).
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Inserts the rows of slice `$rows` into `$table`, `$chunk` rows a statement, and gives a
/// `QueryResult<()>`. A statement of one to four rows has SQL of a fixed shape, which diesel
/// keeps prepared on the connection; it parses and plans a longer one every time (its SQL
/// depends on the number of rows). A filing of one worker writes one case, one evaluation, two
/// audit rows and three mails, inside the window that holds the receipt counter's lock
/// (docs/benchmarks.md, P1). The row type must derive `Insertable` with
/// `treat_none_as_default_value = false` (`None` bound as NULL): by default the derive makes
/// every field one that may be DEFAULT, Option or not, and diesel prepares no such insert.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        let mut result: diesel::QueryResult<()> = Ok(());
        for chunk in $rows.chunks($chunk) {
            let done = $crate::db::on_backend!(&mut *$conn, c => match chunk {
                [one] => diesel::insert_into($table).values(one).execute(c),
                [_, _] => diesel::insert_into($table)
                    .values(<&[_; 2]>::try_from(chunk).expect("two rows"))
                    .execute(c),
                [_, _, _] => diesel::insert_into($table)
                    .values(<&[_; 3]>::try_from(chunk).expect("three rows"))
                    .execute(c),
                [_, _, _, _] => diesel::insert_into($table)
                    .values(<&[_; 4]>::try_from(chunk).expect("four rows"))
                    .execute(c),
                _ => diesel::insert_into($table).values(chunk).execute(c),
            });
            if let Err(e) = done {
                result = Err(e);
                break;
            }
        }
        result
    }};
}
pub(crate) use insert_rows;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Errors of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH (or a plain file path ending in .db) or postgres://USER@HOST:PORT/DB")]
    BadUrl(String),
    #[error("could not open the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("the database does not accept connections")]
    Unreachable,
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("could not create the database folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Which backend a `DATABASE_URL` selects. Decided from the scheme alone: diesel's derived
/// `establish` would try each backend in turn and could turn a mistyped PostgreSQL URL into
/// a new SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::BadUrl(url.to_owned()));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            if !path.is_empty() {
                return Ok(DbUrl::Sqlite(PathBuf::from(path)));
            }
        }
        if !url.contains("://") && (url.ends_with(".db") || url.ends_with(".sqlite")) {
            return Ok(DbUrl::Sqlite(PathBuf::from(url)));
        }
        Err(DbError::BadUrl(url.to_owned()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DbUrl::Postgres(_) => "postgres",
            DbUrl::Sqlite(_) => "sqlite",
        }
    }

    /// The URL with any password replaced, fit for logs.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DbUrl::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A pooled connection, and whether it was found dead. diesel's own check (`is_broken`) only
/// looks at the transaction state, so a PostgreSQL connection whose server went away would go
/// back to the pool and fail every request that drew it, even after the server returned.
pub struct ManagedConnection {
    conn: DbConnection,
    lost: bool,
}

impl ManagedConnection {
    /// Pings the server; a connection that does not answer is dropped instead of being pooled
    /// again. Call it after a failure that looked like an outage (cheap next to the failure).
    pub fn verify(&mut self) -> bool {
        let alive = ping(&mut self.conn);
        self.lost |= !alive;
        alive
    }

    /// Closes the connection when it goes back to the pool, instead of pooling it again.
    pub fn retire(&mut self) {
        self.lost = true;
    }
}

impl Deref for ManagedConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for ManagedConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Whether the last attempt to open a connection failed: shared by the manager, which sets
/// it, and the [`Pool`], which then stops making requests wait for a connection.
#[derive(Debug, Default)]
struct Reachability {
    failing: AtomicBool,
}

/// r2d2 manager that opens the backend the URL named and applies per-connection settings.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DbUrl,
    reachability: Arc<Reachability>,
}

impl DbManager {
    fn open(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DbUrl::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                // A runaway statement or a lock held too long ends as an error (503) instead
                // of holding a connection; requests have their own, shorter deadline
                // (`Settings::work_deadline`), which also covers a server that stops answering.
                conn.batch_execute("SET statement_timeout = '30s'; SET lock_timeout = '10s'")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(conn))
            }
            DbUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the one writer; the busy timeout makes a
                // second writer wait instead of failing at once; SQLite leaves foreign keys
                // off unless asked, per connection.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for DbManager {
    type Connection = ManagedConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<ManagedConnection, r2d2::Error> {
        let opened = self.open();
        self.reachability
            .failing
            .store(opened.is_err(), Ordering::SeqCst);
        opened.map(|conn| ManagedConnection { conn, lost: false })
    }

    fn is_valid(&self, conn: &mut ManagedConnection) -> Result<(), r2d2::Error> {
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut ManagedConnection) -> bool {
        conn.lost
            || match &mut conn.conn {
                DbConnection::Pg(c) => r2d2::R2D2Connection::is_broken(c),
                DbConnection::Sqlite(_) => false,
            }
    }
}

/// The connection pool. While the database refuses connections, a request that finds no
/// idle connection fails within about [`UNREACHABLE_WAIT`] (and answers 503) instead of
/// waiting out the full connection time-out; r2d2 keeps reconnecting in the background
/// (backoff capped at half the time-out), and the first success ends that mode.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<DbManager>,
    reachability: Arc<Reachability>,
    sqlite: bool,
}

/// How long a request waits for a connection while the database is known to be down: long
/// enough to pick up one that the background reconnection just opened.
pub const UNREACHABLE_WAIT: Duration = Duration::from_millis(250);

impl Pool {
    /// A connection within the pool's time-out, or sooner an error once the database is
    /// found unreachable (also while waiting: requests already queued when it went away
    /// must not sit out the whole time-out either).
    pub fn get(&self) -> Result<PooledConn, DbError> {
        let deadline = std::time::Instant::now() + self.inner.connection_timeout();
        loop {
            let failing = self.reachability.failing.load(Ordering::SeqCst);
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.inner.get_timeout(left.min(UNREACHABLE_WAIT)) {
                Ok(conn) => return Ok(conn),
                Err(_) if failing => return Err(DbError::Unreachable),
                Err(e) if left <= UNREACHABLE_WAIT => return Err(e.into()),
                Err(_) => {}
            }
        }
    }

    pub fn get_timeout(&self, timeout: Duration) -> Result<PooledConn, DbError> {
        Ok(self.inner.get_timeout(timeout)?)
    }

    /// Gives back what idle SQLite connections hold: the most recently used one stays open
    /// with its page cache emptied (`PRAGMA shrink_memory`), the others close (each holds
    /// its own copy of the schema, its prepared statements and its cache); the pool opens
    /// connections again as requests need them. Connections in use are left alone, and none
    /// is opened. Returns how many idle connections were emptied or closed. PostgreSQL keeps
    /// its caches in the server, and a connection costs more to open: nothing to do there.
    /// See [`crate::memory`].
    pub fn release_idle_memory(&self) -> usize {
        if !self.sqlite {
            return 0;
        }
        // Most recently used first (the pool hands out the last one returned).
        let mut idle = Vec::new();
        while idle.len() < self.inner.max_size() as usize {
            match self.inner.try_get() {
                Some(conn) => idle.push(conn),
                None => break,
            }
        }
        let released = idle.len();
        if let Some(kept) = idle.first_mut() {
            if kept.batch_execute("PRAGMA shrink_memory").is_err() {
                kept.retire();
            }
        }
        for conn in idle.iter_mut().skip(1) {
            conn.retire();
        }
        released
    }

    pub fn state(&self) -> r2d2::State {
        self.inner.state()
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }
}

/// Pool settings that differ by backend.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// Connections kept open while idle, opened again at once when fewer remain.
    pub min_idle: u32,
    pub connect_timeout: Duration,
}

impl PoolOptions {
    pub fn for_url(url: &DbUrl) -> Self {
        match url {
            // Each PostgreSQL connection is a server process: a small pool per instance,
            // sized for two cores, leaves room for several instances.
            DbUrl::Postgres(_) => PoolOptions {
                max_size: 10,
                min_idle: 1,
                connect_timeout: Duration::from_secs(5),
            },
            // SQLite has one writer; more connections only help readers. Opening one is
            // cheap (a file), so none is kept open for nothing: taking every idle connection
            // to empty its cache (`Pool::release_idle_memory`) must not open another.
            DbUrl::Sqlite(_) => PoolOptions {
                max_size: 8,
                min_idle: 0,
                connect_timeout: Duration::from_secs(5),
            },
        }
    }
}

/// Opens the pool (creating the SQLite file's folder if needed). Connections are opened
/// lazily except the first, so a wrong URL fails here, at start-up.
pub fn connect(url: &DbUrl, options: &PoolOptions) -> Result<Pool, DbError> {
    if let DbUrl::Sqlite(path) = url {
        ensure_parent_dir(path)?;
    }
    let reachability = Arc::new(Reachability::default());
    let mut manager = DbManager {
        url: url.clone(),
        reachability: reachability.clone(),
    };
    // Without TLS where it protects nothing (every host on this machine and no `sslmode`, as
    // for the status look-up: `async_reads::plain_is_enough`): libpq's default would
    // encrypt every statement on the loopback, about a tenth of a bulk load's time. A server
    // that refuses plain connections gets the URL as given.
    let plain = plain_variant(url).map(|url| DbManager {
        url,
        reachability: reachability.clone(),
    });
    match plain {
        Some(plain) if plain.open().is_ok() => {
            tracing::info!(
                "database connections without TLS: every host is on this machine and the URL names no sslmode"
            );
            manager = plain;
        }
        // Open one connection first so that a bad URL or a down server is reported with its
        // own message instead of r2d2's generic time-out.
        _ => {
            manager.open().map_err(|e| match e {
                r2d2::Error::ConnectionError(c) => DbError::Connect(c),
                r2d2::Error::QueryError(q) => DbError::Query(q),
            })?;
        }
    }
    let pool = r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(options.min_idle))
        .connection_timeout(options.connect_timeout)
        .test_on_check_out(false)
        .build(manager)?;
    Ok(Pool {
        inner: pool,
        reachability,
        sqlite: matches!(url, DbUrl::Sqlite(_)),
    })
}

/// The URL with `sslmode=disable`, where it names none and every host is on this machine.
fn plain_variant(url: &DbUrl) -> Option<DbUrl> {
    let DbUrl::Postgres(url) = url else {
        return None;
    };
    if !async_reads::plain_is_enough(url) || url.contains("sslmode=disable") {
        return None;
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(DbUrl::Postgres(format!("{url}{separator}sslmode=disable")))
}

fn ensure_parent_dir(path: &Path) -> Result<(), DbError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Folder {
                path: dir.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// Applies the embedded migrations of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    let applied = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(applied.len())
}

/// Runs `work` in a write transaction. On SQLite it begins with `BEGIN IMMEDIATE`, taking the
/// write lock up front: a deferred transaction that reads and then writes can fail with
/// SQLITE_BUSY when another writer got there first, whatever the busy timeout. PostgreSQL
/// uses a plain transaction (row locks and `version` checks do the rest).
pub fn write_tx<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if let DbConnection::Pg(_) = conn {
        return conn.transaction(work);
    }
    if let DbConnection::Sqlite(inner) = conn {
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    }
    let result = work(conn);
    if let DbConnection::Sqlite(inner) = conn {
        match &result {
            Ok(_) => {
                if let Err(e) = AnsiTransactionManager::commit_transaction(inner) {
                    let _ = AnsiTransactionManager::rollback_transaction(inner);
                    return Err(e.into());
                }
            }
            Err(_) => {
                let _ = AnsiTransactionManager::rollback_transaction(inner);
            }
        }
    }
    result
}

/// For bulk loads run by an operator (demo seeding): on PostgreSQL, commits on this connection
/// stop waiting for their WAL flush. A crash may lose the last few commits (never corrupt the
/// database), acceptable for demo data and never used by the service itself. SQLite is left
/// as it is (WAL with synchronous=NORMAL already commits without a sync).
pub fn relax_durability_for_bulk_load(conn: &mut DbConnection) -> Result<(), DbError> {
    match conn {
        DbConnection::Pg(c) => c.batch_execute("SET synchronous_commit = off")?,
        DbConnection::Sqlite(_) => {}
    }
    Ok(())
}

pub fn is_postgres(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Pg(_))
}

/// True when the database answers a trivial query.
pub fn ping(conn: &mut DbConnection) -> bool {
    conn.batch_execute("SELECT 1").is_ok()
}

/// Whether the database's own storage reads back: SQLite's header and schema (a damaged or
/// replaced file fails here, where `SELECT 1` does not touch the file). PostgreSQL checks its
/// own pages; reaching it is enough.
pub fn storage_ok(conn: &mut DbConnection) -> bool {
    match conn {
        DbConnection::Pg(_) => true,
        DbConnection::Sqlite(c) => c
            .batch_execute("SELECT count(*) FROM sqlite_master; PRAGMA schema_version;")
            .is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_goes_without_tls_only_where_it_protects_nothing() {
        let plain = |url: &str| match plain_variant(&DbUrl::Postgres(url.into())) {
            Some(DbUrl::Postgres(url)) => Some(url),
            _ => None,
        };
        assert_eq!(
            plain("postgres://postgres@127.0.0.1:5432/kitdesk").as_deref(),
            Some("postgres://postgres@127.0.0.1:5432/kitdesk?sslmode=disable")
        );
        assert_eq!(
            plain("postgres://postgres@localhost/kitdesk?application_name=x").as_deref(),
            Some("postgres://postgres@localhost/kitdesk?application_name=x&sslmode=disable")
        );
        for kept in [
            // already plain
            "postgres://postgres@127.0.0.1/kitdesk?sslmode=disable",
            // TLS asked for, or a network between
            "postgres://postgres@127.0.0.1/kitdesk?sslmode=prefer",
            "postgres://postgres@127.0.0.1/kitdesk?sslmode=require",
            "postgres://kitdesk@db.example.org/kitdesk",
            "postgres://kitdesk@127.0.0.1,db.example.org/kitdesk",
        ] {
            assert_eq!(plain(kept), None, "{kept}");
        }
        assert!(plain_variant(&DbUrl::Sqlite("data/kitdesk.db".into())).is_none());
    }

    #[test]
    fn url_scheme_selects_backend() {
        assert_eq!(
            DbUrl::parse("postgres://u@h/db").ok(),
            Some(DbUrl::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            DbUrl::parse("postgresql://u@h/db").ok(),
            Some(DbUrl::Postgres("postgresql://u@h/db".into()))
        );
        assert_eq!(
            DbUrl::parse("sqlite://data/kitdesk.db").ok(),
            Some(DbUrl::Sqlite("data/kitdesk.db".into()))
        );
        assert_eq!(
            DbUrl::parse("data/x.db").ok(),
            Some(DbUrl::Sqlite("data/x.db".into()))
        );
        for bad in ["mysql://h/db", "postgre://h", "", "sqlite://", "http://x"] {
            let err = DbUrl::parse(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains("sqlite://") && err.contains("postgres://"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn redacts_passwords() {
        let url = DbUrl::parse("postgres://kit:hunter2@db:5432/kit").unwrap();
        assert_eq!(url.redacted(), "postgres://kit:***@db:5432/kit");
    }
}
