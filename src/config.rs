//! Run-time configuration, resolved once from the command line and environment: the
//! database, the listener, mail, and the master secret.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::cli::{LogFormat, SettingsArgs};
use crate::db::{DbError, DbUrl};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("KITDESK_SECRET_KEY is required with PostgreSQL: every instance must share one key (generate one with `openssl rand -hex 32`)")]
    SecretRequired,
    #[error("KITDESK_SECRET_KEY must be at least 32 characters")]
    SecretTooShort,
    #[error("KITDESK_SECRET_KEY is a published placeholder or has too little variety: generate one with `openssl rand -hex 32`")]
    SecretPlaceholder,
    #[error("client address: {0}")]
    ClientIp(String),
    #[error("could not read or create the secret key file {path}: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("SMTP_URL must start with smtp:// or smtps:// (got {0:?})")]
    BadSmtpUrl(String),
    #[error("KITDESK_MAIL_FROM is not a valid mailbox: {0:?}")]
    BadMailFrom(String),
    #[error("KITDESK_DESK_DATE is for training and staging desks: it is refused with KITDESK_COOKIE_SECURE (production)")]
    DeskDateInProduction,
    #[error(
        "KITDESK_PUBLIC_URL is required with KITDESK_COOKIE_SECURE (production): mails link to it"
    )]
    PublicUrlMissing,
    #[error("KITDESK_PUBLIC_URL must be an http:// or https:// address without a path, query or fragment (got {0:?})")]
    BadPublicUrl(String),
}

/// `https://desk.example/` as `https://desk.example`; refuses a path, query or fragment.
fn parse_public_url(raw: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::BadPublicUrl(raw.to_owned());
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() || host.contains(['/', '?', '#', ' ', '@']) {
        return Err(bad());
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// Where outgoing mail goes.
#[derive(Clone)]
pub enum MailTransportConfig {
    /// A real SMTP server (production).
    Smtp {
        url: String,
        username: Option<String>,
        password: Option<String>,
    },
    /// One .eml file per message in a folder (the zero-setup default).
    Files(PathBuf),
}

impl std::fmt::Debug for MailTransportConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailTransportConfig::Smtp { url, .. } => {
                let host = url.rsplit('@').next().unwrap_or(url);
                write!(f, "Smtp({host})")
            }
            MailTransportConfig::Files(dir) => write!(f, "Files({})", dir.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: MailTransportConfig,
    pub from: String,
}

#[derive(Clone)]
pub struct Config {
    pub database: DbUrl,
    pub bind: String,
    pub data_dir: PathBuf,
    pub mail: MailConfig,
    pub secret_key: Vec<u8>,
    /// How the key was obtained, for the start-up log line.
    pub secret_source: SecretSource,
    pub log_format: LogFormat,
    /// Where the client address comes from (`--client-ip-header`, `--trusted-proxy-hops`).
    pub client_ip: crate::http::client_ip::ClientIpSource,
    pub cookie_secure: bool,
    /// Where people reach the desk, without a trailing slash: mails link to it.
    pub public_url: String,
    /// True when `public_url` was not configured but derived from the bind address.
    pub public_url_derived: bool,
    /// The desk's calendar date at start-up, when rehearsing (see `--desk-date`).
    pub desk_date: Option<chrono::NaiveDate>,
    /// Where document bodies go: a folder or `s3://bucket/prefix`.
    pub documents_url: String,
    pub document_limits: crate::service::documents::DocumentLimits,
    /// Reschedules of an interview before a supervisor must decide.
    pub interview_reschedule_limit: u16,
    pub workers: Option<usize>,
    /// The outbox worker's pace, lease and retry policy.
    pub outbox: crate::notify::OutboxSettings,
    /// Whether staff accounts must have a second factor (`--desk-mfa`).
    pub desk_mfa: crate::service::mfa::DeskMfa,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Environment,
    File(PathBuf),
    Generated(PathBuf),
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database.redacted())
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("mail", &self.mail)
            .field("secret_source", &self.secret_source)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn from_args(args: &SettingsArgs) -> Result<Config, ConfigError> {
        let database = match &args.database_url {
            Some(url) if !url.trim().is_empty() => DbUrl::parse(url)?,
            _ => DbUrl::Sqlite(args.data_dir.join("kitdesk.db")),
        };
        let (secret_key, secret_source) =
            resolve_secret(args.secret_key.as_deref(), &database, &args.data_dir)?;
        let transport = match &args.smtp_url {
            Some(url) if !url.trim().is_empty() => {
                let url = url.trim();
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError::BadSmtpUrl(url.to_owned()));
                }
                MailTransportConfig::Smtp {
                    url: url.to_owned(),
                    username: args.smtp_username.clone(),
                    password: args.smtp_password.clone(),
                }
            }
            _ => MailTransportConfig::Files(
                args.mail_dir
                    .clone()
                    .unwrap_or_else(|| args.data_dir.join("mail")),
            ),
        };
        if args.desk_date.is_some() && args.cookie_secure {
            return Err(ConfigError::DeskDateInProduction);
        }
        let (public_url, public_url_derived) = match args
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(url) => (parse_public_url(url)?, false),
            None if args.cookie_secure => return Err(ConfigError::PublicUrlMissing),
            None => (format!("http://{}", args.bind), true),
        };
        if args.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::BadMailFrom(args.mail_from.clone()));
        }
        let header = match (&args.client_ip_header, args.trust_proxy) {
            (Some(name), _) if !name.trim().is_empty() => Some(name.as_str()),
            (_, true) => Some("x-forwarded-for"),
            _ => None,
        };
        let client_ip =
            crate::http::client_ip::ClientIpSource::new(header, args.trusted_proxy_hops)
                .map_err(ConfigError::ClientIp)?;
        Ok(Config {
            database,
            bind: args.bind.clone(),
            data_dir: args.data_dir.clone(),
            mail: MailConfig {
                transport,
                from: args.mail_from.clone(),
            },
            secret_key,
            secret_source,
            log_format: args.log_format,
            client_ip,
            cookie_secure: args.cookie_secure,
            public_url,
            public_url_derived,
            desk_date: args.desk_date,
            documents_url: args
                .documents_url
                .clone()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| args.data_dir.join("documents").display().to_string()),
            document_limits: crate::service::documents::DocumentLimits {
                file_bytes: args.document_max_bytes,
                total_bytes: args.case_documents_max_bytes,
                bundle_bytes: args.bundle_max_bytes,
            },
            interview_reschedule_limit: args.interview_reschedule_limit,
            workers: args.workers,
            outbox: crate::notify::OutboxSettings::default(),
            // production (a Secure cookie) holds staff to a second factor unless told not to
            desk_mfa: match args.desk_mfa {
                Some(crate::cli::DeskMfaArg::Required) => crate::service::mfa::DeskMfa::Required,
                Some(crate::cli::DeskMfaArg::Optional) => crate::service::mfa::DeskMfa::Optional,
                None if args.cookie_secure => crate::service::mfa::DeskMfa::Required,
                None => crate::service::mfa::DeskMfa::Optional,
            },
        })
    }
}

