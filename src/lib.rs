//! kitdesk: the case system of the U.S. Embassy Seoul's KIT (Korean Investment & Travel) desk,
//! which sponsors Korean skilled workers sent to U.S. plants.
//!
//! The layers, and the one direction they depend in (`http → service → {domain, rules, db,
//! notify}`):
//!
//! - [`domain`]: values and rules with no I/O (roles, e-mail, passwords, receipts, case states).
//! - [`db`]: one diesel schema for SQLite and PostgreSQL, the pool and migrations; all
//!   backend-specific SQL.
//! - [`service`]: the use cases; each owns its transaction and returns a [`service::ServiceError`].
//! - [`notify`]: bilingual mail through a transactional outbox, its worker and digests.
//! - [`http`]: the route table, extractors and handlers; [`error`] maps errors to problem+json.
//! - [`startup`] builds the server from a [`config::Config`]; [`cli`] and `main.rs` drive it.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod memory;
pub mod notify;
pub mod rules;
pub mod service;
pub mod spool;
pub mod startup;
pub mod storage;
pub mod telemetry;
