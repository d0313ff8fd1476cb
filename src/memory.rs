//! Giving memory back once the service goes quiet.
//!
//! Under load the service keeps what it warmed up: each pooled SQLite connection its page
//! cache (up to 2 MB, SQLite's default), and the C library's allocator the memory that SQLite
//! and libpq freed (glibc keeps freed memory in its per-thread arenas). After a busy spell,
//! delivering the seed's 160,000 mails for example, that was 6–11 MB of an idle SQLite
//! service's 67–80 MB (`docs/benchmarks.md`, "Eleventh session"). So when a second passes without work
//! after some, [`spawn`]'s task closes the idle SQLite connections but one and empties that
//! one's page cache, then asks the C allocator to return its free pages; the first requests
//! after that open connections and read their pages from the operating system's cache again.
//!
//! Independently, [`configure_c_heap`] keeps glibc from raising its trim threshold, so that
//! its per-thread arenas give back the free memory at their tops as soon as it is freed.
//!
//! Work is what [`note_work`] counts: HTTP requests and outbox passes that sent something.
//! The background polls (the outbox's every two seconds, the audit anchor's) do not count,
//! or the service would never be quiet.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::db::Pool;

/// How long the service must go without work before it gives memory back.
pub const QUIET: Duration = Duration::from_secs(1);

/// Work done in this process since it started (shared by every service it runs).
static WORK: AtomicU64 = AtomicU64::new(0);

/// Counts one piece of work: it postpones the next release by [`QUIET`].
pub fn note_work() {
    WORK.fetch_add(1, Ordering::Relaxed);
}

/// Decides, one tick every [`QUIET`], whether the service just went quiet: the work count
/// moved before the last tick and not since. One release per busy spell.
#[derive(Debug)]
pub struct QuietWatch {
    seen: u64,
    busy_since_release: bool,
}

impl QuietWatch {
    /// A watch that releases at the first quiet tick (start-up itself is a busy spell).
    pub fn new(work: u64) -> Self {
        QuietWatch {
            seen: work,
            busy_since_release: true,
        }
    }

    /// True when memory should be released now.
    pub fn tick(&mut self, work: u64) -> bool {
        if work != self.seen {
            self.seen = work;
            self.busy_since_release = true;
            return false;
        }
        std::mem::take(&mut self.busy_since_release)
    }
}

/// Runs the watch on the current Tokio runtime for as long as the runtime runs.
pub fn spawn(pool: Pool) {
    tokio::spawn(async move {
        let mut watch = QuietWatch::new(WORK.load(Ordering::Relaxed));
        let mut tick = tokio::time::interval(QUIET);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // An interval's first tick is immediate: the first decision comes a second later.
        tick.tick().await;
        loop {
            tick.tick().await;
            if !watch.tick(WORK.load(Ordering::Relaxed)) {
                continue;
            }
            let pool = pool.clone();
            match tokio::task::spawn_blocking(move || release(&pool)).await {
                Ok(released) => {
                    tracing::debug!(connections = released, "quiet: memory released")
                }
                Err(e) => tracing::warn!(error = %e, "releasing memory failed"),
            }
        }
    });
}

/// Releases the idle connections' memory ([`Pool::release_idle_memory`]) and trims the C
/// library's heap; returns how many connections gave memory back. Blocking (a few
/// milliseconds at most).
pub fn release(pool: &Pool) -> usize {
    let released = pool.release_idle_memory();
    trim_c_heap();
    released
}

/// glibc's threshold above which the free memory at the top of a heap goes back to the system
/// at once: its initial value, fixed. glibc raises it after freeing any block larger than
/// 128 KB (up to 64 MB), and the per-thread arenas SQLite allocates in then kept their free
/// tops: after a busy spell, arenas of 2–3.5 MB with about 100 KB in use (`malloc_stats`),
/// which [`trim_c_heap`] cannot return (it trims the bins, not a thread arena's top).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: std::ffi::c_int = 128 * 1024;

/// Sets the C library's allocator up to return freed memory (see [`TRIM_THRESHOLD`]). Call
/// it first thing in `main`, before any thread allocates.
pub fn configure_c_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two plain integers; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

/// Returns glibc's free pages, in every arena, to the operating system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_c_heap() {
    // SAFETY: malloc_trim takes a plain integer (the padding to keep) and only walks the
    // allocator's own free lists, under its locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other C libraries keep no such arenas, or offer no such call.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_c_heap() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_once_per_busy_spell_after_a_quiet_tick() {
        let mut watch = QuietWatch::new(0);
        // Start-up was busy: the first quiet tick releases, the next ones do not.
        assert!(watch.tick(0));
        assert!(!watch.tick(0));
        // Work in the last tick postpones the release to the first tick without work.
        assert!(!watch.tick(5));
        assert!(!watch.tick(9));
        assert!(watch.tick(9));
        assert!(!watch.tick(9));
        assert!(!watch.tick(9));
        assert!(!watch.tick(10));
        assert!(watch.tick(10));
    }
}