const SECRET_FILE: &str = "secret.key";

/// Keys published in our own files and the usual stand-ins: a deployment that kept one has
/// no secret at all.
const PLACEHOLDER_SECRETS: &[&str] = &[
    "change-me-to-64-hex-characters-from-openssl-rand-hex-32-xxxxxxxx",
    "test-secret-key-that-is-long-enough-0123456789",
];

/// Refuses short keys, published placeholders and keys of few distinct characters
/// (`aaaa…`, `0000…`) or containing a placeholder word.
fn check_secret(key: &str) -> Result<(), ConfigError> {
    if key.len() < 32 {
        return Err(ConfigError::SecretTooShort);
    }
    let lower = key.to_ascii_lowercase();
    let distinct = lower
        .chars()
        .collect::<std::collections::HashSet<_>>()
        .len();
    let placeholder_word = [
        "change-me",
        "changeme",
        "placeholder",
        "your-secret",
        "secret-key-here",
    ]
    .iter()
    .any(|w| lower.contains(w));
    // The tests' own key is allowed only in this crate's tests and the integration tests,
    // which build their Config directly and never come through here.
    if PLACEHOLDER_SECRETS.contains(&key) || placeholder_word || distinct < 8 {
        return Err(ConfigError::SecretPlaceholder);
    }
    Ok(())
}

