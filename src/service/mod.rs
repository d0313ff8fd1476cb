//! Use cases. Each public function here is one thing a person does (sign in, create a user,
//! file a batch…); it parses nothing from HTTP, owns its transaction, and reports failures as a
//! [`ServiceError`], which the HTTP layer maps to status codes in one place.

pub mod access;
pub mod accounts;
pub mod action_notes;
pub mod audit;
pub mod bulk;
pub mod bundles;
pub mod case_export;
pub mod cases;
pub mod colleagues;
pub mod confirmation;
pub mod confirmation_pdf;
pub mod csv_export;
pub mod demo;
pub mod documents;
pub mod eligibility;
pub mod filing;
pub mod interviews;
pub mod mfa;
pub mod outbox;
pub mod overstay;
pub mod passkeys;
pub mod passports;
pub mod password_reset;
pub mod passwords;
pub mod pdf_view;
pub mod reports;
pub mod secrets;
pub mod session_cache;
pub mod sponsor_review;
pub mod sponsors;
pub mod spreadsheet;
pub mod status;
pub mod throttle;
pub mod training;
pub mod training_report;
pub mod trips;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::db::{DbConnection, DbError, Pool};
pub use secrets::Secrets;

/// One field that failed validation: `field` is a path into the request
/// (`workers[3].passport_expiry`), `message` says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Collects field errors so that a request reports all its mistakes at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors(Vec::new())
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Parses with `parse`; on failure records the error under `field` and returns `None`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the validation error.
    pub fn finish(self) -> Result<(), ServiceError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(self.0))
        }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// Well-formed, but refused for a reason with a code of its own (e.g. `closed_day`).
    #[error("the request cannot be carried out")]
    Unprocessable {
        code: &'static str,
        errors: Vec<FieldError>,
    },
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong e-mail address or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Option<serde_json::Value>,
    },
    #[error("this action needs an If-Match header with the case's current ETag")]
    PreconditionRequired,
    #[error("the resource changed since you read it; reload and try again")]
    PreconditionFailed { current_version: i64 },
    #[error("too many attempts; try again later")]
    Throttled { retry_after: Duration },
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }
}

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Pool(_) | DbError::Connect(_) | DbError::Unreachable => {
                ServiceError::Unavailable(e.to_string())
            }
            DbError::Query(q) => q.into(),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        if is_unavailable(&e) {
            return ServiceError::Unavailable(e.to_string());
        }
        match &e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ServiceError::Conflict {
                code: "duplicate",
                message: "a record with the same unique value already exists".into(),
                details: None,
            },
            _ => ServiceError::Internal(e.to_string()),
        }
    }
}

/// Whether a query failed because the database is out of reach rather than wrong.
fn is_unavailable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        // ClosedConnection: the server ended the session; UnableToSendCommand: libpq could
        // not send at all ("no connection to the server").
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            is_unavailable_message(info.message())
        }
        // A COMMIT that failed and could not be rolled back: the connection died under it.
        Error::RollbackErrorOnCommit { commit_error, .. } => is_unavailable(commit_error),
        _ => false,
    }
}

