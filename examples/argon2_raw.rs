//! The raw limit for sign-in throughput (issue 7, P4): argon2 verifications per second with
//! exactly the service's parameters (`service::passwords`, argon2id m=19456 KiB t=2 p=1), on
//! N threads (default: as many as the service's hashing pool) at the pool's priority, and
//! nothing else: no HTTP, no database.
//!
//!   cargo run --release --example argon2_raw -- [THREADS] [SECONDS]
//!
//! Prints one line of JSON: `{"threads":2,"seconds":10.0,"hashes":…,"hashes_per_s":…}`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kitdesk::domain::Password;
use kitdesk::service::passwords;

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(passwords::pool_threads);
    let seconds: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10.0);

    // What a failed sign-in verifies against: a stored PHC string made by the service itself.
    let Ok(password) = Password::parse("a stored password for the raw argon2 limit") else {
        eprintln!("the sample password is refused by the password policy");
        std::process::exit(2);
    };
    let phc = match passwords::hash(&password) {
        Ok(phc) => Arc::new(phc),
        Err(e) => {
            eprintln!("argon2: {e}");
            std::process::exit(2);
        }
    };

    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let (stop, count, phc) = (stop.clone(), count.clone(), phc.clone());
            std::thread::spawn(move || {
                // The service's hashing threads run at this priority too (noisy neighbours
                // then slow both alike).
                passwords::lower_thread_priority();
                while !stop.load(Ordering::Relaxed) {
                    // A wrong password: the full verification runs and fails, as in the flood.
                    std::hint::black_box(passwords::verify("not the password", &phc));
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let hashes = count.load(Ordering::Relaxed);
    println!(
        "{{\"threads\":{},\"seconds\":{:.2},\"hashes\":{},\"hashes_per_s\":{:.2}}}",
        threads.max(1),
        elapsed,
        hashes,
        hashes as f64 / elapsed
    );
}
