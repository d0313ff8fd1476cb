//! A real SMTP server on loopback, in process, for the mail tests: it speaks SMTP over TCP
//! (greeting, EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps what it
//! accepts, and can misbehave on demand — answer DATA with a 4xx or 5xx, or hang inside DATA
//! so that the test can kill it mid-send and start it again on the same port.
//!
//! Written here rather than taken from a crate because the faults are the point: a stock
//! server can be told to refuse, but not to die in the middle of a message.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Replies to the end of DATA for the next messages, in order (then: accept).
    script: Mutex<VecDeque<String>>,
    /// Reply to the end of every DATA with this, when set.
    always: Mutex<Option<String>>,
    /// The next DATA is read whole and never answered.
    hang_next: AtomicBool,
    /// How many messages are hanging inside DATA right now.
    hanging: AtomicUsize,
    /// Wait this long before answering the end of DATA.
    delay: Mutex<Option<Duration>>,
    /// How many messages are inside a delayed DATA right now.
    delayed: AtomicUsize,
    /// DATA commands answered with something other than 250.
    refused: AtomicUsize,
    /// Connections accepted since the start.
    connections: AtomicUsize,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// A running (or killed) sink. The mailbox survives a kill and a restart, like a real
/// server's spool.
pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        let sink = SmtpSink {
            port,
            shared: Arc::new(Shared::default()),
        };
        sink.serve(listener);
        sink
    }

    /// A port with nothing listening on it (yet): for "the server is down".
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port()
    }

    /// A sink that will listen on `port` once [`SmtpSink::restart`] is called.
    pub fn down_on(port: u16) -> SmtpSink {
        SmtpSink {
            port,
            shared: Arc::new(Shared::default()),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops listening and drops every open connection at once, as a crash would.
    pub fn kill(&self) {
        for task in self.shared.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        self.shared.hanging.store(0, Ordering::SeqCst);
    }

    /// Listens again on the same port, keeping the mailbox.
    pub async fn restart(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("rebind port {}: {e}", self.port),
            }
        };
        self.serve(listener);
    }

    /// Answers the end of DATA of the next messages with these replies, in order.
    pub fn script(&self, replies: &[&str]) {
        self.shared
            .script
            .lock()
            .unwrap()
            .extend(replies.iter().map(|r| r.to_string()));
    }

    /// Answers the end of every DATA with `reply` (None: accept).
    pub fn always(&self, reply: Option<&str>) {
        *self.shared.always.lock().unwrap() = reply.map(str::to_owned);
    }

    /// The next message is read whole and never answered.
    pub fn hang_next(&self) {
        self.shared.hang_next.store(true, Ordering::SeqCst);
    }

    /// Answers the end of every DATA only after `delay` (a slow server).
    pub fn delay_data(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = Some(delay);
    }

    /// How many connections clients opened, in all.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many messages are waiting inside a delayed DATA.
    pub fn delayed(&self) -> usize {
        self.shared.delayed.load(Ordering::SeqCst)
    }

    pub fn hanging(&self) -> usize {
        self.shared.hanging.load(Ordering::SeqCst)
    }

    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.received.lock().unwrap().len()
    }

    /// Waits until at least `n` messages arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} messages within {timeout:?}, got {}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn serve(&self, listener: TcpListener) {
        let shared = self.shared.clone();
        let acceptor = tokio::spawn({
            let shared = shared.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let conn = tokio::spawn(session(stream, shared.clone()));
                    shared.tasks.lock().unwrap().push(conn);
                }
            }
        });
        shared.tasks.lock().unwrap().push(acceptor);
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn send(w: &mut tokio::net::tcp::OwnedWriteHalf, text: String) -> bool {
    w.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
}

