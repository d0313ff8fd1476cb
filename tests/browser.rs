//! Browser tests: headless Chromium driven over WebDriver (chromedriver, started here on a
//! free port) against the real application on port 0. Kept apart from the API suite so that
//! it stays fast; CI installs `chromium` and `chromium-driver` from Debian.
//!
//! Screenshots of the main pages are written to `tests/artifacts/` (gitignored).

#[path = "api/helpers.rs"]
mod helpers;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use helpers::{csv_of, spawn_app, worker, TestApp, PASSWORD};
use kitdesk::domain::Role;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    fn start() -> Driver {
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start `{binary}` ({e}). The browser tests need Chromium and its \
                     WebDriver: `apt-get install -y chromium chromium-driver` (or set CHROMEDRIVER)."
                )
            });
        let profile = std::env::temp_dir().join(format!(
            "kitdesk-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&profile).expect("profile dir");
        // Owned from here on: a failure below still stops chromedriver (Drop).
        let driver = Driver {
            child,
            port,
            profile,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return driver;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not start listening on port {port} within 10 s");
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,1000", "--lang=en-US",
                    format!("--user-data-dir={}", self.profile.display()),
                ]
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session from chromedriver")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// axe-core's source, installed from npm by `npm ci --prefix tests/axe` (`.ci/run` does it).
fn axe_source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. The accessibility check needs axe-core from npm: \
             `npm ci --prefix tests/axe`",
            path.display()
        )
    })
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// One browser and the app, with the steps a person takes.
struct Session<'a> {
    app: &'a TestApp,
    c: Client,
    shots: usize,
}

