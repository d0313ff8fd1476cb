//! The command line: every setting is a flag with an environment-variable fallback, and
//! `kitdesk --help` / `kitdesk SUBCOMMAND --help` document them all.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kitdesk",
    version,
    about = "kitdesk: the case system of the U.S. Embassy Seoul's KIT desk for Korean skilled workers",
    long_about = "kitdesk: the case system of the U.S. Embassy Seoul's KIT desk for Korean skilled workers.\n\n\
        With no settings it keeps its data in ./data (SQLite) and writes mail as .eml files to \
        ./data/mail. Every flag below can also be set by the environment variable shown."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Database: sqlite://PATH (the default, sqlite://<data dir>/kitdesk.db) or
    /// postgres://USER[:PASSWORD]@HOST:PORT/DB. The scheme selects the backend.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        env = "KITDESK_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Folder for the SQLite database, the generated secret key and mail files.
    #[arg(long, env = "KITDESK_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Folder where mail is written as .eml files when SMTP_URL is not set
    /// [default: <data dir>/mail].
    #[arg(long, env = "KITDESK_MAIL_DIR", global = true)]
    pub mail_dir: Option<PathBuf>,

    /// SMTP server for outgoing mail: smtp://HOST:PORT (STARTTLS when offered;
    /// ?tls=required insists), smtps://HOST:PORT (TLS), optionally with USER:PASSWORD@ before
    /// the host and /NAME after it (the name this client gives in EHLO).
    /// Unset: mail goes to files in the mail folder.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// SMTP user name, if not given in SMTP_URL.
    #[arg(long, env = "SMTP_USERNAME", global = true)]
    pub smtp_username: Option<String>,

    /// SMTP password, if not given in SMTP_URL.
    #[arg(long, env = "SMTP_PASSWORD", global = true, hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// Sender of every mail.
    #[arg(
        long,
        env = "KITDESK_MAIL_FROM",
        default_value = "KIT Desk <kitdesk@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Master secret (at least 32 characters) from which encryption and signing keys are
    /// derived. With SQLite and no key, one is generated into <data dir>/secret.key (mode 0600);
    /// with PostgreSQL it is required (every instance must share it).
    #[arg(
        long,
        env = "KITDESK_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,

    /// Log format.
    #[arg(long, env = "KITDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Shorthand for `--client-ip-header x-forwarded-for` (only behind a proxy you run).
    #[arg(long, env = "KITDESK_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,

    /// The header your proxy sets to the client address (`x-forwarded-for`, `x-real-ip`, or
    /// `forwarded`); unset: the TCP peer. No other forwarding header is ever read.
    #[arg(long, env = "KITDESK_CLIENT_IP_HEADER", global = true)]
    pub client_ip_header: Option<String>,

    /// How many proxies of yours append to that header: the client is this many entries from
    /// its right end.
    #[arg(
        long,
        env = "KITDESK_TRUSTED_PROXY_HOPS",
        default_value_t = 1,
        global = true
    )]
    pub trusted_proxy_hops: usize,

    /// Mark the session cookie Secure (set this when served over HTTPS).
    #[arg(long, env = "KITDESK_COOKIE_SECURE", global = true)]
    pub cookie_secure: bool,

    /// The address people reach the desk at (https://kitdesk.example.gov): mails link to it.
    /// Required with --cookie-secure [default: http://<bind address>, with a warning].
    #[arg(long, env = "KITDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Whether desk staff (officers, supervisors, administrators) must sign in with a second
    /// factor: `required` lets an account without one do nothing but enrol [default:
    /// required with --cookie-secure, else optional].
    #[arg(long, env = "KITDESK_DESK_MFA", value_enum, global = true)]
    pub desk_mfa: Option<DeskMfaArg>,

    /// HTTP worker threads [default: number of cores].
    #[arg(long, env = "KITDESK_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// The desk's calendar date at start-up (YYYY-MM-DD), advancing day by day from there:
    /// filing dates, evaluations and decisions follow it. For rehearsing a change of law
    /// (a rule set that takes effect later) on a training or staging desk; refused with
    /// --cookie-secure (production) [default: today in Seoul].
    #[arg(long, env = "KITDESK_DESK_DATE", global = true)]
    pub desk_date: Option<chrono::NaiveDate>,

    /// Where document bodies go, encrypted: a folder, or s3://BUCKET[/PREFIX] with the usual
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (and AWS_ENDPOINT for an
    /// S3-compatible server) [default: <data dir>/documents].
    #[arg(long, env = "KITDESK_DOCUMENTS_URL", global = true)]
    pub documents_url: Option<String>,

    /// Reschedules of one case's interview the desk may make; past them only a supervisor
    /// moves the interview.
    #[arg(
        long,
        env = "KITDESK_INTERVIEW_RESCHEDULE_LIMIT",
        global = true,
        default_value_t = 2
    )]
    pub interview_reschedule_limit: u16,

    /// Largest document file, in bytes.
    #[arg(
        long,
        env = "KITDESK_DOCUMENT_MAX_BYTES",
        global = true,
        default_value_t = 20_000_000
    )]
    pub document_max_bytes: u64,

    /// Largest total of one case's (or one project's) documents, in bytes.
    #[arg(
        long,
        env = "KITDESK_CASE_DOCUMENTS_MAX_BYTES",
        global = true,
        default_value_t = 200_000_000
    )]
    pub case_documents_max_bytes: u64,

    /// Largest ZIP of documents sent with a batch, in bytes (as sent and once unpacked).
    #[arg(
        long,
        env = "KITDESK_BUNDLE_MAX_BYTES",
        global = true,
        default_value_t = 500_000_000
    )]
    pub bundle_max_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeskMfaArg {
    Required,
    Optional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (migrates the database first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check, test and preview rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// The mail outbox: send, list, retry.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Document bodies: remove orphans, apply retention.
    #[command(subcommand)]
    Documents(DocumentsCommand),
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Create demo sponsors (a prime contractor, two subcontractors, a shipbuilder), projects,
    /// a user for each role (credentials printed once) and N filed cases. Safe to run again:
    /// it reuses what exists and adds cases.
    Seed {
        /// How many cases to file.
        #[arg(long, default_value_t = 200)]
        cases: usize,
        /// Filers working in parallel, each on its own connection, at most 8 [default: the
        /// number of cores (at least 2) on PostgreSQL; 1 on SQLite, whose single writer gains
        /// nothing from more].
        #[arg(long)]
        jobs: Option<usize>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate every rule-set file in DIR (limits, types, windows without gaps or overlaps).
    Check {
        /// Folder of rule-set TOML files.
        #[arg(default_value = "rules")]
        dir: PathBuf,
    },
    /// Validate DIR and run the test cases embedded in its files.
    Test {
        /// Folder of rule-set TOML files.
        #[arg(default_value = "rules")]
        dir: PathBuf,
    },
    /// Show how the outcomes of the stored cases would change under a draft version.
    Impact {
        /// The draft rule-set TOML file.
        file: PathBuf,
        /// Print every changed case, not only the counts.
        #[arg(long)]
        list: bool,
    },
    /// Re-evaluate every undecided case with the rule sets in force today (as a publish does
    /// in the background), printing progress and how many outcomes changed.
    Reevaluate,
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Remove stored objects that no document row references (left by an upload cut short),
    /// older than the grace period.
    Gc {
        /// Keep orphans younger than this many hours (an upload may be finishing).
        #[arg(long, default_value_t = 24)]
        grace_hours: i64,
    },
    /// Retention: remove the documents of cases closed (refused, withdrawn, visa issued, ESTA
    /// advised) before DATE; each removal is audited.
    Purge {
        /// YYYY-MM-DD: cases decided before this day.
        #[arg(long)]
        closed_before: chrono::NaiveDate,
        /// Count what would be removed, remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send queued mail until stopped (SIGINT/SIGTERM), next to or instead of the worker
    /// inside `serve`; any number may run against one PostgreSQL database. The messages in
    /// flight are finished before exiting.
    Run {
        /// Send what is due now (and any due daily digests), then exit; prints the mails
        /// sent so far and the rate on stderr once a second while it runs.
        #[arg(long)]
        once: bool,
    },
    /// List the newest messages: id, state, tries, masked recipient, last error.
    List {
        /// Only messages in this state: pending, sending, sent or dead.
        #[arg(long)]
        state: Option<String>,
        /// How many to show (1 to 1000).
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Make a dead (or waiting) message due now, with a fresh count of tries.
    Retry {
        /// The message's id (from `outbox list`).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain of the whole audit log; exits non-zero and names the first
    /// broken row if any row was altered, removed or reordered.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input (one line), never from the
    /// command line, where other users of the machine could see it.
    Create {
        /// E-mail address (the sign-in name).
        #[arg(long)]
        email: String,
        /// admin, supervisor, officer or employer.
        #[arg(long)]
        role: String,
        /// Sponsor the user belongs to (employer users only).
        #[arg(long)]
        sponsor_id: Option<String>,
        /// Name shown in the interface.
        #[arg(long)]
        name: Option<String>,
    },
    /// List users.
    List,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
