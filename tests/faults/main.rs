//! Fault tests (issue 7): the real `kitdesk` binary, started as child processes, is killed,
//! stopped and flooded while clients talk to it over loopback HTTP. Tests that stop the
//! database run on a private PostgreSQL cluster of their own (`cluster.rs`), never the
//! machine's shared server.
//!
//! They take minutes and measure timing, so they are `#[ignore]`d in a plain `cargo test`;
//! `scripts/faults` runs them one at a time:
//!
//! ```sh
//! cargo test --test faults -- --ignored --test-threads=1 --nocapture
//! ```
//!
//! Each test prints its figures (lines starting with `FAULTS`), which `docs/reliability.md`
//! records. R4 (two officers on one version) lives in `tests/api/cases.rs`.

mod cluster;
mod db;
#[path = "../api/helpers.rs"]
mod helpers;
mod load;
mod server;
#[path = "../api/smtp_sink.rs"]
mod smtp_sink;

mod r2_crash;
mod r3_database_outage;
mod r5_two_instances;
mod r6_sigterm;
mod s3_login;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

pub fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kitdesk-faults-{what}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Fails the test if `work` takes longer than `limit`: the suite must stay bounded.
pub async fn bounded<T>(limit: Duration, work: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, work).await {
        Ok(value) => value,
        Err(_) => panic!("fault test exceeded its bound of {limit:?}"),
    }
}

/// The `q`-quantile (0..=1) of some durations, in milliseconds.
pub fn quantile_ms(values: &[Duration], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let index = ((v.len() - 1) as f64 * q).round() as usize;
    v[index.min(v.len() - 1)]
}