async fn session(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if !send(&mut write, "220 sink.test ESMTP ready".into()).await {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    loop {
        let mut line = String::new();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 20000000".to_owned()
        } else if upper.starts_with("HELO") {
            "250 sink.test".to_owned()
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().to_owned();
            to.clear();
            "250 2.1.0 OK".to_owned()
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().to_owned());
            "250 2.1.5 OK".to_owned()
        } else if upper == "DATA" {
            if !send(&mut write, "354 end with <CRLF>.<CRLF>".into()).await {
                return;
            }
            let mut raw = String::new();
            loop {
                let mut data_line = String::new();
                match lines.read_line(&mut data_line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if data_line == ".\r\n" || data_line == ".\n" {
                    break;
                }
                let unstuffed = data_line.strip_prefix('.').unwrap_or(&data_line);
                raw.push_str(unstuffed);
            }
            if shared.hang_next.swap(false, Ordering::SeqCst) {
                shared.hanging.fetch_add(1, Ordering::SeqCst);
                // Never answer: the test kills the server while the client waits.
                std::future::pending::<()>().await;
            }
            let delay = *shared.delay.lock().unwrap();
            if let Some(delay) = delay {
                shared.delayed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                shared.delayed.fetch_sub(1, Ordering::SeqCst);
            }
            let scripted = shared.script.lock().unwrap().pop_front();
            let fixed = shared.always.lock().unwrap().clone();
            match scripted.or(fixed) {
                Some(refusal) => {
                    shared.refused.fetch_add(1, Ordering::SeqCst);
                    refusal
                }
                None => {
                    shared.received.lock().unwrap().push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        raw,
                    });
                    "250 2.0.0 queued".to_owned()
                }
            }
        } else if upper == "RSET" {
            to.clear();
            "250 2.0.0 OK".to_owned()
        } else if upper == "NOOP" {
            "250 2.0.0 OK".to_owned()
        } else if upper == "QUIT" {
            let _ = send(&mut write, "221 2.0.0 bye".into()).await;
            return;
        } else {
            "502 5.5.2 command not recognized".to_owned()
        };
        if !send(&mut write, answer).await {
            return;
        }
    }
}

/// A received message, decoded enough to check what a person would read.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The iCalendar part, if the mail carries one.
    pub calendar: Option<String>,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default().to_owned()
    }
}

fn split_head(raw: &str) -> (Vec<(String, String)>, String) {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    (headers, body.to_owned())
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) back to text.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = false;
    for token in value.split_whitespace() {
        let encoded = token.starts_with("=?") && token.ends_with("?=") && token.len() > 4;
        if encoded {
            let inner = &token[2..token.len() - 2];
            let mut parts = inner.splitn(3, '?');
            let (_charset, kind, data) = (parts.next(), parts.next(), parts.next());
            let bytes = match (kind.map(|k| k.to_ascii_lowercase()), data) {
                (Some(k), Some(d)) if k == "b" => base64::engine::general_purpose::STANDARD
                    .decode(d)
                    .unwrap_or_default(),
                (Some(k), Some(d)) if k == "q" => quoted_printable(&d.replace('_', " ")),
                _ => token.as_bytes().to_vec(),
            };
            if !previous_encoded && !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token);
        }
        previous_encoded = encoded;
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(hex) = text.get(i + 1..i + 3) {
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let encoding = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .expect("base64 body"),
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).expect("UTF-8 body")
}

/// Decodes headers, subject, and the text and HTML parts of a multipart/alternative mail.
pub fn parse(raw: &str) -> Mail {
    let (headers, body) = split_head(raw);
    let subject = decode_words(
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Subject"))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default(),
    );
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut mail = Mail {
        headers: Vec::new(),
        subject,
        text: String::new(),
        html: String::new(),
        calendar: None,
    };
    collect_parts(&content_type, &body, &mut mail);
    mail.headers = headers;
    mail
}

/// The text, HTML and calendar parts of a multipart body, nested multiparts included (an
/// interview mail is multipart/mixed holding the alternatives and the .ics).
fn collect_parts(content_type: &str, body: &str, mail: &mut Mail) {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .map(|b| {
            b.trim_matches(|c| c == '"' || c == ';')
                .split('"')
                .next()
                .unwrap_or(b)
                .to_owned()
        })
        .expect("multipart boundary");
    for part in body.split(&format!("--{boundary}")) {
        let part = part.trim_start_matches('\n');
        if part.starts_with("--") || part.trim().is_empty() {
            continue;
        }
        let (part_headers, part_body) = split_head(part);
        let kind = part_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let lower = kind.to_ascii_lowercase();
        if lower.starts_with("multipart/") {
            collect_parts(&kind, &part_body, mail);
            continue;
        }
        let decoded = decode_body(&part_headers, &part_body);
        if lower.starts_with("text/plain") {
            mail.text = decoded;
        } else if lower.starts_with("text/html") {
            mail.html = decoded;
        } else if lower.starts_with("text/calendar") {
            mail.calendar = Some(decoded);
        }
    }
}
