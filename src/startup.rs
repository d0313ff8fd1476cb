//! Builds the application from a [`Config`]: opens and migrates the database, binds the
//! listener, and wires the HTTP server. Tests start exactly this on port 0.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};

use crate::config::{Config, SecretSource};
use crate::db::{self, PoolOptions};
use crate::http::{self, AppState};
use crate::notify::{Mailer, Worker, WorkerHandle};
use crate::service::eligibility::Rules;
use crate::service::throttle::{LoginThrottle, StatusThrottle};
use crate::service::{accounts, audit, passwords, AppContext, Secrets, ServiceError, Settings};
use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] db::DbError),
    #[error("could not listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub struct Application {
    port: u16,
    server: Server,
    ctx: AppContext,
    outbox_worker: Option<WorkerHandle>,
    /// Hears other instances' session changes (PostgreSQL); stops when dropped.
    _auth_listener: Option<db::auth_listener::AuthListener>,
    data_dir: PathBuf,
}

impl Application {
    /// Connects, migrates and binds; the server starts serving when awaited.
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        Self::build_with(config, Settings::default()).await
    }

    pub async fn build_with(
        config: Config,
        settings: Settings,
    ) -> Result<Application, StartupError> {
        match &config.secret_source {
            SecretSource::Generated(path) => tracing::warn!(
                path = %path.display(),
                "no KITDESK_SECRET_KEY given: generated a new key into the data folder (keep it: passports encrypted with it cannot be read without it)"
            ),
            SecretSource::File(path) => {
                tracing::info!(path = %path.display(), "using the secret key from the data folder")
            }
            SecretSource::Environment => {}
        }
        prepare_data_dir(&config)?;
        let ctx = open_context(&config, settings).await?;
        if let db::DbUrl::Postgres(_) = &config.database {
            match ctx.async_reads {
                Some(_) => tracing::info!(
                    "status look-up and queue page: each HTTP worker reads on its own connection, without TLS (the database is on this machine, or sslmode=disable)"
                ),
                None => tracing::info!(
                    "status look-up and queue page: read on the pool (the URL asks for TLS or names another host)"
                ),
            }
        }
        let mailer =
            Mailer::from_config(&config.mail).map_err(|e| StartupError::Other(e.to_string()))?;
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                address: config.bind.clone(),
                source,
            })?
            .port();
        let state = AppState {
            ctx: ctx.clone(),
            login_throttle: Arc::new(LoginThrottle::default()),
            registration_throttle: Arc::new(LoginThrottle::default()),
            status_throttle: Arc::new(StatusThrottle::default()),
            account_throttle: Arc::new(Default::default()),
            verify_throttle: Arc::new(http::confirmations::verify_throttle()),
            figures_throttle: Arc::new(http::training::figures_throttle()),
            metrics: telemetry::metrics_handle(),
            cookie_secure: config.cookie_secure,
            client_ip: config.client_ip.clone(),
            data_dir: config.data_dir.clone(),
        };
        spawn_housekeeping(state.clone());
        spawn_audit_anchoring(ctx.clone(), config.data_dir.clone());
        crate::memory::spawn(ctx.pool.clone());
        let auth_listener = match &config.database {
            db::DbUrl::Postgres(url) => Some(
                db::auth_listener::spawn(url.clone())
                    .map_err(|e| StartupError::Other(format!("session listener: {e}")))?,
            ),
            db::DbUrl::Sqlite(_) => None,
        };
        let outbox_worker = config
            .outbox
            .run_in_server
            .then(|| Worker::new(ctx.pool.clone(), mailer, config.outbox.clone()).spawn());
        // The OpenAPI document is built once, before the workers start (`http::openapi`).
        tokio::task::spawn_blocking(http::openapi::warm_up)
            .await
            .map_err(|e| StartupError::Other(format!("start-up task failed: {e}")))?;
        let data = web::Data::new(state);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(http::extract::refuse_nul))
                .wrap(from_fn(http::metrics::record))
                .wrap(http::request_log::logger())
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY")),
                )
                .app_data(data.clone())
                .configure(http::extractor_config)
                .configure(http::routes)
        })
        // In-flight requests get 6 s after SIGTERM; with the accept grace, the outbox worker's
        // 2 s and the audit anchor, the process is gone within a container's 10 s stop.
        .shutdown_timeout(6)
        // SIGTERM and SIGINT are handled by `run_until_stopped` (the accept grace).
        .disable_signals()
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        tracing::info!(
            address = %config.bind,
            port,
            database = %config.database.redacted(),
            "kitdesk listening"
        );
        Ok(Application {
            port,
            server: server.run(),
            ctx,
            outbox_worker,
            _auth_listener: auth_listener,
            data_dir: config.data_dir.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The use-case context (pool, keys), for tests and embedded tools.
    pub fn context(&self) -> AppContext {
        self.ctx.clone()
    }

    /// Serves until SIGINT/SIGTERM; then keeps taking connections for [`ACCEPT_GRACE`]
    /// (a client's request already on its way, still in the kernel's accept queue or in its
    /// connect, is served rather than reset when the listener closes), closes the listener,
    /// finishes in-flight requests (up to 6 s), lets the outbox worker finish the mail it is
    /// sending (up to 2 s; a mail cut short is sent again when its lease ends) and anchors
    /// the audit chain.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        tokio::spawn(async move {
            match stop_signal().await {
                Ok(signal) => tracing::info!(
                    signal,
                    grace_ms = ACCEPT_GRACE.as_millis() as u64,
                    "stopping: connections still taken during the grace, then in-flight requests finish"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for stop signals");
                    return;
                }
            }
            tokio::time::sleep(ACCEPT_GRACE).await;
            handle.stop(true).await;
        });
        let served = self.server.await;
        if let Some(worker) = self.outbox_worker {
            worker.stop_within(Duration::from_secs(2)).await;
        }
        let dir = self.data_dir.clone();
        let anchoring = self
            .ctx
            .run(move |conn, ctx| audit::anchor_head(conn, &ctx.secrets.audit_chain, &dir));
        // bounded too: a frozen database must not hold the exit
        match tokio::time::timeout(Duration::from_secs(1), anchoring).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not anchor the audit chain at shutdown")
            }
            Err(_) => tracing::warn!(
                "could not anchor the audit chain at shutdown: the database did not answer"
            ),
        }
        served
    }
}

