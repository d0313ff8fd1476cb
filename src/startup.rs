//! Builds the application from a [`Config`]: opens and migrates the database, binds the
//! listener, and wires the HTTP server. Tests start exactly this on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::config::{Config, SecretSource};
use crate::db::{self, PoolOptions};
use crate::http::{self, AppState};
use crate::notify::{Mailer, Worker, WorkerHandle};
use crate::service::eligibility::Rules;
use crate::service::throttle::{KeyedThrottle, LoginThrottle};
use crate::service::{accounts, passwords, AppContext, Secrets, ServiceError, Settings};
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
}

impl Application {
    /// Connects, migrates and binds; the server starts serving when awaited.
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        Self::build_with(config, Settings::default()).await
    }

    pub async fn build_with(
        config: Config,
        mut settings: Settings,
    ) -> Result<Application, StartupError> {
        if let Some(date) = config.desk_date {
            settings.clock = crate::domain::time::DeskClock::starting_on(date);
            tracing::warn!(%date, "rehearsal desk: the desk's calendar starts on KITDESK_DESK_DATE, not today");
        }
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
        let ctx = open_context(&config, settings).await?;
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
            // 10 look-ups at once, then one every 6 s, per client address
            status_throttle: Arc::new(KeyedThrottle::new(10, Duration::from_secs(6))),
            metrics: telemetry::metrics_handle(),
            cookie_secure: config.cookie_secure,
            trust_proxy: config.trust_proxy,
        };
        spawn_housekeeping(state.clone());
        let outbox_worker = config
            .outbox
            .run_in_server
            .then(|| Worker::new(ctx.pool.clone(), mailer, config.outbox.clone()).spawn());
        let data = web::Data::new(state);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(http::metrics::record))
                .wrap(TracingLogger::default())
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
        .shutdown_timeout(30)
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
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The use-case context (pool, keys), for tests and embedded tools.
    pub fn context(&self) -> AppContext {
        self.ctx.clone()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (up to 30 s) and lets
    /// the outbox worker finish the mail it is sending.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(worker) = self.outbox_worker {
            worker.stop().await;
        }
        served
    }
}

/// Opens the pool and applies migrations: the part of start-up shared by every subcommand
/// that touches the database.
pub async fn open_context(config: &Config, settings: Settings) -> Result<AppContext, StartupError> {
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
    Ok(AppContext {
        pool,
        secrets: Arc::new(Secrets::derive(&config.secret_key)),
        settings: Arc::new(settings),
        rules: Arc::new(rules),
    })
}

/// Periodic clean-up: expired sessions and idle throttle entries.
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
            state.status_throttle.prune();
            match state.ctx.run(accounts::purge_expired_sessions).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
                Err(ServiceError::Unavailable(_)) => {}
                Err(e) => tracing::warn!(error = %e, "session clean-up failed"),
            }
        }
    });
}
