//! Signed-in sessions, kept for a moment after they were read, so that most requests of a
//! busy session are authenticated without the database (and without the trip to the
//! blocking pool that reading it takes).
//!
//! How stale an entry can be:
//! - it is used for at most [`TTL`] after the database answered;
//! - it is not used after any change to sessions or users that may end or narrow a session's
//!   authority ([`crate::db::sessions::changes`]): made by this process, that is at once;
//!   made by another instance, the CLI or an administrator on PostgreSQL, when its
//!   notification arrives ([`crate::db::auth_listener::POLL`], 100 ms);
//! - a session due for its "last seen" update is read from the database, which records it,
//!   so idle time-outs work as before.
//!
//! A change made between another request's read and its commit can slip through for at most
//! [`TTL`]; on PostgreSQL the notification sent at the commit closes that window too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db::sessions::{self, SessionUser};

/// The longest an entry is used after the database answered.
pub const TTL: Duration = Duration::from_secs(2);
/// Entries kept at most; a full cache is emptied (entries live two seconds anyway).
const CAPACITY: usize = 10_000;

struct Entry {
    session: SessionUser,
    read_at: Instant,
    changes: u64,
}

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    /// The session under `token_hash` if it was read less than [`TTL`] ago and nothing has
    /// changed since.
    pub fn get(&self, token_hash: &str) -> Option<SessionUser> {
        let changes = sessions::changes();
        let mut entries = self.lock();
        let entry = entries.get(token_hash)?;
        if entry.changes == changes && entry.read_at.elapsed() < TTL {
            return Some(entry.session.clone());
        }
        entries.remove(token_hash);
        None
    }

    /// Keeps a session read from the database; `changes` is
    /// [`crate::db::sessions::changes`] taken before the read.
    pub fn put(&self, token_hash: String, session: SessionUser, changes: u64) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            token_hash,
            Entry {
                session,
                read_at: Instant::now(),
                changes,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether a cached session may be used at `now` without touching the database: not
/// expired, not idle too long, not disabled, and not yet due for its "last seen" update.
pub fn usable(
    session: &SessionUser,
    now: NaiveDateTime,
    idle: chrono::Duration,
    touch_before: NaiveDateTime,
) -> bool {
    !session.disabled
        && now < session.expires_at
        && now - session.last_seen_at <= idle
        && session.last_seen_at > touch_before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(last_seen_at: NaiveDateTime) -> SessionUser {
        SessionUser {
            last_seen_at,
            expires_at: last_seen_at + chrono::Duration::hours(12),
            user_id: "u".into(),
            email: "officer@example.com".into(),
            role: "officer".into(),
            sponsor_id: None,
            disabled: false,
            rights: String::new(),
            second_factor: false,
        }
    }

    #[test]
    fn an_entry_is_not_used_after_a_change() {
        let cache = SessionCache::default();
        let now = chrono::Utc::now().naive_utc();
        // Other tests of this process may count changes meanwhile: one quiet moment suffices.
        let used = (0..1000).any(|_| {
            cache.put("h".into(), session(now), sessions::changes());
            cache.get("h").is_some()
        });
        assert!(used);
        sessions::note_change();
        assert!(cache.get("h").is_none());
        // taken before the read: a change during the read makes the entry unusable
        let before = sessions::changes();
        sessions::note_change();
        cache.put("h".into(), session(now), before);
        assert!(cache.get("h").is_none());
    }

    #[test]
    fn a_session_due_for_its_touch_or_expired_is_not_usable() {
        let now = chrono::Utc::now().naive_utc();
        let idle = chrono::Duration::minutes(30);
        let touch_before = now - chrono::Duration::seconds(60);
        assert!(usable(&session(now), now, idle, touch_before));
        let due = session(now - chrono::Duration::seconds(61));
        assert!(!usable(&due, now, idle, touch_before));
        let mut disabled = session(now);
        disabled.disabled = true;
        assert!(!usable(&disabled, now, idle, touch_before));
        let mut over = session(now);
        over.expires_at = now;
        assert!(!usable(&over, now, idle, touch_before));
    }
}