/// How long the listener keeps taking connections after a stop signal.
pub const ACCEPT_GRACE: Duration = Duration::from_millis(300);

/// The first SIGTERM or SIGINT (Ctrl-C): its name.
async fn stop_signal() -> std::io::Result<&'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}

/// Opens the pool and applies migrations: the part of start-up shared by every subcommand
/// that touches the database.
pub async fn open_context(
    config: &Config,
    mut settings: Settings,
) -> Result<AppContext, StartupError> {
    settings.documents = config.document_limits;
    settings.public_url = config.public_url.clone();
    if config.public_url_derived {
        tracing::warn!(url = %config.public_url, "KITDESK_PUBLIC_URL is not set: mails link to the bind address; set it to the address people reach the desk at");
    }
    settings.interview_reschedule_limit = i32::from(config.interview_reschedule_limit);
    settings.desk_mfa = config.desk_mfa;
    if let Some(date) = config.desk_date {
        settings.clock = crate::domain::time::DeskClock::starting_on(date);
        tracing::warn!(%date, "rehearsal desk: the desk's calendar starts on KITDESK_DESK_DATE, not today");
    }
    let url = config.database.clone();
    let (pool, rules) = tokio::task::spawn_blocking(move || -> Result<_, StartupError> {
        let pool = db::connect(&url, &PoolOptions::for_url(&url))?;
        let mut conn = pool.get()?;
        let applied = db::run_migrations(&mut conn)?;
        if applied > 0 {
            tracing::info!(applied, backend = url.backend_name(), "migrations applied");
        }
        let rules = Rules::load(&mut conn).map_err(|e| StartupError::Other(e.to_string()))?;
        Ok((pool, rules))
    })
    .await
    .map_err(|e| StartupError::Other(format!("start-up task failed: {e}")))??;
    // The decoy hash makes sign-in timing even; computing it now keeps the first login honest.
    tokio::task::spawn_blocking(passwords::warm_up)
        .await
        .map_err(|e| StartupError::Other(format!("start-up task failed: {e}")))?;
    let documents = crate::storage::DocumentStore::open(&config.documents_url)
        .map_err(|e| StartupError::Other(e.to_string()))?;
    Ok(AppContext {
        pool,
        secrets: Arc::new(Secrets::derive(&config.secret_key)),
        settings: Arc::new(settings),
        rules: Arc::new(rules),
        documents: Arc::new(documents),
        sessions: Arc::default(),
        async_reads: match &config.database {
            db::DbUrl::Postgres(url) => db::async_reads::AsyncReader::for_url(url).map(Arc::new),
            db::DbUrl::Sqlite(_) => None,
        },
    })
}

