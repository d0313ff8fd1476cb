//! Delivering one rendered outbox row. Three backends, chosen by configuration: SMTP when
//! `SMTP_URL` is set (production), `.eml` files in the mail folder otherwise (zero setup),
//! and memory for unit tests. Logs show recipients masked.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailTransportConfig};
use crate::db::outbox::OutboxRow;
use crate::domain::email::mask_email;

use super::smtp_pool::{SmtpPool, SmtpServer, StartTls};

/// Time limit for SMTP: to connect and greet, and for each message (per command with
/// lettre's transport, `smtps://`). A hung server must not hold a worker.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How a delivery failed, which decides whether it is tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: the server is down or busy (connection refused, time-out, 4xx).
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying will not help: the server refused the message (5xx) or the address is bad.
    #[error("permanent: {0}")]
    Permanent(String),
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("invalid SMTP_URL: {0}")]
    BadSmtpUrl(String),
    #[error("KITDESK_MAIL_FROM is not a valid mailbox: {0}")]
    BadFrom(String),
}

/// A mail as the memory backend keeps it.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub message_id: String,
    pub recipient: String,
    pub raw: Vec<u8>,
}

#[derive(Clone)]
enum Backend {
    Smtp(Smtp),
    Files(PathBuf),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

/// How mail reaches an SMTP server: our own connections (`smtp://`, see `smtp_pool` for
/// why), or lettre's transport for `smtps://`.
#[derive(Clone)]
enum Smtp {
    Pooled(Arc<SmtpPool>),
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends outbox rows. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    backend: Backend,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match &self.backend {
            Backend::Smtp(_) => "smtp".to_owned(),
            Backend::Files(dir) => format!("files({})", dir.display()),
            Backend::Memory(_) => "memory".to_owned(),
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("backend", &backend)
            .finish()
    }
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> Result<Mailer, MailerError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| MailerError::BadFrom(format!("{:?}: {e}", config.from)))?;
        let backend = match &config.transport {
            MailTransportConfig::Files(dir) => Backend::Files(dir.clone()),
            MailTransportConfig::Smtp {
                url,
                username,
                password,
            } => Backend::Smtp(smtp_backend(url, username.as_deref(), password.as_deref())?),
        };
        Ok(Mailer { from, backend })
    }

    /// A mailer that keeps messages in memory; the vector is shared with the caller.
    pub fn memory(from: Mailbox) -> (Mailer, Arc<Mutex<Vec<SentMail>>>) {
        let store = Arc::new(Mutex::new(Vec::new()));
        (
            Mailer {
                from,
                backend: Backend::Memory(store.clone()),
            },
            store,
        )
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Smtp(_) => "smtp",
            Backend::Files(_) => "files",
            Backend::Memory(_) => "memory",
        }
    }

    /// The message of a row: multipart/alternative (text, HTML), both base64 so that Korean
    /// passes any relay, with the row's own Message-ID and its creation time as Date so
    /// that a resend is the same message.
    pub fn build(&self, row: &OutboxRow) -> Result<Message, SendError> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?;
        let part = |content_type: ContentType, body: &str| {
            SinglePart::builder()
                .header(content_type)
                .header(ContentTransferEncoding::Base64)
                .body(body.to_owned())
        };
        let alternative = MultiPart::alternative()
            .singlepart(part(ContentType::TEXT_PLAIN, &row.body_text))
            .singlepart(part(ContentType::TEXT_HTML, &row.body_html));
        let body = match &row.calendar {
            None => alternative,
            // An interview invitation: the calendar as an alternative part (calendar programs
            // offer to accept it) and as an .ics attachment for the others.
            Some(ics) => {
                let ics = super::calendar::with_organizer(
                    ics,
                    self.from.name.as_deref(),
                    self.from.email.as_ref(),
                );
                let method = super::calendar::method_of(&ics);
                let calendar_type =
                    ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                        .map_err(|e| SendError::Permanent(format!("calendar content type: {e}")))?;
                MultiPart::mixed()
                    .multipart(alternative.singlepart(part(calendar_type, &ics)))
                    .singlepart(
                        lettre::message::Attachment::new("interview.ics".to_owned()).body(
                            ics.clone(),
                            ContentType::parse("application/ics").map_err(|e| {
                                SendError::Permanent(format!("calendar content type: {e}"))
                            })?,
                        ),
                    )
            }
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()))
            .date(SystemTime::from(row.created_at.and_utc()))
            .multipart(body)
            .map_err(|e| SendError::Permanent(format!("could not build the message: {e}")))
    }

    /// Delivers one row.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), SendError> {
        let result = match self.build(row) {
            Err(e) => Err(e),
            Ok(message) => match &self.backend {
                Backend::Smtp(Smtp::Pooled(pool)) => {
                    pool.send(message.envelope(), &message.formatted()).await
                }
                Backend::Smtp(Smtp::Lettre(transport)) => transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(classify_smtp),
                Backend::Files(dir) => {
                    let (dir, id, raw) = (dir.clone(), row.id.clone(), message.formatted());
                    tokio::task::spawn_blocking(move || write_eml(&dir, &id, &raw))
                        .await
                        .unwrap_or_else(|e| Err(SendError::Transient(format!("mail folder: {e}"))))
                }
                Backend::Memory(store) => {
                    store
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push(SentMail {
                            message_id: row.message_id.clone(),
                            recipient: row.recipient.clone(),
                            raw: message.formatted(),
                        });
                    Ok(())
                }
            },
        };
        log_outcome(row, &result);
        result
    }

    /// Delivers a group of rows, each outcome in the rows' order: to a mail server all at
    /// once (each waits on the server's answers, not on the machine); to the mail folder in
    /// one trip to the blocking pool, one file after another.
    pub async fn send_all(&self, rows: &[OutboxRow]) -> Vec<Result<(), SendError>> {
        let Backend::Files(dir) = &self.backend else {
            return futures_util::future::join_all(rows.iter().map(|row| self.send(row))).await;
        };
        let built: Vec<(String, Result<Vec<u8>, SendError>)> = rows
            .iter()
            .map(|row| (row.id.clone(), self.build(row).map(|m| m.formatted())))
            .collect();
        let dir = dir.clone();
        let results = tokio::task::spawn_blocking(move || {
            built
                .into_iter()
                .map(|(id, raw)| raw.and_then(|raw| write_eml(&dir, &id, &raw)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_else(|e| {
            rows.iter()
                .map(|_| Err(SendError::Transient(format!("mail folder: {e}"))))
                .collect()
        });
        for (row, result) in rows.iter().zip(&results) {
            log_outcome(row, result);
        }
        results
    }
}

fn log_outcome(row: &OutboxRow, result: &Result<(), SendError>) {
    let to = mask_email(&row.recipient);
    match result {
        Ok(()) => tracing::info!(outbox_id = %row.id, kind = %row.kind, to = %to, "mail sent"),
        Err(e) => {
            tracing::warn!(outbox_id = %row.id, kind = %row.kind, to = %to, error = %e, "mail not sent")
        }
    }
}

/// 5xx replies and messages the client cannot even form are permanent; everything else
/// (4xx, refused or dropped connections, time-outs, TLS trouble) may pass on a later try.
pub(super) fn classify_smtp(e: lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(text)
    } else {
        SendError::Transient(text)
    }
}

/// Writes `<dir>/<id>.eml` through a temporary file and a rename, so that a reader never
/// sees half a message and a resend overwrites rather than duplicates. Blocks.
fn write_eml(dir: &std::path::Path, id: &str, raw: &[u8]) -> Result<(), SendError> {
    let io = |e: std::io::Error| SendError::Transient(format!("mail folder: {e}"));
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    std::fs::write(&tmp, raw).map_err(io)?;
    std::fs::rename(&tmp, dir.join(format!("{id}.eml"))).map_err(io)
}

/// `smtp://` is plain SMTP that upgrades with STARTTLS when the server offers it (a loopback
/// test server offers nothing and is spoken to in plain); `smtps://` is TLS from the first
/// byte; `?tls=required` insists on STARTTLS. Credentials come from the URL, else from
/// `SMTP_USERNAME`/`SMTP_PASSWORD`. A path names this client in EHLO (`smtp://host/name`).
fn smtp_backend(
    url: &str,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<Smtp, MailerError> {
    let bad = |e: &dyn std::fmt::Display| MailerError::BadSmtpUrl(format!("{e}"));
    // lettre's own reading of the URL first, so that both paths accept the same URLs.
    let transport = smtp_transport(url, username, password)?;
    let parsed = url::Url::parse(url).map_err(|e| bad(&e))?;
    if parsed.scheme() != "smtp" {
        return Ok(Smtp::Lettre(transport));
    }
    let host = smtp_host(url).ok_or_else(|| bad(&"no host"))?;
    let tls = || TlsParameters::new(host.clone()).map_err(|e| bad(&e));
    let tls_mode = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let (start_tls, default_port) = match tls_mode.as_deref() {
        None => (StartTls::WhenOffered(tls()?), 25),
        Some("opportunistic") => (StartTls::WhenOffered(tls()?), 587),
        Some("required") => (StartTls::Required(tls()?), 587),
        Some(other) => return Err(bad(&format!("unknown tls={other}"))),
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    // As lettre reads it: a URL that names a user brings its own password or none.
    let credentials = if !parsed.username().is_empty() || parsed.password().is_some() {
        parsed
            .password()
            .map(|pass| Credentials::new(decode(parsed.username()), decode(pass)))
    } else {
        match (username, password) {
            (Some(user), Some(pass)) => Some(Credentials::new(user.to_owned(), pass.to_owned())),
            _ => None,
        }
    };
    let name = parsed.path().trim_matches('/');
    let hello = if name.is_empty() {
        ClientId::default()
    } else {
        ClientId::Domain(name.to_owned())
    };
    Ok(Smtp::Pooled(Arc::new(SmtpPool::new(SmtpServer {
        host,
        port: parsed.port().unwrap_or(default_port),
        start_tls,
        credentials,
        hello,
        timeout: SMTP_TIMEOUT,
    }))))
}

/// lettre's transport for a URL (it checks the URL too).
fn smtp_transport(
    url: &str,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailerError> {
    let bad = |e: &dyn std::fmt::Display| MailerError::BadSmtpUrl(format!("{e}"));
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| bad(&e))?;
    if url.starts_with("smtp://") && !url.contains("tls=") {
        let host = smtp_host(url).ok_or_else(|| bad(&"no host"))?;
        let tls = TlsParameters::new(host).map_err(|e| bad(&e))?;
        builder = builder.tls(Tls::Opportunistic(tls));
    }
    let url_has_credentials = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .is_some_and(|authority| authority.contains('@'));
    if !url_has_credentials {
        if let (Some(user), Some(pass)) = (username, password) {
            builder = builder.credentials(Credentials::new(user.to_owned(), pass.to_owned()));
        }
    }
    Ok(builder.timeout(Some(SMTP_TIMEOUT)).build())
}

/// The host of `smtp://[user:pass@]host[:port][/…][?…]`.
fn smtp_host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::enqueue::outbox_row;
    use crate::notify::messages::Rendered;

    fn row(to: &str) -> OutboxRow {
        outbox_row(
            "filing_received",
            "applicant",
            to,
            None,
            None,
            &Rendered {
                subject: "[KIT 데스크] 접수 / [KIT Desk] Received".into(),
                text: "안녕하세요\nHello".into(),
                html: "<p>안녕하세요</p><p>Hello</p>".into(),
            },
            crate::domain::time::now(),
        )
    }

    #[test]
    fn an_interview_mail_carries_its_invitation_as_a_part_and_an_attachment() {
        let (mailer, _) = Mailer::memory("KIT Desk <desk@example.gov>".parse().unwrap());
        let mut with = row("minjun@example.kr");
        with.calendar = Some(
            "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                .into(),
        );
        let raw = String::from_utf8(mailer.build(&with).unwrap().formatted()).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(
            raw.contains("text/calendar; charset=utf-8; method=CANCEL"),
            "{raw}"
        );
        assert!(raw.contains("filename=\"interview.ics\""), "{raw}");
        let plain =
            String::from_utf8(mailer.build(&row("a@example.kr")).unwrap().formatted()).unwrap();
        assert!(!plain.contains("text/calendar"));
    }

    #[test]
    fn parses_smtp_hosts() {
        assert_eq!(
            smtp_host("smtp://127.0.0.1:2525").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            smtp_host("smtps://u:p@mail.example.com:465/x?y").as_deref(),
            Some("mail.example.com")
        );
        assert_eq!(smtp_host("smtp://[::1]:25").as_deref(), Some("::1"));
        assert_eq!(smtp_host("smtp://"), None);
    }

    #[tokio::test]
    async fn memory_backend_keeps_the_message_with_its_id() {
        let (mailer, store) = Mailer::memory("KIT Desk <kitdesk@example.org>".parse().unwrap());
        let r = row("minjun@example.kr");
        mailer.send(&r).await.unwrap();
        let sent = store.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].message_id, r.message_id);
        let raw = String::from_utf8_lossy(&sent[0].raw);
        assert!(
            raw.contains(&format!("Message-ID: {}", r.message_id)),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"));
    }

    #[tokio::test]
    async fn a_bad_address_is_permanent() {
        let (mailer, _) = Mailer::memory("kitdesk@example.org".parse().unwrap());
        assert!(matches!(
            mailer.send(&row("not an address")).await,
            Err(SendError::Permanent(_))
        ));
    }

    #[tokio::test]
    async fn file_backend_writes_one_eml_per_row_and_resends_in_place() {
        let dir = std::env::temp_dir().join(format!("kitdesk-mail-{}", uuid::Uuid::new_v4()));
        let mailer = Mailer::from_config(&MailConfig {
            transport: MailTransportConfig::Files(dir.clone()),
            from: "kitdesk@example.org".into(),
        })
        .unwrap();
        let r = row("minjun@example.kr");
        mailer.send(&r).await.unwrap();
        mailer.send(&r).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(files.len(), 1);
        assert!(dir.join(format!("{}.eml", r.id)).exists());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn reads_smtp_urls_as_lettre_does() {
        let pooled = |url: &str| match smtp_backend(url, None, None).unwrap() {
            Smtp::Pooled(pool) => pool,
            Smtp::Lettre(_) => panic!("{url} should use our own connections"),
        };
        let plain = pooled("smtp://127.0.0.1");
        assert_eq!(
            (plain.server().host.as_str(), plain.server().port),
            ("127.0.0.1", 25)
        );
        assert!(matches!(plain.server().start_tls, StartTls::WhenOffered(_)));
        assert!(plain.server().credentials.is_none());
        let strict =
            pooled("smtp://kit%40desk:p%3Ass@mail.example.org/kitdesk.example?tls=required");
        assert_eq!(strict.server().port, 587);
        assert!(matches!(strict.server().start_tls, StartTls::Required(_)));
        assert!(strict.server().credentials.is_some());
        assert_eq!(
            strict.server().hello,
            ClientId::Domain("kitdesk.example".into())
        );
        assert_eq!(pooled("smtp://mail.example.org:2525").server().port, 2525);
        assert!(matches!(
            smtp_backend("smtps://mail.example.org", None, None).unwrap(),
            Smtp::Lettre(_)
        ));
        assert!(smtp_backend("smtp://mail.example.org?tls=sometimes", None, None).is_err());
    }

    #[tokio::test]
    async fn smtp_connection_refused_is_transient() {
        // A port nobody listens on: bind, read the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mailer = Mailer::from_config(&MailConfig {
            transport: MailTransportConfig::Smtp {
                url: format!("smtp://127.0.0.1:{port}"),
                username: None,
                password: None,
            },
            from: "kitdesk@example.org".into(),
        })
        .unwrap();
        assert!(matches!(
            mailer.send(&row("minjun@example.kr")).await,
            Err(SendError::Transient(_))
        ));
    }
}