impl Session<'_> {
    async fn open(&self, path: &str) {
        self.c.goto(&self.app.url(path)).await.expect("navigate");
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self
            .c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Sets a field's value directly (date inputs take keys in the browser's locale format).
    async fn set(&self, id: &str, value: &str) {
        self.c
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![id.into(), value.into()],
            )
            .await
            .expect("set value");
    }

    async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    /// The text of the first element matching `css`. A click that submits a form returns
    /// before the next page has loaded, so an element found on the old page can go stale
    /// under our hands, and a search started on it can be "aborted by navigation": look
    /// again until the page settles (10 s at most).
    async fn text(&self, css: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .c
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(css))
                .await;
            let text = match found {
                Ok(element) => element.text().await,
                Err(e) => Err(e),
            };
            match text {
                Ok(text) => return text,
                Err(_) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{css}: {e}"),
            }
        }
    }

    async fn body(&self) -> String {
        self.text("body").await
    }

    /// Waits (10 s at most) until the first element matching `css` says `needle`: after a
    /// click that submits a form, the old page can still answer for a moment.
    async fn says(&self, css: &str, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if self.text(css).await.contains(needle) {
                return true;
            }
            if std::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn shot(&mut self, name: &str) {
        self.shots += 1;
        let png = self.c.screenshot().await.expect("screenshot");
        let path = artifacts().join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&path, png).expect("write screenshot");
    }

    async fn sign_in(&self, email: &str) {
        self.open("/login").await;
        self.fill("email", email).await;
        self.fill("password", PASSWORD).await;
        self.click("#login-submit").await;
        self.text("h1").await;
    }

    /// axe-core's WCAG 2.1 A and AA checks on the page now shown: its serious and critical
    /// violations, one line each (rule, impact, what, where), and how many checks passed
    /// (none would mean axe-core did not look at the page).
    async fn axe(&self, source: &str) -> (Vec<String>, u64) {
        self.c
            .execute(source, vec![])
            .await
            .expect("inject axe-core");
        let found = self
            .c
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                  .then(r => done({passes: r.passes.length, violations: r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                      + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}))
                  .catch(e => done({passes: 0, violations: ['axe-core failed: ' + e]}));"#,
                vec![],
            )
            .await
            .expect("run axe-core");
        let violations = found["violations"]
            .as_array()
            .expect("a list of violations")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        (violations, found["passes"].as_u64().unwrap_or(0))
    }

    async fn sign_out(&self) {
        self.click("header form button[type=submit]").await;
        self.text("#password").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_registration_to_an_approval_seen_on_the_public_status_page() {
    let driver = Driver::start();
    let app = spawn_app().await;
    let officer = app.create_user(Role::Officer, None).await;
    let mut s = Session {
        app: &app,
        c: driver.browser().await,
        shots: 0,
    };

    // An employer registers the company.
    let employer_email = format!(
        "hr-{}@hanbit-battery.example",
        uuid::Uuid::new_v4().simple()
    );
    let brn = format!("{:010}", uuid::Uuid::new_v4().as_u128() % 10_000_000_000);
    s.open("/register").await;
    s.fill("legal_name", "Hanbit Battery Systems Co., Ltd.")
        .await;
    s.fill("legal_name_ko", "한빛배터리시스템").await;
    s.fill("business_registration_no", &brn).await;
    s.click("#treaty_investor").await;
    s.fill("contact_name", "Park Jiwoo").await;
    s.fill("email", &employer_email).await;
    s.fill("password", PASSWORD).await;
    s.shot("register").await;
    s.click("#register-submit").await;
    assert!(s.says(".flash", "Registration received").await);

    // An officer verifies it.
    s.sign_in(&officer.email).await;
    s.open("/desk/sponsors").await;
    assert!(s.body().await.contains("Hanbit Battery Systems"));
    s.shot("desk-sponsors").await;
    // the checklist first: each item's finding and note
    s.click("a[id^='checklist-']").await;
    assert!(s.says("h1", "Sponsor verification").await);
    for item in [
        "business_registration",
        "korean_ownership",
        "treaty_investor",
        "authorised_signatory",
    ] {
        s.set(&format!("outcome-{item}"), "confirmed").await;
        s.fill(&format!("note-{item}"), "Checked against the registry.")
            .await;
        s.click(&format!("#save-{item}")).await;
        // the saved item shows when it was recorded
        assert!(
            s.says(&format!("#check-{item} .hint"), "Last recorded")
                .await
        );
    }
    s.shot("sponsor-checklist").await;
    s.click("#verify").await;
    // the checklist page's own flash ("saved") can still answer for a moment: wait for the new
    assert!(s.says(".flash", "verified").await);
    s.sign_out().await;

    // The employer adds a project and uploads a batch with one bad row.
    s.sign_in(&employer_email).await;
    assert!(s.text("#sponsor-status").await.contains("Verified"));
    s.fill("name", "Ellabell battery plant, line 3").await;
    s.fill("worksite_address", "1 Metaplant Way, Ellabell")
        .await;
    s.fill("investment_usd", "7600000000").await;
    s.click("#project-submit").await;
    assert!(s.says(".flash", "project was added").await);
    s.shot("employer-dashboard").await;
    s.click("#projects a").await;
    s.text("#csv-file").await;
    s.shot("filing").await;
    let filing_url = s.c.current_url().await.expect("url").to_string();

    let mut bad = worker(2);
    bad["passport_expiry"] = "2001-01-01".into();
    let dir = std::env::temp_dir().join(format!("kitdesk-csv-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("csv dir");
    let bad_file = dir.join("batch-with-error.csv");
    std::fs::write(&bad_file, csv_of(&[worker(1), bad])).expect("write csv");
    s.c.find(Locator::Id("csv-file"))
        .await
        .expect("file input")
        .send_keys(&bad_file.to_string_lossy())
        .await
        .expect("choose file");
    s.click("#csv-preview").await;
    assert!(s
        .text("#preview-bad")
        .await
        .contains("Nothing has been filed"));
    assert!(s.text("#row-3").await.contains("the passport has expired"));
    s.shot("csv-preview-error").await;

    // Fixed, previewed, filed.
    s.c.goto(&filing_url).await.expect("back to filing");
    let good_file = dir.join("batch.csv");
    let workers = [worker(1), worker(2)];
    std::fs::write(&good_file, csv_of(&workers)).expect("write csv");
    s.c.find(Locator::Id("csv-file"))
        .await
        .expect("file input")
        .send_keys(&good_file.to_string_lossy())
        .await
        .expect("choose file");
    s.click("#csv-preview").await;
    assert!(s.text("#preview-ok").await.contains("Every row is valid"));
    s.shot("csv-preview-ok").await;
    s.click("#csv-file-now").await;
    assert!(s.text("#filed").await.contains("The workers were filed"));
    s.shot("filed").await;
    let receipt = s.text("#filed-cases tbody tr a").await;
    assert!(receipt.starts_with("KIT"), "{receipt}");
    let _ = std::fs::remove_dir_all(&dir);
    s.sign_out().await;

    // The officer reviews and asks for evidence.
    s.sign_in(&officer.email).await;
    assert!(s.text("#queue").await.contains(&receipt));
    s.shot("desk-queue").await;
    s.c.find(Locator::LinkText(&receipt))
        .await
        .expect("case link")
        .click()
        .await
        .expect("open case");
    s.text("#h-elig").await;
    s.click("#do-start_review").await;
    assert!(s.says("#case-status", "In review").await);
    s.fill(
        "request_evidence-reason",
        "Please send the sales contract's installation clause.",
    )
    .await;
    s.click("#do-request_evidence").await;
    assert!(s.says("#case-status", "Evidence requested").await);
    s.shot("desk-case").await;
    let case_url = s.c.current_url().await.expect("url");
    let case_path = case_url.path().to_owned();
    s.sign_out().await;

    // The employer answers: the contract, uploaded on the case page, and a note.
    s.sign_in(&employer_email).await;
    s.open(&case_path).await;
    assert!(s.body().await.contains("installation clause"));
    let contract = std::env::temp_dir().join(format!("contract-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::copy("tests/fixtures/two-pages.pdf", &contract).expect("write the contract");
    s.set("doc-kind", "sales_contract").await;
    s.c.find(Locator::Id("doc-file"))
        .await
        .expect("file input")
        .send_keys(&contract.display().to_string())
        .await
        .expect("choose the file");
    s.click("#do-upload").await;
    s.text("#h-documents").await;
    let name = contract.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        s.body().await.contains(&name),
        "the uploaded {name} is listed"
    );
    s.shot("employer-document-uploaded").await;
    s.fill(
        "evidence-note",
        "Attached: contract 2025-117, clause 8.2 (installation and training).",
    )
    .await;
    s.click("#do-submit_evidence").await;
    assert!(s.says("#case-status", "Evidence submitted").await);
    s.shot("employer-case").await;
    s.sign_out().await;

    // The officer reads the contract page by page, sees it next to the evidence rules and
    // confirms it.
    s.sign_in(&officer.email).await;
    s.open(&case_path).await;
    s.click("a[id^='view-']").await;
    s.text("#viewer-position").await;
    s.click("#viewer-next").await;
    assert!(s.says("#viewer-position", "2").await);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let drawn = loop {
        let width = s
            .c
            .execute(
                "const i = document.getElementById('viewer-image'); return i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await
            .expect("read the page image")
            .as_u64()
            .unwrap_or(0);
        if width > 500 || std::time::Instant::now() > deadline {
            break width;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(drawn > 500, "the page is drawn ({drawn} px wide)");
    s.shot("desk-document-viewer").await;
    s.open(&case_path).await;
    s.c.find(Locator::Css("input[id^='note-']"))
        .await
        .expect("the review note of the uploaded contract")
        .send_keys("Clause 8.2 obliges the seller to install and train")
        .await
        .expect("type the note");
    s.click("button[id^='confirm-']").await;
    assert!(s.body().await.contains("Clause 8.2 obliges the seller"));
    s.shot("desk-document-confirmed").await;
    s.click("#do-start_review").await;
    s.text("#approve-route").await;
    // A supervisor has opened an interview window; the officer books the filing's workers
    // awaiting an interview from the desk's calendar, in Seoul time.
    let supervisor = app.user(Role::Supervisor, None).await;
    let day = helpers::next_working_day(kitdesk::domain::time::desk_today());
    app.open_window(
        &supervisor,
        day,
        "09:00",
        "09:30",
        15,
        2,
        "U.S. Embassy Seoul, consular section, window 3",
    )
    .await;
    s.open(&format!("/desk/interviews?from={day}")).await;
    assert!(s.body().await.contains("09:00–09:15 KST"));
    s.click("#batch-book").await;
    assert!(s.says("#batch-report", ": 1 /").await);
    assert!(s.text("#batch-report").await.contains(&receipt));
    s.shot("desk-interviews-booked").await;
    s.open(&case_path).await;
    assert!(s.says("#case-status", "Interview scheduled").await);
    let booked_at = kitdesk::domain::time::appointment_en(&day.and_hms_opt(9, 0, 0).unwrap());
    assert!(s.body().await.contains(&format!("{booked_at} KST")));
    s.text("#approve-route").await;
    // A B-1 approval (an ESTA one would end the case advised, with no visa to issue).
    s.click("#approve-route option[value='B1-CIW']").await;
    s.fill(
        "approve-reason",
        "Installation under the sales contract; B-1 annotated.",
    )
    .await;
    s.click("#do-approve").await;
    assert!(s.says("#case-status", "Approved").await);
    s.shot("desk-case-approved").await;
    s.sign_out().await;

    // The worker looks the case up, in Korean and in English.
    s.open("/lang/ko?next=/status").await;
    s.fill("receipt_number", &receipt).await;
    s.set("date_of_birth", "1988-04-12").await;
    s.click("#status-submit").await;
    let result = s.text("#status-result").await;
    assert!(result.contains("신청이 승인되었습니다."), "{result}");
    assert!(result.contains("Your case has been approved."), "{result}");
    assert_eq!(
        s.c.find(Locator::Css("html"))
            .await
            .expect("html")
            .attr("lang")
            .await
            .expect("lang"),
        Some("ko".into())
    );
    s.shot("status-ko").await;
    s.click(".lang-switch").await;
    assert!(s.text("h1").await.contains("Check a case's status"));
    s.fill("receipt_number", &receipt).await;
    s.set("date_of_birth", "1988-04-12").await;
    s.click("#status-submit").await;
    assert!(s.text("#status-result").await.contains("approved"));
    s.shot("status-en").await;

    // A tablet-sized window keeps the queue usable.
    s.c.set_window_size(820, 1180).await.expect("resize");
    s.sign_in(&officer.email).await;
    s.text("#queue").await;
    s.shot("desk-queue-tablet").await;

    s.c.close().await.expect("close the browser");
}

/// Every page, in Korean and in English, for each role that sees it, with data in several
/// states, passes axe-core's WCAG 2.1 A and AA checks with no serious or critical violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_korean_and_english() {
    let axe = axe_source();
    let driver = Driver::start();
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let admin = app.user(Role::Admin, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 3).await;
    let ids: Vec<String> = filed["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    // one case in review with an overdue evidence request and a document, one approved
    app.act_ok(
        &officer,
        &ids[0],
        serde_json::json!({"action": "start_review"}),
    )
    .await;
    app.act_ok(
        &officer,
        &ids[0],
        serde_json::json!({"action": "request_evidence", "reason": "Send the sales contract.", "documents": ["sales_contract"]}),
    )
    .await;
    let pdf = std::fs::read("tests/fixtures/two-pages.pdf").expect("the PDF fixture");
    let form = reqwest::multipart::Form::new()
        .text("kind", "sales_contract")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf)
                .file_name("contract.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let uploaded: serde_json::Value = app
        .client
        .post(app.url(&format!("/api/v1/cases/{}/documents", ids[0])))
        .bearer_auth(&sponsor.employer.token)
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("the document");
    let document = uploaded["id"].as_str().expect("document id").to_owned();
    app.sql(&format!(
        "UPDATE cases SET evidence_due = '2020-01-01' WHERE id = '{}'; \
         UPDATE cases SET status = 'approved', decision_route = 'B1-CIW', decision_reason = 'Installation.', decided_at = CURRENT_TIMESTAMP WHERE id = '{}'",
        ids[0], ids[1]
    ))
    .await;
    let day = helpers::next_working_day(kitdesk::domain::time::desk_today());
    app.open_window(
        &supervisor,
        day,
        "09:00",
        "10:00",
        30,
        2,
        "U.S. Embassy Seoul, window 3",
    )
    .await;

    let s = Session {
        app: &app,
        c: driver.browser().await,
        shots: 0,
    };
    let missing = uuid::Uuid::new_v4();
    // the approved case's confirmation, as the worker's QR code opens it
    let confirmation: serde_json::Value = app
        .get(
            &format!("/api/v1/cases/{}/confirmation", ids[1]),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .expect("the confirmation");
    let token = confirmation["token"].as_str().expect("a token").to_owned();
    let pages: Vec<(Option<&str>, Vec<String>)> = vec![
        (
            None,
            vec![
                "/login".into(),
                "/register".into(),
                "/status".into(),
                "/password-reset".into(),
                format!("/verify/{token}"),
                format!("/cases/{missing}"),
                "/training/figures".into(),
            ],
        ),
        (
            Some(sponsor.employer.email.as_str()),
            vec![
                "/employer".into(),
                format!("/employer/projects/{project}/file"),
                format!("/employer/projects/{project}/precheck"),
                format!("/cases/{}", ids[0]),
                "/employer/users".into(),
                "/account/mfa".into(),
                "/employer/training".into(),
            ],
        ),
        (
            Some(officer.email.as_str()),
            vec![
                "/desk".into(),
                "/desk?q=KIT".into(),
                "/desk/sponsors".into(),
                format!("/desk/sponsors/{}", sponsor.id),
                format!("/desk/interviews?from={day}"),
                format!("/cases/{}?queue=", ids[0]),
                format!("/cases/{}", ids[1]),
                format!("/documents/{document}/view?page=1"),
            ],
        ),
        (
            Some(supervisor.email.as_str()),
            vec![
                "/supervisor/rules".into(),
                "/supervisor/rules/B1-CIW".into(),
                "/supervisor/cap".into(),
                "/supervisor/reports".into(),
                "/supervisor/training".into(),
            ],
        ),
        (
            Some(admin.email.as_str()),
            vec![
                "/admin/users".into(),
                "/admin/sponsors".into(),
                "/admin/outbox".into(),
            ],
        ),
    ];
    let mut violations = Vec::new();
    let mut checked = 0;
    for (who, paths) in &pages {
        if let Some(email) = who {
            s.sign_in(email).await;
        }
        for lang in ["ko", "en"] {
            for path in paths {
                s.open(&format!(
                    "/lang/{lang}?next={}",
                    kitdesk::http::pages::url_encode(path)
                ))
                .await;
                s.text("main").await;
                checked += 1;
                let (found, passed) = s.axe(&axe).await;
                assert!(
                    passed > 10,
                    "axe-core checked {path} ({lang}): {passed} checks passed"
                );
                for v in found {
                    violations.push(format!("[{lang}] {path}: {v}"));
                }
            }
        }
        if who.is_some() {
            s.sign_out().await;
        }
    }
    assert_eq!(
        checked,
        2 * pages.iter().map(|(_, p)| p.len()).sum::<usize>()
    );
    assert!(
        violations.is_empty(),
        "{} serious or critical accessibility violations on {checked} pages:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // the check sees what it should: an image without a text alternative is critical
    s.open("/login").await;
    s.c.execute(
        "const i = document.createElement('img'); i.src = '/assets/none.png'; document.querySelector('main').appendChild(i);",
        vec![],
    )
    .await
    .expect("add an image");
    let (found, _) = s.axe(&axe).await;
    assert!(
        found.iter().any(|v| v.starts_with("image-alt (critical)")),
        "{found:?}"
    );
    s.c.close().await.expect("close the browser");
}

/// The Korean employer's path and the officer's: an Excel batch with one bad row, fixed and
/// filed; then a supervisor finds the workers, assigns them to an officer in one go, and the
/// officer reads the facts on the case page and decides. Every page in Korean, each checked
/// by axe-core too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_employer_files_from_excel_and_the_desk_works_the_batch() {
    let axe = axe_source();
    let driver = Driver::start();
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut s = Session {
        app: &app,
        c: driver.browser().await,
        shots: 0,
    };
    let accessible = |found: Vec<String>, what: &str| {
        assert!(found.is_empty(), "{what}: {found:#?}");
    };

    // The HR manager uploads a workbook whose second worker's passport has expired.
    s.open("/lang/ko?next=/login").await;
    s.sign_in(&sponsor.employer.email).await;
    s.open(&format!("/employer/projects/{project}/file")).await;
    let dir = std::env::temp_dir().join(format!("kitdesk-xlsx-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("xlsx dir");
    let (mut first, mut second) = (worker(1), worker(2));
    first["family_name"] = "Park".into();
    first["name_ko"] = "박서준".into();
    second["family_name"] = "Park".into();
    second["name_ko"] = "박지우".into();
    let mut expired = second.clone();
    expired["passport_expiry"] = "2001-01-01".into();
    let bad = dir.join("근로자-명단.xlsx");
    std::fs::write(
        &bad,
        helpers::workbook_of(&csv_of(&[first.clone(), expired])),
    )
    .expect("xlsx");
    s.c.find(Locator::Id("csv-file"))
        .await
        .expect("file input")
        .send_keys(&bad.to_string_lossy())
        .await
        .expect("choose the workbook");
    s.click("#csv-preview").await;
    assert!(s.says("#preview-bad", "아무것도 신청되지 않았습니다").await);
    assert!(s.text("#preview-counts").await.contains("1"));
    assert!(s.text("#row-3").await.contains("여권이 만료되었습니다"));
    accessible(s.axe(&axe).await.0, "the preview with an error");
    s.shot("ko-xlsx-preview-error").await;

    // Fixed, previewed again, filed; the filed page names the workers, Hangul beside.
    s.open(&format!("/employer/projects/{project}/file")).await;
    let good = dir.join("근로자-명단-수정.xlsx");
    std::fs::write(&good, helpers::workbook_of(&csv_of(&[first, second]))).expect("xlsx");
    s.c.find(Locator::Id("csv-file"))
        .await
        .expect("file input")
        .send_keys(&good.to_string_lossy())
        .await
        .expect("choose the workbook");
    s.click("#csv-preview").await;
    assert!(s.says("#preview-ok", "모든 행이 올바릅니다").await);
    s.click("#csv-file-now").await;
    assert!(s.says("#filed", "신청되었습니다").await);
    let filed = s.text("#filed-cases").await;
    assert!(
        filed.contains("박서준") && filed.contains("박지우"),
        "{filed}"
    );
    accessible(s.axe(&axe).await.0, "the filed page");
    s.shot("ko-xlsx-filed").await;
    let _ = std::fs::remove_dir_all(&dir);
    s.sign_out().await;

    // A supervisor searches the queue by the Hangul surname and assigns both to the officer.
    s.sign_in(&supervisor.email).await;
    s.open(&format!(
        "/desk?q={}",
        kitdesk::http::pages::url_encode("박")
    ))
    .await;
    let rows =
        s.c.find_all(Locator::Css("#queue tbody tr"))
            .await
            .expect("queue rows");
    assert_eq!(rows.len(), 2, "the search finds the two workers");
    for checkbox in
        s.c.find_all(Locator::Css("#queue input[type=checkbox]"))
            .await
            .expect("checkboxes")
    {
        checkbox.click().await.expect("select");
    }
    s.click("#bulk-action option[value='assign_to']").await;
    s.click(&format!("#bulk-assignee option[value='{}']", officer.id))
        .await;
    s.click("#bulk-submit").await;
    assert!(s.says("#bulk-counts", "2").await);
    accessible(s.axe(&axe).await.0, "the bulk result");
    s.shot("ko-bulk-assigned").await;
    s.sign_out().await;

    // The officer finds the case in their own queue, reads the facts and refuses it.
    s.sign_in(&officer.email).await;
    s.open("/desk?mine=1").await;
    let mine = s.text("#queue").await;
    assert!(mine.contains("Park"), "{mine}");
    s.click("#queue tbody tr a").await;
    let facts = s.text("#facts").await;
    assert!(facts.contains("설치"), "the activities in Korean: {facts}");
    s.click("#do-start_review").await;
    assert!(s.says("#case-status", "심사 중").await);
    s.text("#refuse-ground").await;
    s.fill("refuse-reason", "계약서상 설치 의무가 확인되지 않았습니다.")
        .await;
    s.click("#do-refuse").await;
    if s.c.get_alert_text().await.is_ok() {
        s.c.accept_alert().await.expect("confirm the refusal");
    }
    assert!(s.says("#case-status", "거절").await);
    accessible(s.axe(&axe).await.0, "the refused case");
    s.shot("ko-case-refused").await;
    s.c.close().await.expect("close the browser");
}

/// WebDriver's Virtual Authenticator extension: adds a platform authenticator with user
/// verification to the browser session (`POST /session/{id}/webauthn/authenticator`).
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        (
            reqwest::Method::POST,
            Some(
                serde_json::json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true
                })
                .to_string(),
            ),
        )
    }
}

/// A desk officer under `KITDESK_DESK_MFA=required` enrols a passkey (Chromium's virtual
/// authenticator) and signs in with it. Passkeys need a host name, so the app is reached at
/// `localhost` on a port chosen beforehand, which is also its public address.
#[tokio::test]
async fn a_desk_officer_enrols_a_passkey_and_signs_in_with_it() {
    let driver = Driver::start();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let origin = format!("http://localhost:{port}");
    let public = origin.clone();
    let app = helpers::spawn_app_configured(Default::default(), move |c| {
        c.bind = format!("127.0.0.1:{port}");
        c.public_url = public;
        c.desk_mfa = kitdesk::service::mfa::DeskMfa::Required;
    })
    .await;
    let officer = app.create_user(Role::Officer, None).await;
    let c = driver.browser().await;
    c.issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("a virtual authenticator (WebDriver WebAuthn extension)");
    let open = |path: &str| format!("{origin}{path}");
    let text = |css: &'static str| {
        let c = c.clone();
        async move {
            c.wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"))
                .text()
                .await
                .unwrap_or_default()
        }
    };
    // After a click that submits a form, the old page can still answer for a moment: wait
    // (10 s at most) until the element says `needle`.
    let says = |css: &'static str, needle: &'static str| async move {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = text(css).await;
            if now.contains(needle) || std::time::Instant::now() > deadline {
                return now.contains(needle);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let sign_in = |c: Client, email: String| {
        let login = open("/login");
        async move {
            c.goto(&login).await.expect("login page");
            c.find(Locator::Id("email"))
                .await
                .unwrap()
                .send_keys(&email)
                .await
                .unwrap();
            c.find(Locator::Id("password"))
                .await
                .unwrap()
                .send_keys(PASSWORD)
                .await
                .unwrap();
            c.find(Locator::Css("#login-submit"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };

    // without a factor, the desk sends the officer to enrol
    sign_in(c.clone(), officer.email.clone()).await;
    assert!(text("#mfa-required").await.contains("second factor"));
    c.find(Locator::Css("#passkey-add"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let status = text("#passkey-status").await;
        if status.contains("added") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline && !status.contains("did not work"),
            "passkey registration: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // the same session may work now
    c.goto(&open("/desk")).await.unwrap();
    let landed = c.current_url().await.unwrap();
    assert_eq!(landed.path(), "/desk", "{}", text("main").await);
    assert!(text("h1").await.contains("Case queue"));

    // signed out, the password leads to the second step, and the passkey completes it
    c.find(Locator::Css("header .tools form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text(".flash").await;
    sign_in(c.clone(), officer.email.clone()).await;
    assert!(says("h1", "Enter your code").await);
    c.find(Locator::Css("#passkey-sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if c.current_url().await.unwrap().path() == "/desk" {
            break;
        }
        let status = c.find(Locator::Id("passkey-status")).await.ok();
        if let Some(s) = status {
            let t = s.text().await.unwrap_or_default();
            assert!(!t.contains("did not work"), "passkey sign-in: {t}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not signed in with the passkey"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(says("h1", "Case queue").await);
    let audit: Vec<String> = app
        .ctx
        .run(|conn, _| {
            use diesel::prelude::*;
            use kitdesk::db::schema::audit_log::dsl::*;
            Ok(audit_log
                .filter(action.eq("account.passkey_registered"))
                .select(summary)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    c.close().await.expect("close the browser");
}