/// Makes the data folder private (0700, and new files 0600 through the umask) and refuses a
/// folder that cannot be written: the SQLite file, mail, the secret key and the audit
/// anchors live there, and a read-only folder would fail later, request by request.
fn prepare_data_dir(config: &Config) -> Result<(), StartupError> {
    let dir = &config.data_dir;
    let fail = |what: &str, e: std::io::Error| {
        StartupError::Other(format!("data folder {}: {what}: {e}", dir.display()))
    };
    #[cfg(unix)]
    {
        // Every file this process creates (database, journal, mail, anchors) is its owner's
        // alone. `umask` cannot fail and touches no memory.
        unsafe {
            libc::umask(0o077);
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot be created", e))?;
    crate::spool::clear(&dir.join("spool")).map_err(|e| fail("its spool cannot be cleared", e))?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| fail("is not writable", e))?;
    std::fs::remove_file(&probe).map_err(|e| fail("is not writable", e))?;
    restrict(dir, 0o700).map_err(|e| fail("cannot be made private", e))?;
    if let crate::db::DbUrl::Sqlite(file) = &config.database {
        let sidecar = |suffix: &str| PathBuf::from(format!("{}{suffix}", file.display()));
        for path in [file.clone(), sidecar("-wal"), sidecar("-shm")] {
            if path.exists() {
                restrict(&path, 0o600)
                    .map_err(|e| fail("database file cannot be made private", e))?;
            }
        }
    }
    if let crate::config::MailTransportConfig::Files(mail) = &config.mail.transport {
        std::fs::create_dir_all(mail).map_err(|e| fail("mail folder cannot be created", e))?;
        restrict(mail, 0o700).map_err(|e| fail("mail folder cannot be made private", e))?;
    }
    Ok(())
}

fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Anchors the audit chain's head outside the database (docs/security.md): after
/// `audit_anchor_rows` new rows or `audit_anchor_interval` after a change.
fn spawn_audit_anchoring(ctx: AppContext, dir: PathBuf) {
    tokio::spawn(async move {
        let rows = ctx.settings.audit_anchor_rows.max(1);
        let interval = ctx.settings.audit_anchor_interval;
        let poll = interval.clamp(Duration::from_millis(100), Duration::from_secs(5));
        let mut tick = tokio::time::interval(poll);
        let mut last: Option<(i64, std::time::Instant)> = None;
        loop {
            tick.tick().await;
            let dir = dir.clone();
            let seen = last;
            let result = ctx
                .run(move |conn, ctx| {
                    let Some((seq, _)) = crate::db::audit::head(conn)? else {
                        return Ok(None);
                    };
                    let due = match seen {
                        None => true,
                        Some((anchored, at)) => {
                            seq - anchored >= rows || (seq != anchored && at.elapsed() >= interval)
                        }
                    };
                    if !due {
                        return Ok(None);
                    }
                    audit::anchor_head(conn, &ctx.secrets.audit_chain, &dir)?;
                    Ok(Some(seq))
                })
                .await;
            match result {
                Ok(Some(seq)) => last = Some((seq, std::time::Instant::now())),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "audit anchoring failed"),
            }
        }
    });
}

/// Periodic work: expired sessions and idle throttle entries, re-evaluation when a rule set
/// takes effect, and the overstay sweep.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            // A rule-set version that took effect since (a new day, or another instance's
            // publish) re-evaluates the undecided cases, once.
            match state
                .ctx
                .run(crate::service::eligibility::reevaluate_when_versions_change)
                .await
            {
                Ok(_) | Err(ServiceError::Unavailable(_)) => {}
                Err(e) => tracing::warn!(error = %e, "re-evaluation check failed"),
            }
            state.login_throttle.prune();
            state.registration_throttle.prune();
            state.status_throttle.prune();
            state.account_throttle.prune();
            state.verify_throttle.prune();
            state.figures_throttle.prune();
            // Open trips whose admit-until date has passed tell the desk, once each.
            match state.ctx.run(crate::service::overstay::sweep).await {
                Ok(0) | Err(ServiceError::Unavailable(_)) => {}
                Ok(n) => tracing::info!(raised = n, "overstay alerts raised"),
                Err(e) => tracing::warn!(error = %e, "overstay check failed"),
            }
            match state.ctx.run(accounts::purge_expired_sessions).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
                Err(ServiceError::Unavailable(_)) => {}
                Err(e) => tracing::warn!(error = %e, "session clean-up failed"),
            }
        }
    });
}
