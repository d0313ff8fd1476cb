//! Connections to one SMTP server, opened with `TCP_NODELAY` and kept open between mails.
//!
//! Why not lettre's own pool: lettre writes a message's body and then its closing `.` in two
//! writes before it waits for the reply. With Nagle's algorithm on (lettre does not turn it
//! off), the kernel holds the small second write until the server acknowledges the first,
//! and the server delays that acknowledgement by up to 40 ms because it has nothing to send.
//! Each connection then delivered one mail per ~60 ms, whatever the server's speed (issue 18,
//! P9: 485 to 541 mails per second with 32 connections). Here each connection is opened by
//! us, with `TCP_NODELAY`, and handed to lettre's SMTP client
//! (`AsyncSmtpConnection::connect_with_transport`); lettre still speaks the protocol, STARTTLS
//! and AUTH.
//!
//! `smtps://` (TLS from the first byte) keeps lettre's transport: lettre cannot take a
//! socket that is already wrapped in TLS.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use super::mailer::SendError;

/// A connection unused for longer than this is closed rather than used again: servers drop
/// idle clients (lettre's pool uses the same minute).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// At most this many idle connections are kept (the outbox worker sends 32 mails at once).
const MAX_IDLE: usize = 64;

/// How the connection is secured after the greeting.
#[derive(Clone)]
pub enum StartTls {
    /// Plain; a loopback relay or a test server.
    Never,
    /// STARTTLS when the server offers it, plain otherwise (`smtp://` without `tls=`).
    WhenOffered(TlsParameters),
    /// STARTTLS or no mail (`?tls=required`).
    Required(TlsParameters),
}

/// Where and how to connect.
#[derive(Clone)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub start_tls: StartTls,
    pub credentials: Option<Credentials>,
    pub hello: ClientId,
    /// Limit for connecting and for each mail.
    pub timeout: Duration,
}

/// Idle connections to one server, each with the moment it was last used.
pub struct SmtpPool {
    server: SmtpServer,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    pub fn new(server: SmtpServer) -> SmtpPool {
        SmtpPool {
            server,
            idle: Mutex::new(Vec::new()),
        }
    }

    #[cfg(test)]
    pub(super) fn server(&self) -> &SmtpServer {
        &self.server
    }

    /// Sends one message on an idle connection (checked with NOOP first) or a new one. The
    /// connection goes back to the pool after a mail the server accepted; after a refusal or
    /// a failure lettre has already closed it.
    pub async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), SendError> {
        let mut conn = match self.reuse().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        let limit = self.server.timeout;
        match tokio::time::timeout(limit, conn.send(envelope, raw)).await {
            Err(_) => Err(SendError::Transient(format!(
                "the mail server did not answer within {} s",
                limit.as_secs()
            ))),
            Ok(Ok(_)) => {
                self.give_back(conn);
                Ok(())
            }
            // lettre ends the session on any failure (QUIT, then close): nothing to keep.
            Ok(Err(e)) => Err(super::mailer::classify_smtp(e)),
        }
    }

    /// The most recently used idle connection that still answers, if any.
    async fn reuse(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.lock().pop()?;
            if since.elapsed() > IDLE_TIMEOUT {
                continue;
            }
            let alive = tokio::time::timeout(self.server.timeout, conn.test_connected()).await;
            if alive == Ok(true) {
                return Some(conn);
            }
        }
    }

    fn give_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.lock();
        idle.retain(|(_, since)| since.elapsed() <= IDLE_TIMEOUT);
        if idle.len() < MAX_IDLE {
            idle.push((conn, Instant::now()));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(AsyncSmtpConnection, Instant)>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let server = &self.server;
        let within = |what: &str| {
            SendError::Transient(format!(
                "{what}: no answer within {} s",
                server.timeout.as_secs()
            ))
        };
        let tcp = tokio::time::timeout(
            server.timeout,
            tokio::net::TcpStream::connect((server.host.as_str(), server.port)),
        )
        .await
        .map_err(|_| within("connecting to the mail server"))?
        .map_err(|e| SendError::Transient(format!("connecting to the mail server: {e}")))?;
        tcp.set_nodelay(true)
            .map_err(|e| SendError::Transient(format!("mail server socket: {e}")))?;
        let setup = async {
            let mut conn =
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &server.hello).await?;
            let tls = match &server.start_tls {
                StartTls::Never => None,
                StartTls::WhenOffered(tls) => conn.can_starttls().then_some(tls),
                StartTls::Required(tls) => Some(tls),
            };
            if let Some(tls) = tls {
                conn.starttls(tls.clone(), &server.hello).await?;
            }
            if let Some(credentials) = &server.credentials {
                conn.auth(DEFAULT_MECHANISMS, credentials).await?;
            }
            Ok::<_, lettre::transport::smtp::Error>(conn)
        };
        tokio::time::timeout(server.timeout, setup)
            .await
            .map_err(|_| within("greeting the mail server"))?
            .map_err(super::mailer::classify_smtp)
    }
}
