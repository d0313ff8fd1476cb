//! A loopback SMTP sink for the outbox drain benchmark (issue 18, P9): it speaks enough SMTP
//! for any client (greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), accepts every
//! message, keeps none, and counts them. What it costs per message is the floor a mail
//! server on the same machine can offer the service.
//!
//!   cargo run --release --example smtp_sink -- [PORT]      (default 2525)
//!
//! Prints `messages accepted: N` to standard error every 5 seconds while the count moves, and
//! writes the count to `$SMTP_SINK_COUNT` (a file) each time, so that a script can read it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2525);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let count = Arc::new(AtomicU64::new(0));
    let reporter = count.clone();
    tokio::spawn(async move {
        let file = std::env::var_os("SMTP_SINK_COUNT");
        let mut last = u64::MAX;
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let now = reporter.load(Ordering::Relaxed);
            if now != last {
                eprintln!("messages accepted: {now}");
                if let Some(file) = &file {
                    let _ = std::fs::write(file, format!("{now}\n"));
                }
                last = now;
            }
        }
    });
    loop {
        let (stream, _) = listener.accept().await?;
        let count = count.clone();
        tokio::spawn(async move {
            if let Err(e) = session(stream, &count).await {
                eprintln!("smtp sink: {e}");
            }
        });
    }
}

async fn session(stream: TcpStream, count: &AtomicU64) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                }
                count.fetch_add(1, Ordering::Relaxed);
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}
