//! Hears, on PostgreSQL, the changes other processes make to sessions and users (the triggers
//! of migration 000060 `NOTIFY kitdesk_auth`), and counts each as a change
//! ([`super::sessions::note_change`]) so that this instance stops using the sessions it cached
//! before. While the listener cannot reach the database, it counts a change every time it
//! tries again: nothing is cached for long without it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::sessions::note_change;

/// How often the listener looks for notifications: the bound on how late another instance's
/// sign-out or disable reaches this one's cache.
pub const POLL: Duration = Duration::from_millis(100);
const RETRY: Duration = Duration::from_secs(1);
/// How often the listener checks that its connection still answers.
const PING: Duration = Duration::from_secs(5);

/// Stops the listener thread when dropped.
pub struct AuthListener {
    stop: Arc<AtomicBool>,
}

impl Drop for AuthListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Starts listening on its own connection (not one of the pool's: it stays open).
pub fn spawn(url: String) -> std::io::Result<AuthListener> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("auth-listener".into())
        .spawn(move || {
            while !stopped.load(Ordering::Acquire) {
                if let Err(e) = listen(&url, &stopped) {
                    tracing::warn!(error = %e, "session change listener lost its connection; retrying");
                }
                note_change();
                std::thread::sleep(RETRY);
            }
        })?;
    Ok(AuthListener { stop })
}

fn listen(url: &str, stopped: &AtomicBool) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = PgConnection::establish(url)?;
    conn.batch_execute("LISTEN kitdesk_auth")?;
    // Whatever changed while nobody listened.
    note_change();
    let mut last_ping = std::time::Instant::now();
    while !stopped.load(Ordering::Acquire) {
        if last_ping.elapsed() >= PING {
            // A connection cut without a word is found out here, within seconds.
            conn.batch_execute("SELECT 1")?;
            last_ping = std::time::Instant::now();
        }
        let mut heard = false;
        for notification in conn.notifications_iter() {
            notification?;
            heard = true;
        }
        if heard {
            note_change();
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}
