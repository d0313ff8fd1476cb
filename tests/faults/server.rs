//! The real `kitdesk` binary as a child process, configured through its environment, and a
//! small HTTP client for it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery staple";
pub const SECRET: &str = "fault-test-secret-key-that-is-long-enough-0123456789";

/// Where a kitdesk instance sends its mail.
#[derive(Clone)]
pub enum Mail {
    Smtp(String),
    Files,
}

/// How to start an instance; several instances may share one.
#[derive(Clone)]
pub struct Setup {
    pub database_url: String,
    pub mail: Mail,
}

pub struct Kitdesk {
    child: Child,
    pub port: u16,
    pub data_dir: PathBuf,
    setup: Setup,
}

impl Setup {
    fn command(&self, data_dir: &PathBuf) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kitdesk"));
        for var in [
            "SMTP_URL",
            "SMTP_USERNAME",
            "SMTP_PASSWORD",
            "KITDESK_MAIL_DIR",
            "KITDESK_TRUST_PROXY",
            "KITDESK_CLIENT_IP_HEADER",
            "KITDESK_TRUSTED_PROXY_HOPS",
            "KITDESK_LOG_FORMAT",
        ] {
            command.env_remove(var);
        }
        command
            .env("DATABASE_URL", &self.database_url)
            .env("KITDESK_DATA_DIR", data_dir)
            .env("KITDESK_SECRET_KEY", SECRET)
            .env("KITDESK_WORKERS", "2")
            .env("RUST_LOG", "info");
        if let Mail::Smtp(url) = &self.mail {
            command.env("SMTP_URL", url);
        }
        command
    }

    /// Starts `kitdesk serve` on a spare port and waits until `/readyz` answers 200.
    pub async fn serve(&self) -> Kitdesk {
        let data_dir = super::temp_dir("kitdesk");
        self.serve_in(data_dir).await
    }

    pub async fn serve_in(&self, data_dir: PathBuf) -> Kitdesk {
        let port = super::free_port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("kitdesk.log"))
            .expect("log file");
        let child = self
            .command(&data_dir)
            .arg("serve")
            .env("KITDESK_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start kitdesk");
        let mut server = Kitdesk {
            child,
            port,
            data_dir,
            setup: self.clone(),
        };
        server.wait_ready(Duration::from_secs(60)).await;
        server
    }

    /// `kitdesk user create` with the password on standard input.
    pub fn create_user(&self, email: &str, role: &str) {
        let data_dir = super::temp_dir("cli");
        let mut child = self
            .command(&data_dir)
            .args(["user", "create", "--email", email, "--role", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kitdesk user create");
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(format!("{PASSWORD}\n").as_bytes())
                .expect("password");
        }
        let output = child.wait_with_output().expect("kitdesk user create");
        assert!(
            output.status.success(),
            "user create: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let _ = std::fs::remove_dir_all(data_dir);
    }

    /// `kitdesk audit verify`: true when the hash chain is whole.
    pub fn audit_verifies(&self) -> bool {
        let data_dir = super::temp_dir("cli");
        let output = self
            .command(&data_dir)
            .args(["audit", "verify"])
            .output()
            .expect("kitdesk audit verify");
        let _ = std::fs::remove_dir_all(data_dir);
        if !output.status.success() {
            eprintln!(
                "audit verify: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        output.status.success()
    }
}

impl Kitdesk {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&mut self, timeout: Duration) {
        let client = client();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("kitdesk exited at start ({status}): {}", self.log());
            }
            if let Ok(r) = client.get(self.url("/readyz")).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(
                start.elapsed() < timeout,
                "kitdesk not ready: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("kitdesk.log")).unwrap_or_default()
    }

    /// `kill -9`: no chance to finish anything.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the process to exit; `None` if it is still running after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Another instance on the same database and mail, in the same data folder (after a crash).
    pub async fn restart(&self) -> Kitdesk {
        self.setup.serve_in(self.data_dir.clone()).await
    }
}

impl Drop for Kitdesk {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::env::var("FAULTS_KEEP").is_err() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// An HTTP client with a time-out: a request that hangs fails the test instead of the suite.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A client whose connections come from 127.0.0.`last_octet`: another client machine.
pub fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
        .build()
        .expect("client")
}

pub async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200, "login of {email}");
    let body: Value = response.json().await.expect("login body");
    body["token"].as_str().expect("token").to_owned()
}