fn resolve_secret(
    given: Option<&str>,
    database: &DbUrl,
    data_dir: &Path,
) -> Result<(Vec<u8>, SecretSource), ConfigError> {
    if let Some(key) = given.map(str::trim).filter(|k| !k.is_empty()) {
        check_secret(key)?;
        return Ok((key.as_bytes().to_vec(), SecretSource::Environment));
    }
    if let DbUrl::Postgres(_) = database {
        return Err(ConfigError::SecretRequired);
    }
    let path = data_dir.join(SECRET_FILE);
    let file_error = |source| ConfigError::SecretFile {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(existing) => {
            let key = existing.trim();
            if key.len() < 32 {
                return Err(ConfigError::SecretTooShort);
            }
            Ok((key.as_bytes().to_vec(), SecretSource::File(path.clone())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(file_error)?;
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let key = hex::encode(bytes);
            write_private_file(&path, key.as_bytes()).map_err(file_error)?;
            Ok((key.into_bytes(), SecretSource::Generated(path.clone())))
        }
        Err(e) => Err(file_error(e)),
    }
}

/// Creates `path` readable by its owner only; fails if it already exists (another process
/// won the race: its key must not be overwritten).
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> SettingsArgs {
        let mut argv = vec!["kitdesk"];
        argv.extend_from_slice(extra);
        argv.push("migrate");
        crate::cli::Cli::parse_from(argv).settings
    }

    #[test]
    fn mails_link_to_the_public_url_which_production_must_set() {
        let dir = std::env::temp_dir().join(format!("kitdesk-cfg-{}", uuid::Uuid::new_v4()));
        let mut a = args(&[]);
        a.data_dir = dir.clone();
        a.secret_key = Some("9f3c2a7b5e1d4c6a8b0e2f4d6c8a0b1e3f5d7c9a1b3e5f7d".into());
        let derived = Config::from_args(&a).unwrap();
        assert!(derived.public_url_derived && derived.public_url.starts_with("http://"));
        a.public_url = Some("https://kitdesk.example.gov/".into());
        let set = Config::from_args(&a).unwrap();
        assert_eq!(set.public_url, "https://kitdesk.example.gov");
        assert!(!set.public_url_derived);
        for bad in [
            "kitdesk.example.gov",
            "https://x.gov/desk",
            "https://x.gov?a=1",
            "ftp://x",
        ] {
            a.public_url = Some(bad.into());
            assert!(
                matches!(Config::from_args(&a), Err(ConfigError::BadPublicUrl(_))),
                "{bad}"
            );
        }
        a.public_url = None;
        a.cookie_secure = true;
        assert!(matches!(
            Config::from_args(&a),
            Err(ConfigError::PublicUrlMissing)
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn desk_mfa_is_required_in_production_unless_configured() {
        use crate::service::mfa::DeskMfa;
        let dir = std::env::temp_dir().join(format!("kitdesk-cfg-{}", uuid::Uuid::new_v4()));
        let mut a = args(&[]);
        a.data_dir = dir.clone();
        a.secret_key = Some("9f3c2a7b5e1d4c6a8b0e2f4d6c8a0b1e3f5d7c9a1b3e5f7d".into());
        assert_eq!(Config::from_args(&a).unwrap().desk_mfa, DeskMfa::Optional);
        a.cookie_secure = true;
        a.public_url = Some("https://kitdesk.example.gov".into());
        assert_eq!(Config::from_args(&a).unwrap().desk_mfa, DeskMfa::Required);
        let mut b = args(&["--desk-mfa", "optional", "--cookie-secure"]);
        b.data_dir = dir.clone();
        b.secret_key = a.secret_key.clone();
        b.public_url = a.public_url.clone();
        assert_eq!(Config::from_args(&b).unwrap().desk_mfa, DeskMfa::Optional);
        let mut c = args(&["--desk-mfa", "required"]);
        c.data_dir = dir.clone();
        c.secret_key = a.secret_key.clone();
        assert_eq!(Config::from_args(&c).unwrap().desk_mfa, DeskMfa::Required);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn postgres_without_secret_is_an_error() {
        let mut a = args(&[]);
        a.database_url = Some("postgres://u@localhost/db".into());
        a.secret_key = None;
        assert!(matches!(
            Config::from_args(&a),
            Err(ConfigError::SecretRequired)
        ));
    }

    #[test]
    fn sqlite_generates_a_private_key_once() {
        let dir = std::env::temp_dir().join(format!("kitdesk-cfg-{}", uuid::Uuid::new_v4()));
        let mut a = args(&[]);
        a.database_url = None;
        a.secret_key = None;
        a.data_dir = dir.clone();
        let first = Config::from_args(&a).unwrap();
        assert!(matches!(first.secret_source, SecretSource::Generated(_)));
        assert_eq!(first.database, DbUrl::Sqlite(dir.join("kitdesk.db")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = Config::from_args(&a).unwrap();
        assert!(matches!(second.secret_source, SecretSource::File(_)));
        assert_eq!(first.secret_key, second.secret_key);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn refuses_placeholder_and_weak_keys() {
        let mut a = args(&[]);
        for key in [
            "change-me-to-64-hex-characters-from-openssl-rand-hex-32-xxxxxxxx",
            &"x".repeat(40),
            &"ab".repeat(20),
            "short",
        ] {
            a.secret_key = Some(key.to_owned());
            assert!(
                matches!(
                    Config::from_args(&a),
                    Err(ConfigError::SecretPlaceholder | ConfigError::SecretTooShort)
                ),
                "{key}"
            );
        }
    }

    #[test]
    fn forwarded_headers_only_when_configured() {
        use crate::http::client_ip::ClientIpSource;
        let mut a = args(&[]);
        a.secret_key = Some("0123456789abcdef".repeat(3));
        assert_eq!(
            Config::from_args(&a).unwrap().client_ip,
            ClientIpSource::Peer
        );
        a.trust_proxy = true;
        assert_eq!(
            Config::from_args(&a).unwrap().client_ip,
            ClientIpSource::Header {
                name: "x-forwarded-for".into(),
                hops: 1
            }
        );
        a.client_ip_header = Some("X-Real-IP".into());
        a.trusted_proxy_hops = 0;
        assert!(matches!(
            Config::from_args(&a),
            Err(ConfigError::ClientIp(_))
        ));
    }

    #[test]
    fn rejects_bad_smtp_url() {
        let mut a = args(&[]);
        a.secret_key = Some("0123456789abcdef".repeat(3));
        a.smtp_url = Some("http://mail".into());
        assert!(matches!(
            Config::from_args(&a),
            Err(ConfigError::BadSmtpUrl(_))
        ));
    }
}
