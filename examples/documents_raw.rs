//! The raw limit for document throughput (issue 15): sealing the same bytes the service seals,
//! with the same store (`kitdesk::storage`, XChaCha20-Poly1305 STREAM into a folder), and
//! reading them back, in a loop: no HTTP, no multipart, no database.
//!
//!   cargo run --release --example documents_raw -- [MEGABYTES] [ROUNDS] [FOLDER]
//!
//! Prints one line of JSON: `{"bytes":…,"rounds":…,"write_mb_s":…,"read_mb_s":…}`.

use std::time::Instant;

use futures_util::StreamExt;
use kitdesk::storage::DocumentStore;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let megabytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let folder = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("kitdesk-documents-raw"));
    let store = match DocumentStore::open_folder(&folder) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let size = megabytes * 1_000_000;
    let mut body = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 2463534242;
    while body.len() < size {
        // xorshift: incompressible bytes, like a scanned contract
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        body.extend_from_slice(&x.to_le_bytes());
    }
    body.truncate(size);
    let key = [9u8; 32];
    let started = Instant::now();
    for round in 0..rounds {
        let id = format!("raw-{round}");
        let Ok(mut upload) = store.begin(&id, &key).await else {
            std::process::exit(3)
        };
        // the service receives multipart chunks of about 64 KiB
        for chunk in body.chunks(64 * 1024) {
            if upload.write(chunk).await.is_err() {
                std::process::exit(3);
            }
        }
        if upload.finish().await.is_err() {
            std::process::exit(3);
        }
    }
    let write_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut read = 0usize;
    for round in 0..rounds {
        let Ok(stream) = store.read(&format!("raw-{round}"), &key).await else {
            std::process::exit(4)
        };
        let mut stream = Box::pin(stream);
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => read += c.len(),
                Err(_) => std::process::exit(4),
            }
        }
    }
    let read_s = started.elapsed().as_secs_f64();
    for round in 0..rounds {
        let _ = store.delete(&format!("raw-{round}")).await;
    }
    let total = (size * rounds) as f64 / 1e6;
    println!(
        "{{\"bytes\":{size},\"rounds\":{rounds},\"write_mb_s\":{:.1},\"read_mb_s\":{:.1},\"read_ok\":{}}}",
        total / write_s,
        total / read_s,
        read == size * rounds
    );
}
