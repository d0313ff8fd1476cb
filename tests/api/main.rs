//! One integration-test binary: every test starts the real application (startup.rs) on port 0
//! with its own fresh database and talks to it over HTTP. By default each database is a new
//! SQLite file; with `TEST_DATABASE_URL=postgres://…` each test gets a new PostgreSQL database
//! cloned from a migrated template, dropped when the test ends.

mod account_support;
mod accounts;
mod admin_pages;
mod after_visa;
mod authz;
mod bundles;
mod cases;
mod colleagues;
mod documents;
mod eligibility;
mod filings;
mod fuzzing;
mod health;
mod helpers;
mod interviews;
mod mfa;
mod outbox;
mod overstay;
mod pages;
mod password_reset;
mod profiles;
mod reports;
mod rules_v2;
mod security;
mod smtp_sink;
mod sponsor_review;
mod training;