/// What a test needs to file cases: a verified sponsor with a project, its employer and an
/// officer, all signed in.
pub struct Desk {
    pub officer: String,
    pub officer_email: String,
    pub employer: String,
    pub project_id: String,
}

/// Creates an officer (through the CLI) and a verified sponsor with a project (over HTTP).
pub async fn desk(setup: &Setup, server: &Kitdesk) -> Desk {
    let officer_email = format!("officer-{}@example.com", uuid::Uuid::new_v4().simple());
    let s = setup.clone();
    let e = officer_email.clone();
    tokio::task::spawn_blocking(move || s.create_user(&e, "officer"))
        .await
        .expect("create officer");
    let http = client();
    let officer = login(&http, &server.base(), &officer_email).await;
    let employer_email = format!(
        "employer-{}@hanbit.example.com",
        uuid::Uuid::new_v4().simple()
    );
    let brn = uuid::Uuid::new_v4().as_u128() % 10_000_000_000;
    let response = http
        .post(server.url("/api/v1/sponsors/register"))
        .json(&json!({
            "legal_name": format!("Hanbit Battery Systems {brn}"),
            "legal_name_ko": "한빛배터리시스템",
            "business_registration_no": format!("{brn:010}"),
            "korean_ownership_pct": 100,
            "treaty_investor": true,
            "qualifying_relationship": "parent",
            "labor_attestation_filed": false,
            "strike_or_lockout": false,
            "contact": {"name": "Kim Minjun", "email": employer_email, "password": PASSWORD}
        }))
        .send()
        .await
        .expect("register");
    // the same answer whether or not the address had an account: the id comes from /me
    assert_eq!(response.status(), 202);
    let employer = login(&http, &server.base(), &employer_email).await;
    let me: Value = http
        .get(server.url("/api/v1/me"))
        .bearer_auth(&employer)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    let sponsor_id = me["sponsor_id"].as_str().expect("sponsor id").to_owned();
    // verification needs the desk's checklist confirmed item by item first
    for item in [
        "business_registration",
        "korean_ownership",
        "treaty_investor",
        "authorised_signatory",
    ] {
        let response = http
            .put(server.url(&format!("/api/v1/sponsors/{sponsor_id}/checklist/{item}")))
            .bearer_auth(&officer)
            .json(&json!({"outcome": "confirmed", "note": "Checked against the registry."}))
            .send()
            .await
            .expect("checklist");
        assert_eq!(response.status(), 200, "checklist item {item}");
    }
    let response = http
        .post(server.url(&format!("/api/v1/sponsors/{sponsor_id}/verify")))
        .bearer_auth(&officer)
        .json(&Value::Null)
        .send()
        .await
        .expect("verify");
    assert_eq!(response.status(), 200);
    let response = http
        .post(server.url(&format!("/api/v1/sponsors/{sponsor_id}/projects")))
        .bearer_auth(&employer)
        .json(&json!({
            "name": "Ellabell battery plant, line 3",
            "worksite_address": "1 Metaplant Way, Ellabell",
            "state": "GA",
            "sector": "batteries",
            "investment_usd": 7_600_000_000i64,
            "equipment_purchased_abroad": true,
            "contract_requires_seller_services": true
        }))
        .send()
        .await
        .expect("project");
    assert_eq!(response.status(), 201);
    let project: Value = response.json().await.expect("json");
    Desk {
        officer,
        officer_email,
        employer,
        project_id: project["id"].as_str().expect("id").to_owned(),
    }
}

/// A believable worker (the API tests' `helpers::worker`) named after `tag`, with a random
/// passport number.
pub fn worker(tag: &str) -> Value {
    let mut worker = crate::helpers::worker(0);
    worker["given_name"] = json!(format!("Minjun{tag}"));
    worker["passport_number"] = json!(format!(
        "M{:08}",
        uuid::Uuid::new_v4().as_u128() % 100_000_000
    ));
    worker
}

/// A filing body of `n` workers tagged `tag-0`, `tag-1`…
pub fn filing(project_id: &str, tag: &str, n: usize) -> Value {
    let workers: Vec<Value> = (0..n).map(|i| worker(&format!("{tag}x{i}"))).collect();
    json!({"project_id": project_id, "workers": workers})
}
