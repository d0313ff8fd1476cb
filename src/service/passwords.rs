//! Password hashing: argon2id with m = 19456 KiB, t = 2, p = 1 (OWASP's first choice). Both
//! calls take tens of milliseconds of CPU: call them from blocking threads only, or hand the
//! verification of a sign-in to [`verify_in_pool`].
//!
//! Sign-in verifications run on a pool of their own, one thread fewer than the cores (at least
//! one) at a lowered priority: however many sign-ins arrive at once (a flood of wrong
//! passwords), at most that many hashes run — each holds 19 MiB and a core — so one core is
//! always left to the other requests (status look-ups, the desk's work). A flood then slows
//! sign-ins, never the rest of the desk; the price is the sign-in rate (half on two cores).
//! Measured in docs/benchmarks.md (P4).

use std::sync::mpsc;
use std::sync::{LazyLock, Mutex};

use argon2::password_hash::phc::Output;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

use super::ServiceError;
use crate::domain::Password;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn hasher() -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
pub fn hash(password: &Password) -> Result<String, ServiceError> {
    hasher()?
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("argon2 hash: {e}")))
}

/// True when `password` matches `phc`. A malformed stored hash counts as no match.
pub fn verify(password: &str, phc: &str) -> bool {
    match hasher() {
        Ok(h) => h.verify_password(password.as_bytes(), phc).is_ok(),
        Err(_) => false,
    }
}

/// argon2's working memory (19 MiB with our parameters), kept by a hashing thread between
/// verifications. Allocating it for every hash left the process holding hundreds of MB during
/// a sign-in flood (glibc keeps freed blocks of that size in its per-thread heaps), and unmapping
/// it after each hash halved the hash rate (`docs/benchmarks.md`, P4).
#[derive(Default)]
pub struct HashMemory(Vec<Block>);

/// [`verify`] on working memory the caller keeps: the same answer, without an allocation.
pub fn verify_reusing(password: &str, phc: &str, memory: &mut HashMemory) -> bool {
    verify_into(password, phc, memory).unwrap_or(false)
}

fn verify_into(password: &str, phc: &str, memory: &mut HashMemory) -> Option<bool> {
    let stored = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(stored.algorithm.as_str()).ok()?;
    let version = match stored.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    // The stored hash's own parameters (an older hash may have others than `hasher()`'s).
    let params = Params::try_from(&stored).ok()?;
    let salt = stored.salt.as_ref()?;
    let expected = stored.hash.as_ref()?;
    let blocks = params.block_count();
    if memory.0.len() < blocks {
        memory.0.resize(blocks, Block::default());
    }
    let mut buffer = [0u8; Output::MAX_LENGTH];
    let out = buffer.get_mut(..expected.len())?;
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut *out,
            &mut memory.0[..blocks],
        )
        .ok()?;
    // `Output`'s equality is constant-time.
    Some(Output::new(out).ok()? == *expected)
}

/// A hash of a random password, verified against when the e-mail address is unknown so that
/// "no such user" costs the same time as "wrong password".
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random = format!("decoy-{}", uuid::Uuid::new_v4());
    Password::parse(&random)
        .ok()
        .and_then(|p| hash(&p).ok())
        .unwrap_or_default()
});

/// Computes the decoy hash ahead of the first login, so that login's timing is even from
/// the first request, and starts the hashing pool.
pub fn warm_up() {
    LazyLock::force(&DECOY_HASH);
    LazyLock::force(&POOL);
}

/// Threads of the hashing pool: one fewer than the cores, at least one.
pub fn pool_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// The queue of the hashing pool; its threads live as long as the process.
static POOL: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = std::sync::Arc::new(Mutex::new(receiver));
    for n in 0..pool_threads() {
        let receiver = receiver.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                lower_thread_priority();
                let mut memory = HashMemory::default();
                loop {
                    // The lock is held only while waiting for the next job, not while hashing.
                    let job = match receiver.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut memory),
                        Err(_) => return,
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start a password hashing thread");
        }
    }
    Mutex::new(sender)
});

/// Verifies a sign-in on the hashing pool without holding the caller's thread (or a database
/// connection): against `phc`, or against the decoy hash when the account does not exist, so
/// that both cost the same.
pub async fn verify_in_pool(password: String, phc: Option<String>) -> Result<bool, ServiceError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |memory| {
        let matches = match phc {
            Some(phc) => verify_reusing(&password, &phc, memory),
            None => {
                let _ = verify_reusing(&password, &DECOY_HASH, memory);
                false
            }
        };
        let _ = done.send(matches);
    });
    POOL.lock()
        .map_err(|_| ServiceError::Internal("password hashing pool poisoned".into()))?
        .send(job)
        .map_err(|_| ServiceError::Internal("password hashing pool stopped".into()))?;
    result
        .await
        .map_err(|_| ServiceError::Internal("password hashing job lost".into()))
}

/// Hashes a new password on the hashing pool (registration): like sign-in, at most one hash
/// per core runs at once, at lowered priority, and no database connection is held meanwhile.
pub async fn hash_in_pool(password: Password) -> Result<String, ServiceError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |_memory| {
        let _ = done.send(hash(&password));
    });
    POOL.lock()
        .map_err(|_| ServiceError::Internal("password hashing pool poisoned".into()))?
        .send(job)
        .map_err(|_| ServiceError::Internal("password hashing pool stopped".into()))?;
    result
        .await
        .map_err(|_| ServiceError::Internal("password hashing job lost".into()))?
}

/// Lowers the calling thread's scheduling priority (nice 10): hashing yields the CPU to
/// requests that take microseconds, yet keeps a share of it (about a tenth against one busy
/// thread) when the machine is saturated, so that staff can still sign in. The idle class
/// (`SCHED_IDLE`) was tried: status look-ups during a sign-in flood fared better (p99 2.1–3.8 ×
/// their p99 without the flood, against 3.0–11 × at nice 10), but an idle-class thread gets
/// almost no CPU while other requests keep the cores busy, and an unprivileged thread cannot
/// leave that class again, so sign-ins would stall exactly when the desk is busiest
/// (`docs/benchmarks.md`, P4). Linux only (nice is per thread there); elsewhere a no-op.
pub fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority takes plain integers; `who` = 0 names the calling thread on
        // Linux. Raising one's own niceness needs no privilege; a failure changes nothing.
        let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_the_required_parameters_and_verifies() {
        let pw = Password::parse("correct horse battery").unwrap();
        let phc = hash(&pw).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterz", &phc));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn verifying_on_kept_memory_answers_like_verify() {
        let mut memory = HashMemory::default();
        let one = hash(&Password::parse("correct horse battery").unwrap()).unwrap();
        let two = hash(&Password::parse("lithium anode crane").unwrap()).unwrap();
        // Alternating hashes on the same memory: nothing of one verification leaks into the next.
        for _ in 0..2 {
            assert!(verify_reusing("correct horse battery", &one, &mut memory));
            assert!(!verify_reusing("correct horse battery", &two, &mut memory));
            assert!(verify_reusing("lithium anode crane", &two, &mut memory));
            assert!(!verify_reusing("correct horse batterz", &one, &mut memory));
        }
        assert!(!verify_reusing("anything", "not a hash", &mut memory));
        // A hash made with other parameters is verified with its own.
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"short lived password")
        .unwrap()
        .to_string();
        assert!(verify_reusing("short lived password", &small, &mut memory));
        assert!(!verify_reusing("short lived passwort", &small, &mut memory));
        assert_eq!(memory.0.len(), 19_456, "the larger memory is kept");
    }
}
