//! Notifications: bilingual mail (Korean first, then English) to applicants and to their
//! employers, delivered through a transactional outbox so that none is lost.
//!
//! - [`enqueue`] renders the mails a case change owes and writes them to the outbox (or, for
//!   sponsors on a daily digest, to the digest items) inside the caller's transaction.
//! - [`messages`] holds the askama templates' contexts (`templates/mail/<message>/`).
//! - [`mailer`] delivers one rendered row: SMTP, `.eml` files, or memory (tests).
//! - [`worker`] claims due rows, sends them, retries with backoff, and dead-letters.
//! - [`digest`] gathers the day's events of digest sponsors into one mail per employer user.
//!
//! This module reads and writes only the outbox and digest tables (and reads cases, sponsors,
//! projects and users to address and fill mails). It never includes officers' internal
//! notes in a mail: INA 222(f) keeps visa records confidential, and every field used here
//! is one the case's employer can already read.

pub mod account_mail;
pub mod calendar;
pub mod desk_mail;
pub mod digest;
pub mod enqueue;
pub mod mailer;
pub mod messages;
pub mod smtp_pool;
pub mod worker;

pub use mailer::{Mailer, SendError};
pub use worker::{OutboxSettings, RetryPolicy, Worker, WorkerHandle};

/// Why mail could not be queued. Queuing happens inside a case change's transaction, so this
/// error rolls the change back: a change is never committed without its mail.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("outbox query failed: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("mail template failed: {0}")]
    Template(#[from] askama::Error),
}
