//! Domain values and rules with no I/O: roles, e-mail addresses, passwords, receipt numbers,
//! the case state machine. Nothing here touches the database, HTTP or the clock except
//! through arguments.

pub mod case;
pub mod country;
pub mod document;
pub mod email;
pub mod fact_names;
pub mod facts;
pub mod interview;
pub mod password;
pub mod presence;
pub mod receipt;
pub mod refusal;
pub mod rights;
pub mod role;
pub mod romanization;
pub mod route;
pub mod text;
pub mod time;
pub mod training;
pub mod worker;

pub use case::{ActionKind, CaseStatus};
pub use email::EmailAddress;
pub use facts::FactsV2;
pub use password::Password;
pub use receipt::ReceiptNumber;
pub use role::Role;
pub use route::VisaRoute;

/// A value that failed to parse, with a message fit to show to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    pub message: String,
}

impl InvalidValue {
    pub fn new(message: impl Into<String>) -> Self {
        InvalidValue {
            message: message.into(),
        }
    }
}