impl From<crate::notify::NotifyError> for ServiceError {
    fn from(e: crate::notify::NotifyError) -> Self {
        match e {
            crate::notify::NotifyError::Db(q) => q.into(),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

/// Messages by which a backend says "not now" rather than "wrong": a dropped PostgreSQL
/// connection, a server shutting down, a SQLite lock held past the busy timeout.
fn is_unavailable_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("server closed the connection")
        || m.contains("terminating connection")
        || m.contains("connection refused")
        || m.contains("no connection to the server")
        || m.contains("database is locked")
        || m.contains("the database system is")
        // storage trouble: a full or read-only disk, a damaged SQLite file, a runaway query
        || m.contains("database or disk is full")
        || m.contains("readonly database")
        || m.contains("disk i/o error")
        || m.contains("database disk image is malformed")
        || m.contains("file is not a database")
        || m.contains("no space left on device")
        || m.contains("could not extend file")
        || m.contains("statement timeout")
        || m.contains("lock timeout")
}

/// Settings the use cases need, fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_idle: chrono::Duration,
    pub session_absolute: chrono::Duration,
    /// The desk's calendar (filing dates, evaluations, decisions).
    pub clock: crate::domain::time::DeskClock,
    /// Document upload limits.
    pub documents: documents::DocumentLimits,
    /// Where people reach the desk (no trailing slash): mails link to it.
    pub public_url: String,
    /// The audit chain's head is anchored outside the database after this many new rows…
    pub audit_anchor_rows: i64,
    /// …or this long after a change, whichever comes first (and at shutdown).
    pub audit_anchor_interval: std::time::Duration,
    /// How long a unit of database work may take before its request is answered 503 (a
    /// frozen database must not hang requests); None for the command-line tools' long jobs.
    pub work_deadline: Option<std::time::Duration>,
    /// Reschedules of one case's interview before only a supervisor may move it.
    pub interview_reschedule_limit: i32,
    /// Whether staff accounts must have a second factor (`KITDESK_DESK_MFA`).
    pub desk_mfa: mfa::DeskMfa,
}

impl Settings {
    /// For command-line tools: no deadline on their (possibly long) database work.
    pub fn unbounded() -> Settings {
        Settings {
            work_deadline: None,
            ..Settings::default()
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_idle: chrono::Duration::minutes(30),
            session_absolute: chrono::Duration::hours(12),
            clock: crate::domain::time::DeskClock::default(),
            documents: documents::DocumentLimits::default(),
            public_url: "http://127.0.0.1:8080".into(),
            audit_anchor_rows: 100,
            audit_anchor_interval: std::time::Duration::from_secs(60),
            work_deadline: Some(std::time::Duration::from_secs(8)),
            interview_reschedule_limit: 2,
            desk_mfa: mfa::DeskMfa::Optional,
        }
    }
}

/// What every use case may reach: the pool, the keys, the settings. Cheap to clone.
#[derive(Clone)]
pub struct AppContext {
    pub pool: Pool,
    pub secrets: Arc<Secrets>,
    pub settings: Arc<Settings>,
    pub rules: Arc<eligibility::Rules>,
    /// Where document bodies are kept, encrypted.
    pub documents: Arc<crate::storage::DocumentStore>,
    /// Sessions read a moment ago (`session_cache`).
    pub sessions: Arc<session_cache::SessionCache>,
    /// The status look-up's and the queue page's reads on each HTTP worker's own PostgreSQL
    /// connection, where it may run without TLS (`db::async_reads`); `None` reads on the pool.
    pub async_reads: Option<Arc<crate::db::async_reads::AsyncReader>>,
}

/// The answer when the database did not answer within the request's deadline (logged).
pub(crate) fn deadline_passed(limit: std::time::Duration) -> ServiceError {
    tracing::warn!(
        seconds = limit.as_secs(),
        "database work exceeded its deadline"
    );
    ServiceError::Unavailable(format!(
        "the database did not answer within {} s",
        limit.as_secs()
    ))
}

impl AppContext {
    /// The desk's date today (Seoul, or the rehearsal's date).
    pub fn today(&self) -> chrono::NaiveDate {
        self.settings.clock.today()
    }

    /// Runs `work` with a pooled connection on the blocking thread pool: diesel and argon2
    /// block, and actix's workers are single-threaded runtimes that must not wait on them.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &AppContext) -> Result<T, ServiceError> + Send + 'static,
    {
        self.run_then(work, Ok).await
    }

    /// [`run`](Self::run), then `shape` on the same thread once the connection is back in the
    /// pool: an answer serialized there (`shape` returning its bytes) is built and freed on
    /// one thread, and only its buffer crosses back to the HTTP worker. A page's strings,
    /// allocated on the pool's thread and freed on the worker's, were a tenth of the queue
    /// page's CPU (docs/benchmarks.md, P2).
    pub async fn run_then<T, U, F, G>(&self, work: F, shape: G) -> Result<U, ServiceError>
    where
        U: Send + 'static,
        F: FnOnce(&mut DbConnection, &AppContext) -> Result<T, ServiceError> + Send + 'static,
        G: FnOnce(T) -> Result<U, ServiceError> + Send + 'static,
    {
        let ctx = self.clone();
        let deadline = self.settings.work_deadline;
        let task = tokio::task::spawn_blocking(move || {
            let result = {
                let mut conn = ctx.pool.get()?;
                let key = ctx.secrets.audit_chain;
                let result = crate::db::audit::with_chain_key(key, || work(&mut conn, &ctx));
                if matches!(result, Err(ServiceError::Unavailable(_))) {
                    // keep a dead connection out of the pool
                    conn.verify();
                }
                result
            };
            result.and_then(shape)
        });
        // A frozen database holds the thread until it wakes (its connection with it); the
        // request is answered 503 now. Work that then completes still commits: callers retry
        // with the same Idempotency-Key where it matters (filings).
        let joined = match deadline {
            Some(limit) => tokio::time::timeout(limit, task)
                .await
                .map_err(|_| deadline_passed(limit))?,
            None => task.await,
        };
        joined.map_err(|e| ServiceError::Internal(format!("blocking task failed: {e}")))?
    }
}
