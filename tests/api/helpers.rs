// Helpers are shared by every test module; not every module uses every helper.
#![allow(dead_code)]

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use kitdesk::cli::LogFormat;
use kitdesk::config::{Config, MailConfig, MailTransportConfig, SecretSource};
use kitdesk::db::DbUrl;
use kitdesk::domain::{EmailAddress, Password, Role};
use kitdesk::service::accounts::{self, NewAccount, UserView};
use kitdesk::service::{AppContext, Settings};
use kitdesk::startup::Application;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const PASSWORD: &str = "correct horse battery staple";

/// A database that exists for one test and is removed after it.
pub enum TestDb {
    Sqlite { dir: PathBuf },
    Postgres { server_url: String, name: String },
}

impl TestDb {
    pub fn url(&self) -> DbUrl {
        match self {
            TestDb::Sqlite { dir } => DbUrl::Sqlite(dir.join("kitdesk.db")),
            TestDb::Postgres { server_url, name } => {
                DbUrl::Postgres(database_url(server_url, name))
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }

    /// A new empty database (no migrations), for the migration tests.
    pub fn empty() -> TestDb {
        match test_server_url() {
            Some(url) => {
                let name = format!("kitdesk_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&url).expect("connect TEST_DATABASE_URL");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                TestDb::Postgres {
                    server_url: url,
                    name,
                }
            }
            _ => TestDb::Sqlite { dir: temp_dir() },
        }
    }

    /// A new database with all migrations applied.
    pub fn migrated() -> TestDb {
        match test_server_url() {
            Some(url) => {
                let template = postgres_template(&url);
                let name = format!("kitdesk_test_{}", uuid::Uuid::new_v4().simple());
                // Cloning needs the template to have no other connections; serialize clones.
                static CLONE: Mutex<()> = Mutex::new(());
                let _guard = CLONE.lock().unwrap_or_else(|p| p.into_inner());
                let mut admin = PgConnection::establish(&url).expect("connect TEST_DATABASE_URL");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .expect("clone the template database");
                TestDb::Postgres {
                    server_url: url,
                    name,
                }
            }
            // SQLite: migrating a new file takes milliseconds; the app does it at start.
            _ => TestDb::Sqlite { dir: temp_dir() },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { server_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(server_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// `TEST_DATABASE_URL`, if set, without TLS unless it names an `sslmode`. Loopback tests gain
/// nothing from TLS, and an OpenSSL handshake still running in one of r2d2's background
/// threads when the test process exits races OpenSSL's exit-time cleanup (a heap-corruption
/// abort after every test had passed, seen once in `.ci/run`).
fn test_server_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL").ok()?;
    if url.is_empty() {
        return None;
    }
    Some(without_tls(&url))
}

fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// The URL of database `name` on the test server, with the server URL's parameters.
fn database_url(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    format!("{}/{name}{query}", server_base(base))
}

fn server_base(url: &str) -> String {
    // postgres://user@host:port/db → postgres://user@host:port
    match url.rfind('/') {
        Some(i) if i > "postgres://".len() => url[..i].to_owned(),
        _ => url.to_owned(),
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kitdesk-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The migrated template, named after a hash of the migration files so that a change to
/// them makes a new template instead of reusing a stale one.
fn postgres_template(server_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = format!("kitdesk_tpl_{}", &migrations_hash()[..16]);
            let mut admin = PgConnection::establish(server_url).expect("connect TEST_DATABASE_URL");
            // Other test processes may be building the same template: an advisory lock makes
            // one build it and the others wait.
            admin
                .batch_execute("SELECT pg_advisory_lock(727274)")
                .expect("lock");
            let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                &format!("EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"),
            ))
            .get_result(&mut admin)
            .expect("query pg_database");
            if !exists {
                let building = format!("{name}_building");
                // one statement per call: multi-statement strings run in one transaction,
                // where PostgreSQL refuses CREATE/DROP DATABASE
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .expect("drop half-built template");
                admin
                    .batch_execute(&format!("CREATE DATABASE {building}"))
                    .expect("create template");
                {
                    let url = database_url(server_url, &building);
                    let mut conn = kitdesk::db::DbConnection::Pg(
                        PgConnection::establish(&url).expect("connect template"),
                    );
                    kitdesk::db::run_migrations(&mut conn).expect("migrate template");
                }
                admin
                    .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .expect("publish template");
            }
            admin
                .batch_execute("SELECT pg_advisory_unlock(727274)")
                .expect("unlock");
            name
        })
        .clone()
}

fn migrations_hash() -> String {
    let mut hasher = Sha256::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("migrations folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    for dir in dirs {
        hasher.update(dir.to_string_lossy().as_bytes());
        for file in ["up.sql", "down.sql"] {
            if let Ok(bytes) = std::fs::read(dir.join(file)) {
                hasher.update(&bytes);
            }
        }
    }
    hex::encode(hasher.finalize())
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub ctx: AppContext,
    pub db: TestDb,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
}

pub fn test_config(db: &TestDb, data_dir: PathBuf) -> Config {
    Config {
        database: db.url(),
        bind: "127.0.0.1:0".into(),
        mail: MailConfig {
            transport: MailTransportConfig::Files(data_dir.join("mail")),
            from: "KIT Desk <kitdesk@localhost>".into(),
        },
        documents_url: data_dir.join("documents").display().to_string(),
        document_limits: kitdesk::service::documents::DocumentLimits::default(),
        interview_reschedule_limit: 2,
        data_dir,
        secret_key: b"test-secret-key-that-is-long-enough-0123456789".to_vec(),
        secret_source: SecretSource::Environment,
        log_format: LogFormat::Text,
        client_ip: kitdesk::http::client_ip::ClientIpSource::Peer,
        cookie_secure: false,
        public_url: "https://kitdesk.test".into(),
        public_url_derived: false,
        desk_date: std::env::var("TEST_DESK_DATE")
            .ok()
            .and_then(|d| d.parse().ok()),
        workers: Some(2),
        outbox: kitdesk::notify::OutboxSettings::default(),
        desk_mfa: kitdesk::service::mfa::DeskMfa::Optional,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

pub async fn spawn_app_with(settings: Settings) -> TestApp {
    spawn_app_configured(settings, |_| {}).await
}

/// Starts the app after `adjust` has changed its configuration (mail transport, outbox pace).
pub async fn spawn_app_configured(settings: Settings, adjust: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        kitdesk::telemetry::init_logging(LogFormat::Text);
    }
    let db = tokio::task::spawn_blocking(TestDb::migrated)
        .await
        .expect("db");
    let data_dir = temp_dir();
    let mut config = test_config(&db, data_dir.clone());
    adjust(&mut config);
    let app = Application::build_with(config, settings)
        .await
        .expect("application starts");
    let port = app.port();
    let ctx = app.context();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        ctx,
        db,
        data_dir,
        client: reqwest::Client::new(),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A signed-in user for tests.
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub token: String,
    pub sponsor_id: Option<String>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a user directly through the service layer (no HTTP, no throttle).
    pub async fn create_user(&self, role: Role, sponsor_id: Option<&str>) -> UserView {
        let email = format!("{}-{}@example.com", role, uuid::Uuid::new_v4().simple());
        let sponsor_id = sponsor_id.map(str::to_owned);
        self.ctx
            .run(move |conn, _| {
                accounts::create_user(
                    conn,
                    NewAccount {
                        email: EmailAddress::parse(&email).expect("email"),
                        display_name: None,
                        password: Password::parse(PASSWORD).expect("password"),
                        role,
                        sponsor_id,
                    },
                )
            })
            .await
            .expect("create user")
    }

    /// Creates a user and signs in over HTTP.
    pub async fn user(&self, role: Role, sponsor_id: Option<&str>) -> TestUser {
        let user = self.create_user(role, sponsor_id).await;
        let token = self.login(&user.email, PASSWORD).await;
        TestUser {
            id: user.id,
            email: user.email,
            role,
            token,
            sponsor_id: user.sponsor_id,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login of {email} failed");
        let body: Value = response.json().await.expect("login body");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A client whose connections come from another loopback address (127.0.0.x), to act
    /// as a different client machine.
    pub fn client_from(&self, last_octet: u8) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(IpAddr::from([127, 0, 0, last_octet]))
            .build()
            .expect("client")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    /// The audit chain's verification (no anchors), as `kitdesk audit verify` reports it.
    pub async fn verify_audit(&self) -> kitdesk::service::audit::ChainReport {
        self.ctx
            .run(|conn, ctx| {
                kitdesk::service::audit::verify_chain(conn, &ctx.secrets.audit_chain, &[])
            })
            .await
            .expect("audit verify")
    }

    /// Runs SQL against the test's database (to age sessions, tamper with rows…).
    pub async fn sql(&self, sql: &str) {
        let sql = sql.to_owned();
        self.ctx
            .run(move |conn, _| {
                conn.batch_execute(&sql)
                    .map_err(kitdesk::service::ServiceError::from)
            })
            .await
            .expect("sql");
        // As a database administrator's change would be: sessions cached before it are not
        // used again (on PostgreSQL the triggers' notification says so too, a moment later).
        kitdesk::db::sessions::note_change();
    }
}

/// Asserts a problem+json answer with the given status and code; returns its body.
pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    body
}

/// A registered sponsor and its first employer user, signed in.
pub struct TestSponsor {
    pub id: String,
    pub employer: TestUser,
}

static BRN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl TestApp {
    pub fn sponsor_body(&self, prime: Option<&str>) -> Value {
        let n = BRN.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + std::process::id() as u64 * 1000;
        serde_json::json!({
            "legal_name": format!("Hanbit Battery Systems {n}"),
            "legal_name_ko": "한빛배터리시스템",
            "business_registration_no": format!("{:010}", n % 10_000_000_000),
            "korean_ownership_pct": 100,
            "treaty_investor": true,
            "qualifying_relationship": "parent",
            "labor_attestation_filed": false,
            "strike_or_lockout": false,
            "prime_sponsor_id": prime,
            "contact": {
                "name": "Kim Minjun",
                "email": format!("contact-{}@hanbit.example.com", uuid::Uuid::new_v4().simple()),
                "password": PASSWORD
            }
        })
    }

    /// Registers a sponsor over HTTP (optionally as a subcontractor of `prime`) and signs its
    /// employer user in. Not verified. One naming a prime is arranged as accepted by the prime
    /// (the consent itself is tested through `register_sponsor_unlinked`).
    pub async fn register_sponsor(&self, prime: Option<&str>) -> TestSponsor {
        let sponsor = self.register_sponsor_unlinked(prime).await;
        if let Some(prime) = prime {
            self.sql(&format!(
                "UPDATE sponsors SET prime_sponsor_id = '{prime}' WHERE id = '{id}'; \
                 DELETE FROM prime_link_requests WHERE subcontractor_id = '{id}'",
                id = sponsor.id
            ))
            .await;
        }
        sponsor
    }

    /// Registers a sponsor and signs its employer user in; naming a prime only asks the prime
    /// to accept it.
    pub async fn register_sponsor_unlinked(&self, prime: Option<&str>) -> TestSponsor {
        let body = self.sponsor_body(prime);
        let response = self
            .post_json("/api/v1/sponsors/register", None, &body)
            .await;
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        let email = body["contact"]["email"].as_str().expect("email").to_owned();
        let token = self.login(&email, PASSWORD).await;
        let me: Value = self
            .get("/api/v1/me", Some(&token))
            .await
            .json()
            .await
            .expect("me");
        let id = me["sponsor_id"].as_str().expect("sponsor id").to_owned();
        TestSponsor {
            employer: TestUser {
                id: me["id"].as_str().expect("id").to_owned(),
                email,
                role: Role::Employer,
                token,
                sponsor_id: Some(id.clone()),
            },
            id,
        }
    }

    /// Records every item of the sponsor's verification checklist as confirmed (as `officer`),
    /// so that it can be verified.
    pub async fn complete_checklist(&self, officer: &TestUser, sponsor_id: &str) {
        for item in [
            "business_registration",
            "korean_ownership",
            "treaty_investor",
            "authorised_signatory",
        ] {
            let response = self
                .client
                .put(self.url(&format!(
                    "/api/v1/sponsors/{sponsor_id}/checklist/{item}"
                )))
                .bearer_auth(&officer.token)
                .json(&serde_json::json!({"outcome": "confirmed", "note": "Checked against the registry."}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200, "{:?}", response.text().await);
        }
    }

    /// Registers a sponsor, marks it verified by `officer`, and adds a project: ready to file.
    pub async fn ready_sponsor(
        &self,
        officer: &TestUser,
        prime: Option<&str>,
    ) -> (TestSponsor, String) {
        let sponsor = self.register_sponsor(prime).await;
        // Arranged in the database, as the desk's decision would leave it, without its mail
        // (which would be in every mail test's way): verification itself is tested through
        // the API in `sponsor_review`.
        self.sql(&format!(
            "UPDATE sponsors SET status = 'verified', verified_by = '{officer}', \
             verified_at = CURRENT_TIMESTAMP WHERE id = '{id}'",
            officer = officer.id,
            id = sponsor.id
        ))
        .await;
        let project = self.create_project(&sponsor.employer, &sponsor.id).await;
        (sponsor, project)
    }

    pub async fn create_project(&self, employer: &TestUser, sponsor_id: &str) -> String {
        let response = self
            .post_json(
                &format!("/api/v1/sponsors/{sponsor_id}/projects"),
                Some(&employer.token),
                &serde_json::json!({
                    "name": "Ellabell battery plant, line 3",
                    "worksite_address": "1 Metaplant Way, Ellabell",
                    "state": "GA",
                    "sector": "batteries",
                    "investment_usd": 7_600_000_000i64,
                    "equipment_purchased_abroad": true,
                    "contract_requires_seller_services": true
                }),
            )
            .await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        let body: Value = response.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Files `n` workers; returns the answer.
    pub async fn file(&self, employer: &TestUser, project_id: &str, n: usize) -> Value {
        let workers: Vec<Value> = (0..n).map(worker).collect();
        let response = self
            .post_json(
                "/api/v1/filings",
                Some(&employer.token),
                &serde_json::json!({"project_id": project_id, "workers": workers}),
            )
            .await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json().await.expect("json")
    }

    /// Files one case (worker born 1988-04-12) for a ready sponsor; returns its receipt number.
    pub async fn one_filed_receipt(&self) -> String {
        let officer = self.user(Role::Officer, None).await;
        let (sponsor, project) = self.ready_sponsor(&officer, None).await;
        let filing = self.file(&sponsor.employer, &project, 1).await;
        filing["cases"][0]["receipt_number"]
            .as_str()
            .expect("receipt number")
            .to_owned()
    }

    /// GET a case; returns (body, etag).
    pub async fn case(&self, user: &TestUser, id: &str) -> (Value, String) {
        let response = self
            .get(&format!("/api/v1/cases/{id}"), Some(&user.token))
            .await;
        assert_eq!(response.status(), 200);
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("etag")
            .to_owned();
        (response.json().await.expect("json"), etag)
    }

    pub async fn act(
        &self,
        user: &TestUser,
        id: &str,
        etag: Option<&str>,
        action: &Value,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(&format!("/api/v1/cases/{id}/actions")))
            .bearer_auth(&user.token)
            .json(action);
        if let Some(tag) = etag {
            req = req.header("if-match", tag);
        }
        req.send().await.expect("request")
    }

    /// Opens an interview window (as `supervisor`); asserts 201; returns the window.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_window(
        &self,
        supervisor: &TestUser,
        date: chrono::NaiveDate,
        start: &str,
        end: &str,
        slot_minutes: i64,
        capacity: i64,
        location: &str,
    ) -> Value {
        let response = self
            .post_json(
                "/api/v1/interview-windows",
                Some(&supervisor.token),
                &serde_json::json!({"date": date, "start": start, "end": end,
                    "slot_minutes": slot_minutes, "capacity": capacity, "location": location}),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 201, "{body}");
        body
    }

    /// One free interview slot with `capacity` places on the next working day, 09:00 Seoul.
    pub async fn slot(&self, supervisor: &TestUser, capacity: i64) -> String {
        let window = self
            .open_window(
                supervisor,
                next_working_day(kitdesk::domain::time::desk_today()),
                "09:00",
                "09:15",
                15,
                capacity,
                "U.S. Embassy Seoul, consular section",
            )
            .await;
        window["slots"][0]["id"]
            .as_str()
            .expect("slot id")
            .to_owned()
    }

    /// Starts the review of a case and approves it on B1-CIW, as the desk would.
    pub async fn approve(&self, officer: &TestUser, case_id: &str) {
        self.act_ok(
            officer,
            case_id,
            serde_json::json!({"action": "start_review"}),
        )
        .await;
        let approved = self
            .act_ok(
                officer,
                case_id,
                serde_json::json!({"action": "approve", "route": "B1-CIW", "reason": "Installer under the sales contract"}),
            )
            .await;
        assert_eq!(approved["status"], "approved");
    }

    /// Acts with the case's current ETag; asserts success; returns the case.
    pub async fn act_ok(&self, user: &TestUser, id: &str, action: Value) -> Value {
        let (_, etag) = self.case(user, id).await;
        let response = self.act(user, id, Some(&etag), &action).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 200, "{action} → {body}");
        body
    }
}

/// The first day after `after` on which the embassy is open.
/// Today's date in Seoul, as the desk counts days.
/// The ids of a filing's cases, in filing order.
pub fn case_ids(filing: &Value) -> Vec<String> {
    filing["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

pub fn seoul_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

pub fn next_working_day(after: chrono::NaiveDate) -> chrono::NaiveDate {
    let mut day = after + chrono::Duration::days(1);
    while kitdesk::domain::interview::closure_on(day).is_some() {
        day += chrono::Duration::days(1);
    }
    day
}

/// A believable worker: an installer from Korea, 90 days, paid from Korea.
pub fn worker(i: usize) -> Value {
    let today = chrono::Utc::now().date_naive();
    let entry = today + chrono::Duration::days(30);
    let exit = entry + chrono::Duration::days(89);
    serde_json::json!({
        "given_name": format!("Minjun{i}"),
        "family_name": "Kim",
        "name_ko": "김민준",
        "email": format!("minjun{i}.{}@example.kr", uuid::Uuid::new_v4().simple()),
        "date_of_birth": "1988-04-12",
        "nationality": "KR",
        "passport_number": format!("M{:08}", (std::process::id() as usize * 1000 + i) % 100_000_000 + rand_suffix()),
        "passport_expiry": "2031-05-01",
        "education": "vocational",
        "degree_in_specialty": false,
        "years_experience": 9,
        "months_employed_by_sponsor_last_3y": 30,
        "role": "installer",
        "specialized_knowledge": true,
        "prior_us_violation": false,
        "previously_detained_2025": false,
        "assignment": {
            "activities": ["install", "train_us_workers"],
            "planned_entry": entry.to_string(),
            "planned_exit": exit.to_string(),
            "pay_source": "foreign",
            "specialty_occupation": false,
            "offered_wage_usd": null,
            "prevailing_wage_usd": null
        }
    })
}

fn rand_suffix() -> usize {
    (uuid::Uuid::new_v4().as_u128() % 1_000_000) as usize
}

/// Workers (as from `worker`) as a CSV batch with the columns of `CSV_COLUMNS`.
pub fn csv_of(rows: &[serde_json::Value]) -> String {
    let mut out = kitdesk::service::filing::CSV_COLUMNS.join(",");
    out.push('\n');
    for w in rows {
        let a = &w["assignment"];
        let s = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let activities: Vec<String> = a["activities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        let cells = [
            s(&w["given_name"]),
            s(&w["family_name"]),
            s(&w["name_ko"]),
            s(&w["email"]),
            s(&w["date_of_birth"]),
            s(&w["nationality"]),
            s(&w["passport_number"]),
            s(&w["passport_expiry"]),
            s(&w["education"]),
            s(&w["degree_in_specialty"]),
            s(&w["years_experience"]),
            s(&w["months_employed_by_sponsor_last_3y"]),
            s(&w["role"]),
            s(&w["specialized_knowledge"]),
            s(&w["prior_us_violation"]),
            s(&w["previously_detained_2025"]),
            activities.join(";"),
            s(&a["planned_entry"]),
            s(&a["planned_exit"]),
            s(&a["pay_source"]),
            s(&a["specialty_occupation"]),
            s(&a["offered_wage_usd"]),
            s(&a["prevailing_wage_usd"]),
            // facts v2 columns: left empty (the facts stay missing)
            s(&w["other_nationalities"]),
            s(&w["degree_equivalent"]),
            s(&w["tenure_continuous"]),
            s(&w["prior_visa_refusal"]),
            s(&w["prior_esta_denial"]),
            String::new(),
            s(&w["e4_initial"]),
            s(&a["worker_employed_by_seller"]),
            s(&a["worksite_controlled_by_group"]),
            s(&a["actual_wage_usd"]),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A batch from `csv_of` as an Excel workbook, dates of birth as real Excel dates.
pub fn workbook_of(csv: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            let (row, col) = (r as u32 + 1, c as u16);
            match chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d") {
                Ok(d) if headers[c] == "date_of_birth" => {
                    let at = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        chrono::Datelike::year(&d) as u16,
                        chrono::Datelike::month(&d) as u8,
                        chrono::Datelike::day(&d) as u8,
                    )
                    .unwrap();
                    sheet
                        .write_datetime_with_format(row, col, &at, &date)
                        .unwrap();
                }
                _ => {
                    sheet.write_string(row, col, cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// Another client's transaction on PostgreSQL that holds `lock_sql` (such as `LOCK TABLE cases
/// IN ACCESS EXCLUSIVE MODE`) until [`HeldLock::release`].
pub struct HeldLock {
    release: std::sync::mpsc::Sender<()>,
    holder: std::thread::JoinHandle<()>,
}

impl HeldLock {
    /// Returns once the lock is held.
    pub fn take(url: &str, lock_sql: &str) -> HeldLock {
        let (url, sql) = (url.to_owned(), format!("BEGIN; {lock_sql}"));
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let mut c = PgConnection::establish(&url).expect("connect");
            c.batch_execute(&sql).expect("lock");
            locked_tx.send(()).expect("locked");
            let _ = release_rx.recv();
            c.batch_execute("ROLLBACK").expect("rollback");
        });
        locked_rx.recv().expect("the lock is held");
        HeldLock { release, holder }
    }

    pub fn release(self) {
        let _ = self.release.send(());
        self.holder.join().expect("lock holder");
    }
}
