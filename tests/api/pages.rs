//! The server-rendered pages over plain HTTP: each page's role rule, CSRF and cross-site
//! refusal, the language switch, throttled sign-in in words, stale edits, the CSV preview.

use kitdesk::domain::Role;
use reqwest::header::{HeaderMap, ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{assert_problem, csv_of, spawn_app, worker, TestApp, TestUser, PASSWORD};

/// A cookie-keeping client that does not follow redirects, like a browser seen step by step.
pub struct Visitor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    pub accept_language: Option<&'static str>,
}

pub struct Page {
    pub status: u16,
    headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF token") + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }

    /// The value of the hidden input `name` of the first form holding it.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect(name) + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }

    /// The hidden input's value as the browser would send it back (HTML entities decoded).
    fn hidden_text(&self, name: &str) -> String {
        self.hidden(name)
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#43;", "+")
            .replace("&#x2b;", "+")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
}

impl<'a> Visitor<'a> {
    /// Uploads a batch file on the project's filing page (the preview), as the browser does.
    async fn upload_batch(
        &mut self,
        project: &str,
        token: &str,
        file: Vec<u8>,
        name: &str,
    ) -> Page {
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(file).file_name(name.to_owned()),
            );
        let response = self
            .client
            .post(self.app.url(&format!("/employer/projects/{project}/csv")))
            .header(COOKIE, self.cookie_header())
            .header("sec-fetch-site", "same-origin")
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Files the batch a preview shows, as its "file these workers" button does.
    async fn file_previewed(&mut self, project: &str, token: &str, preview: &Page) -> Page {
        let key = preview.hidden("idempotency_key");
        let table = preview.hidden_text("table");
        self.post(
            &format!("/employer/projects/{project}/csv/file"),
            &[
                ("csrf", token),
                ("idempotency_key", key.as_str()),
                ("table", table.as_str()),
            ],
        )
        .await
    }

    pub fn new(app: &'a TestApp) -> Self {
        Visitor {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            accept_language: None,
        }
    }

    pub fn signed_in(app: &'a TestApp, user: &TestUser) -> Self {
        let mut v = Visitor::new(app);
        v.cookies
            .push(("kitdesk_session".into(), user.token.clone()));
        v
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn finish(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let mut req = self
            .client
            .get(self.app.url(path))
            .header(COOKIE, self.cookie_header());
        if let Some(lang) = self.accept_language {
            req = req.header(ACCEPT_LANGUAGE, lang);
        }
        let response = req.send().await.unwrap();
        self.finish(response).await
    }

    async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut req = self
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .form(form);
        if let Some(lang) = self.accept_language {
            req = req.header(ACCEPT_LANGUAGE, lang);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = req.send().await.unwrap();
        self.finish(response).await
    }

    /// A same-origin form post, as a browser sends it.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[("sec-fetch-site", "same-origin")])
            .await
    }
}

#[tokio::test]
async fn each_page_keeps_to_its_roles() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, _) = app.ready_sponsor(&officer, None).await;
    let employer = &sponsor.employer;

    let mut anonymous = Visitor::new(&app);
    let page = anonymous.get("/desk").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/login?next=/desk");
    assert_eq!(anonymous.get("/login").await.status, 200);
    assert_eq!(anonymous.get("/status").await.status, 200);
    assert_eq!(anonymous.get("/register").await.status, 200);

    let mut as_employer = Visitor::signed_in(&app, employer);
    assert_eq!(as_employer.get("/employer").await.status, 200);
    for path in [
        "/desk",
        "/desk/sponsors",
        "/supervisor/rules",
        "/supervisor/reports",
    ] {
        let page = as_employer.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("not available for your role"), "{path}");
    }

    let mut as_officer = Visitor::signed_in(&app, &officer);
    for path in ["/desk", "/desk/sponsors"] {
        assert_eq!(as_officer.get(path).await.status, 200, "{path}");
    }
    for path in ["/employer", "/supervisor/cap", "/supervisor/reports.csv"] {
        assert_eq!(as_officer.get(path).await.status, 403, "{path}");
    }

    let mut as_supervisor = Visitor::signed_in(&app, &supervisor);
    for path in [
        "/desk",
        "/supervisor/rules",
        "/supervisor/rules/B1-CIW",
        "/supervisor/cap",
        "/supervisor/reports",
    ] {
        let page = as_supervisor.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
    }
    let csv = as_supervisor.get("/supervisor/reports.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv
        .body
        .starts_with("section,from,to,sponsor_id,officer_id,route\n"));
    assert!(csv.body.contains("\nsection,status,route,count\n"));
}

#[tokio::test]
async fn pages_carry_a_strict_csp_and_swagger_ui_keeps_working() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/login").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(!page.body.contains("style="), "no inline style");
    let docs = visitor.get("/api/docs/").await;
    assert_eq!(docs.status, 200);
    assert!(docs.headers.get("content-security-policy").is_none());
    let css = visitor.get("/assets/kitdesk.css").await;
    assert_eq!(css.status, 200);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

#[tokio::test]
async fn a_browser_at_an_unknown_address_gets_a_page_and_a_program_gets_problem_json() {
    let app = spawn_app().await;
    let browser = |path: &str, lang: &str| {
        app.client
            .get(app.url(path))
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml,*/*;q=0.8",
            )
            .header(ACCEPT_LANGUAGE, lang)
            .send()
    };
    let page = browser("/reports", "ko").await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = page.text().await.unwrap();
    assert!(body.contains("찾을 수 없습니다"), "{body}");
    assert!(body.contains("lang=\"ko\""), "{body}");
    let page = browser("/no/such/page", "en").await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("Not found"));
    // The API answers programs, and browsers, in problem+json.
    let api = browser("/api/v1/nothing-here", "ko").await.unwrap();
    assert_problem(api, 404, "not_found").await;
    // A program that does not ask for HTML still gets problem+json outside the API.
    assert_problem(app.get("/reports", None).await, 404, "not_found").await;
}

#[tokio::test]
async fn forms_without_the_session_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let sponsor = app.register_sponsor(None).await;
    app.complete_checklist(&officer, &sponsor.id).await;
    let mut desk = Visitor::signed_in(&app, &officer);
    let token = desk.get("/desk/sponsors").await.csrf();
    let verify = format!("/desk/sponsors/{}/verify", sponsor.id);

    let page = desk.post(&verify, &[]).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("expired"));
    let page = desk
        .post(&verify, &[("csrf", "0".repeat(64).as_str())])
        .await;
    assert_eq!(page.status, 403);
    // Another session's token does not work here.
    let other = app.user(Role::Officer, None).await;
    let other_token = Visitor::signed_in(&app, &other).get("/desk").await.csrf();
    assert_ne!(other_token, token);
    assert_eq!(
        desk.post(&verify, &[("csrf", &other_token)]).await.status,
        403
    );
    // A valid token from a cross-site page is refused too.
    let page = desk
        .post_with(
            &verify,
            &[("csrf", &token)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("this site"));
    let page = desk
        .post_with(
            &verify,
            &[("csrf", &token)],
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(page.status, 403);

    let page = desk.post(&verify, &[("csrf", &token)]).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/desk/sponsors?msg=verified");
    let list = desk.get("/desk/sponsors?msg=verified").await;
    assert!(list.body.contains("The sponsor is verified."));
}

#[tokio::test]
async fn the_language_follows_accept_language_until_switched() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    visitor.accept_language = Some("ko-KR,ko;q=0.9,en;q=0.5");
    let page = visitor.get("/login").await;
    assert!(page.body.contains("<html lang=\"ko\">"));
    assert!(page.body.contains("비밀번호"));
    let switch = visitor.get("/lang/en?next=/login").await;
    assert_eq!(switch.status, 303);
    assert_eq!(switch.location(), "/login");
    let page = visitor.get("/login").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("Password"));
    // The switch never sends anyone off the site.
    let away = visitor.get("/lang/ko?next=//evil.example/").await;
    assert_eq!(away.location(), "/");
}

#[tokio::test]
async fn sign_in_works_and_throttling_is_shown_in_words() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Officer, None).await;
    let mut visitor = Visitor::new(&app);
    let token = visitor.get("/login").await.csrf();
    let page = visitor
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/desk");
    assert_eq!(visitor.get("/desk").await.status, 200);

    let mut guesser = Visitor::new(&app);
    guesser.accept_language = Some("ko");
    let token = guesser.get("/login").await.csrf();
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            guesser
                .post(
                    "/login",
                    &[
                        ("csrf", &token),
                        ("email", &user.email),
                        ("password", "wrong guess 123"),
                    ],
                )
                .await,
        );
    }
    let page = last.unwrap();
    assert_eq!(page.status, 429);
    assert!(
        page.body.contains("초 후에 다시 시도해 주세요"),
        "{}",
        page.body
    );
    assert!(page.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn a_zip_of_documents_is_previewed_worker_by_worker_in_korean_and_filed_with_the_csv() {
    use std::io::Write;
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    employer.accept_language = Some("ko");
    let filing_page = employer
        .get(&format!("/employer/projects/{project}/file"))
        .await;
    assert!(
        filing_page.body.contains("row2_passport_bio_page.pdf"),
        "the naming is explained"
    );
    let token = filing_page.csrf();
    let zip = |files: &[(&str, &[u8])]| {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, bytes) in files {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    };
    let csv = csv_of(&[worker(1), worker(2)]);
    let client = employer.client.clone();
    let cookie = employer.cookie_header();
    let preview = |zip: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name("batch.csv"),
            )
            .part(
                "documents",
                reqwest::multipart::Part::bytes(zip).file_name("docs.zip"),
            );
        client
            .post(app.url(&format!("/employer/projects/{project}/csv")))
            .header(COOKIE, cookie.clone())
            .header(ACCEPT_LANGUAGE, "ko")
            .header("sec-fetch-site", "same-origin")
            .multipart(form)
            .send()
    };
    let pdf: &[u8] = b"%PDF-1.7\n%%EOF\n";
    let response = preview(zip(&[
        ("row3_passport_bio_page.pdf", pdf),
        ("row7_passport_bio_page.pdf", pdf),
    ]))
    .await
    .unwrap();
    let shown = employer.finish(response).await;
    assert_eq!(shown.status, 422);
    assert!(
        shown.body.contains("id=\"zip-unmatched\""),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("CSV의 해당 줄에 근로자가 없음"),
        "{}",
        shown.body
    );
    assert!(
        !shown.body.contains("csv-file-now"),
        "no filing while a file goes nowhere"
    );

    let response = preview(zip(&[
        ("row3_passport_bio_page.pdf", pdf),
        ("project_sales_contract.pdf", pdf),
    ]))
    .await
    .unwrap();
    let shown = employer.finish(response).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let row = &shown.body[shown.body.find("id=\"row-3\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("여권 인적 사항 면") && row.contains("row3_passport_bio_page.pdf"),
        "{row}"
    );
    assert!(shown.body.contains("id=\"zip-project\""));
    let bundle = shown.hidden("bundle_id");
    let key = shown.hidden("idempotency_key");
    let filed = employer
        .post(
            &format!("/employer/projects/{project}/csv/file"),
            &[
                ("csrf", &token),
                ("idempotency_key", &key),
                ("csv", &csv),
                ("bundle_id", &bundle),
            ],
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let cases: serde_json::Value = app
        .get("/api/v1/cases", Some(&sponsor.employer.token))
        .await
        .json()
        .await
        .unwrap();
    let mut with_own = 0;
    for case in cases["items"].as_array().unwrap() {
        let docs: serde_json::Value = app
            .get(
                &format!("/api/v1/cases/{}/documents", case["id"].as_str().unwrap()),
                Some(&sponsor.employer.token),
            )
            .await
            .json()
            .await
            .unwrap();
        let items = docs["items"].as_array().unwrap();
        assert!(items.iter().any(|d| d["kind"] == "sales_contract"));
        with_own += items.iter().filter(|d| d["origin"] == "case").count();
    }
    assert_eq!(
        with_own, 1,
        "the passport went to the worker on line 3 only"
    );
}

#[tokio::test]
async fn a_csv_batch_is_previewed_with_row_errors_before_anything_is_filed() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    let filing_page = employer
        .get(&format!("/employer/projects/{project}/file"))
        .await;
    assert_eq!(filing_page.status, 200);
    let token = filing_page.csrf();

    let mut bad = worker(2);
    bad["passport_expiry"] = "2001-01-01".into();
    let bad_csv = csv_of(&[worker(1), bad]);
    let preview = employer
        .upload_batch(&project, &token, bad_csv.into_bytes(), "batch.csv")
        .await;
    assert_eq!(preview.status, 422);
    assert!(
        preview.body.contains("the passport has expired"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("id=\"row-3\""));
    assert!(
        !preview.body.contains("csv-file-now"),
        "no filing button while rows fail"
    );
    let cases = app
        .get("/api/v1/cases", Some(&sponsor.employer.token))
        .await;
    let body: serde_json::Value = cases.json().await.unwrap();
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        0,
        "nothing was filed"
    );

    let good_csv = csv_of(&[worker(1), worker(2)]);
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(good_csv.into_bytes()).file_name("batch.csv"),
        );
    let response = employer
        .client
        .post(app.url(&format!("/employer/projects/{project}/csv")))
        .header(COOKIE, employer.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let preview = employer.finish(response).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("csv-file-now"));
    let key = preview.hidden("idempotency_key");
    // the batch as the page read it, carried in a hidden field (HTML-escaped JSON)
    let table = preview.hidden_text("table");
    assert!(table.contains("\"line\":3"), "{table}");
    let filed = employer
        .post(
            &format!("/employer/projects/{project}/csv/file"),
            &[
                ("csrf", &token),
                ("idempotency_key", &key),
                ("table", &table),
            ],
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.body.matches("href=\"/cases/").count(), 2);
    // A second click replays the same filing instead of filing twice.
    let again = employer
        .post(
            &format!("/employer/projects/{project}/csv/file"),
            &[
                ("csrf", &token),
                ("idempotency_key", &key),
                ("table", &table),
            ],
        )
        .await;
    assert_eq!(again.status, 201);
    let cases = app
        .get("/api/v1/cases", Some(&sponsor.employer.token))
        .await;
    let body: serde_json::Value = cases.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_stale_case_version_is_refused_politely() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let id = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let mut desk = Visitor::signed_in(&app, &officer);
    let page = desk.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Eligibility by route"));
    assert!(page.body.contains("B1CIW-ACT"));
    let token = page.csrf();
    let version = page.hidden("version");

    // Someone else starts the review first.
    app.act_ok(&officer, &id, serde_json::json!({"action": "start_review"}))
        .await;

    let stale = desk
        .post(
            &format!("/cases/{id}/act"),
            &[
                ("csrf", &token),
                ("version", &version),
                ("action", "start_review"),
            ],
        )
        .await;
    assert_eq!(stale.status, 303);
    assert_eq!(stale.location(), format!("/cases/{id}?msg=stale"));
    let page = desk.get(stale.location()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Someone changed this case"));

    // The employer sees no rule explanation and no desk notes.
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    let page = employer.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("B1CIW-ACT"));
}

#[tokio::test]
async fn the_status_page_answers_in_both_languages() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let receipt = filed["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut visitor = Visitor::new(&app);
    let token = visitor.get("/status").await.csrf();
    let page = visitor
        .post(
            "/status",
            &[
                ("csrf", &token),
                ("receipt_number", &receipt),
                ("date_of_birth", "1988-04-12"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("We have received your case."));
    assert!(page.body.contains("신청서가 접수되었습니다."));
    let page = visitor
        .post(
            "/status",
            &[
                ("csrf", &token),
                ("receipt_number", &receipt),
                ("date_of_birth", "1990-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("No case matches"));
    assert!(page.body.contains("해당하는 신청 건이 없습니다"));
    assert!(!page.body.contains("사건"), "a case is a 신청 건");
}

#[tokio::test]
async fn the_pre_check_explains_every_route_for_one_worker() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    let path = format!("/employer/projects/{project}/precheck");
    let token = employer.get(&path).await.csrf();
    let w = worker(1);
    let a = &w["assignment"];
    let text = |v: &serde_json::Value| {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    };
    let mut form: Vec<(String, String)> = vec![("csrf".into(), token)];
    for name in [
        "given_name",
        "family_name",
        "email",
        "date_of_birth",
        "nationality",
        "passport_number",
        "passport_expiry",
        "education",
        "years_experience",
        "months_employed_by_sponsor_last_3y",
        "role",
    ] {
        form.push((format!("w0.{name}"), text(&w[name])));
    }
    form.push(("w0.specialized_knowledge".into(), "on".into()));
    for name in ["planned_entry", "planned_exit", "pay_source"] {
        form.push((format!("w0.{name}"), text(&a[name])));
    }
    form.push(("w0.activities".into(), "install".into()));
    form.push(("w0.activities".into(), "construction_labor".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = employer.post(&path, &pairs).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"route-B1-CIW\""));
    // Construction labour fails the activity rule, which is listed before the passing ones.
    let route = &page.body[page.body.find("id=\"route-B1-CIW\"").unwrap()..];
    let first_rule = route.find("<strong>").unwrap();
    assert!(route[first_rule..].starts_with("<strong>B1CIW-ACT</strong>"));
    let cases = app
        .get("/api/v1/cases", Some(&sponsor.employer.token))
        .await;
    let body: serde_json::Value = cases.json().await.unwrap();
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        0,
        "a pre-check files nothing"
    );

    let mut desk = Visitor::signed_in(&app, &officer);
    assert_eq!(desk.get(&path).await.status, 403);
}

// Issue 14, finding 5: `next` only ever leads to a path of this site; CR/LF is no 500.
#[tokio::test]
async fn next_never_leaves_the_site_and_cr_lf_is_no_500() {
    let app = spawn_app().await;
    let hostile = [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/%5C/evil.example",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:%20x=1",
        "/%0aevil",
        "/%20/evil.example",
        "/%E2%80%A8evil",
    ];
    for next in hostile {
        let page = Visitor::new(&app)
            .get(&format!("/lang/en?next={next}"))
            .await;
        assert_eq!(page.status, 303, "{next}");
        assert_eq!(page.location(), "/", "{next}");
        let page = Visitor::new(&app).get(&format!("/login?next={next}")).await;
        assert_eq!(page.status, 200, "{next}");
        assert_eq!(page.hidden("next"), "/", "{next}");
    }
    let page = Visitor::new(&app)
        .get("/lang/ko?next=/status%3Fa%3D1")
        .await;
    assert_eq!(page.location(), "/status?a=1");

    // a hostile `next` posted with the sign-in form: signed in, but sent home
    let user = app.create_user(Role::Officer, None).await;
    for next in [
        "/\t/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\\evil.example",
    ] {
        let mut visitor = Visitor::new(&app);
        let token = visitor.get("/login").await.csrf();
        let page = visitor
            .post(
                "/login",
                &[
                    ("csrf", &token),
                    ("email", &user.email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{next:?}");
        assert_eq!(page.location(), "/desk", "{next:?}");
    }
}

// Issue 14, finding 6: employer text in a CSV export cannot run as a spreadsheet formula.
#[tokio::test]
async fn csv_exports_neutralise_formula_cells() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case_id = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    app.act_ok(
        &supervisor,
        &case_id,
        serde_json::json!({"action": "assign", "assignee_id": officer.id}),
    )
    .await;
    app.act_ok(
        &officer,
        &case_id,
        serde_json::json!({"action": "start_review"}),
    )
    .await;
    app.act_ok(
        &officer,
        &case_id,
        serde_json::json!({"action": "request_evidence", "reason": "Send the sales contract."}),
    )
    .await;
    app.sql(&format!(
        "UPDATE cases SET evidence_due = '2020-01-01' WHERE id = '{case_id}'; \
         UPDATE sponsors SET legal_name = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE id = '{}'",
        sponsor.id
    ))
    .await;
    let csv = Visitor::signed_in(&app, &supervisor)
        .get("/supervisor/reports.csv")
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains("\"'=HYPERLINK("),
        "the formula is not neutralised: {}",
        csv.body
    );
    assert!(!csv.body.contains(",=HYPERLINK") && !csv.body.contains(",\"=HYPERLINK"));
}

#[tokio::test]
async fn documents_are_uploaded_and_reviewed_from_the_case_page() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    let page = employer.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("id=\"upload-form\""));
    let token = page.csrf();
    let cookie = employer.cookie_header();
    let client = employer.client.clone();
    let send = |token: String, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("kind", "training_plan")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("교육계획.pdf"),
            );
        client
            .post(app.url(&format!("/cases/{case}/documents")))
            .header(COOKIE, cookie.clone())
            .header("sec-fetch-site", "same-origin")
            .multipart(form)
    };
    // without the form's token nothing is stored
    let refused = send("forged".into(), b"%PDF-1.7\n%%EOF\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // a file that is no PDF is refused on the page, in its words
    let page = employer
        .finish(
            send(token.clone(), b"MZ\x90\x00".to_vec())
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 415);
    let page = employer
        .finish(
            send(token.clone(), b"%PDF-1.7\nplan\n%%EOF\n".to_vec())
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = employer.get(page.location()).await;
    assert!(page.body.contains("교육계획.pdf"));
    // the officer sees it next to the evidence and returns it with a reason
    let mut desk = Visitor::signed_in(&app, &officer);
    let page = desk.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("교육계획.pdf"));
    let listed: serde_json::Value = app
        .get(
            &format!("/api/v1/cases/{case}/documents"),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let token = page.csrf();
    let page = desk
        .post(
            &format!("/documents/{id}/review"),
            &[
                ("csrf", token.as_str()),
                ("case", case.as_str()),
                ("decision", "rejected"),
                ("note", "No dates for the U.S. trainees"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = employer.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("No dates for the U.S. trainees"));
}

#[tokio::test]
async fn a_batch_larger_than_a_small_form_files_from_its_preview() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    let token = employer
        .get(&format!("/employer/projects/{project}/file"))
        .await
        .csrf();
    let workers: Vec<_> = (1..=120).map(worker).collect();
    let preview = employer
        .upload_batch(
            &project,
            &token,
            csv_of(&workers).into_bytes(),
            "workers.csv",
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let table = preview.hidden_text("table");
    assert!(
        table.len() > 16 * 1024,
        "the batch comes back larger than a small form: {} bytes",
        table.len()
    );
    // other pages still refuse a large form unread
    let large = "x".repeat(20 * 1024);
    for path in [
        format!("/employer/projects/{project}/file"),
        "/login".to_owned(),
        format!("/employer/projects/{project}/csv/file/more"),
    ] {
        let refused = employer
            .post(&path, &[("csrf", token.as_str()), ("note", large.as_str())])
            .await;
        assert_eq!(refused.status, 413, "{path}: {}", refused.body);
    }
    let filed = employer.file_previewed(&project, &token, &preview).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let counts: serde_json::Value = app
        .get("/api/v1/cases/counts", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["filed"], 120, "{counts}");
}

#[tokio::test]
async fn an_excel_csv_in_cp949_keeps_its_korean_names_from_preview_to_filing() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    let token = employer
        .get(&format!("/employer/projects/{project}/file"))
        .await
        .csrf();
    let mut w = worker(1);
    w["name_ko"] = "최윤서".into();
    let csv = csv_of(&[w]);
    let (cp949, _, _) = encoding_rs::EUC_KR.encode(&csv);
    let preview = employer
        .upload_batch(&project, &token, cp949.into_owned(), "근로자.csv")
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("최윤서"),
        "the Hangul name reads right"
    );
    assert!(!preview.body.contains('\u{fffd}'));
    let filed = employer.file_previewed(&project, &token, &preview).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let cases: serde_json::Value = app
        .get("/api/v1/cases", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    let id = cases["items"][0]["id"].as_str().unwrap();
    let case: serde_json::Value = app
        .get(&format!("/api/v1/cases/{id}"), Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["worker"]["name_ko"], "최윤서");
}

#[tokio::test]
async fn the_officer_decides_seeing_each_routes_state_and_the_facts_in_korean() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko");
    let page = desk.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200);
    let summary = &page.body[page.body.find("id=\"route-summary\"").expect("summary")..];
    let summary = &summary[..summary.find("</section>").unwrap()];
    for route in ["B1-CIW", "ESTA-CIW", "E2-ESS", "L1B", "E4-PWK"] {
        assert!(
            summary.contains(&format!("summary-{route}")),
            "{route}: {summary}"
        );
    }
    // a route that needs review says which judgement it waits on
    let b1 = &summary[summary.find("summary-B1-CIW").unwrap()..];
    let b1 = &b1[..b1.find("</li>").unwrap()];
    assert!(!b1.contains("검토 필요</span> — 모든 요건 충족"), "{b1}");
    let facts = &page.body[page.body.find("id=\"facts\"").expect("facts")..];
    let facts = &facts[..facts.find("</section>").unwrap()];
    for shown in [
        "판단 근거가 되는 사실",
        "장비 설치",
        "미국 근로자 교육",
        "직업 교육",
        "설치 기사",
        "한국(해외)에서 지급",
        "미국 체류 일수(예정)",
        "90",
        "년",
    ] {
        assert!(facts.contains(shown), "{shown} in {facts}");
    }
    for code in ["train_us_workers", "vocational", "installer", "foreign"] {
        assert!(!facts.contains(code), "the code {code} shows: {facts}");
    }
}

/// Posts the case page's amend form for one fact, as the officer's browser does.
async fn amend_on_page(
    visitor: &mut Visitor<'_>,
    page: &Page,
    case: &str,
    fact: &str,
    value: &str,
    reason: &str,
) -> Page {
    visitor
        .post(
            &format!("/cases/{case}/act"),
            &[
                ("csrf", &page.csrf()),
                ("version", &page.hidden("version")),
                ("action", "amend_facts"),
                ("fact", fact),
                ("value", value),
                ("reason", reason),
            ],
        )
        .await
}

#[tokio::test]
async fn the_notes_an_action_leaves_read_in_the_readers_language_and_name_facts_in_words() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    app.act_ok(
        &officer,
        &case,
        serde_json::json!({"action": "start_review"}),
    )
    .await;

    // the amend form names each fact in the reader's language, grouped as the facts are
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko");
    let page = desk.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200);
    let form = &page.body[page.body.find("id=\"amend-fact\"").expect("amend form")..];
    let form = &form[..form.find("</select>").unwrap()];
    for shown in [
        "<optgroup label=\"스폰서 회사\">",
        "<option value=\"applicant.other_nationalities\">다른 국적</option>",
        "<option value=\"employer.treaty_investor\">조약 투자자 (E-2)</option>",
    ] {
        assert!(form.contains(shown), "{shown} in {form}");
    }
    assert!(
        !form.contains("\">applicant."),
        "a raw path is shown: {form}"
    );
    // the worker's panel names its facts as a reader does, not with a form's example
    assert!(
        page.body.contains("<dt>국적</dt>"),
        "the nationality's label"
    );
    // the facts section shows the company's facts the rules read, in words
    let facts = &page.body[page.body.find("id=\"facts\"").expect("facts")..];
    let facts = &facts[..facts.find("</section>").unwrap()];
    for shown in [
        "스폰서 회사",
        "한국인 지분율",
        "미국 회사와의 관계",
        "판매 계약상 판매자의 설치·서비스 의무",
    ] {
        assert!(facts.contains(shown), "{shown} in {facts}");
    }

    // the officer amends a fact from the page, then books an interview
    let amended = amend_on_page(
        &mut desk,
        &page,
        &case,
        "applicant.other_nationalities",
        "JP",
        "Second passport shown at the window",
    )
    .await;
    assert_eq!(amended.status, 303, "{}", amended.body);
    // a yes-or-no fact takes 예 and 아니오, and a wrong word is named in Korean
    let page = desk.get(&format!("/cases/{case}")).await;
    let refused = amend_on_page(
        &mut desk,
        &page,
        &case,
        "employer.treaty_investor",
        "아마도",
        "Registration checked",
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("예 또는 아니오로 입력해 주세요."),
        "{}",
        refused.body
    );
    let yes = amend_on_page(
        &mut desk,
        &page,
        &case,
        "employer.treaty_investor",
        "아니오",
        "Registration lapsed",
    )
    .await;
    assert_eq!(yes.status, 303, "{}", yes.body);
    let (amended_case, _) = app.case(&officer, &case).await;
    assert_eq!(amended_case["facts"]["employer"]["treaty_investor"], false);
    assert_eq!(
        amended_case["facts"]["applicant"]["other_nationalities"],
        serde_json::json!(["JP"])
    );
    let slot = app.slot(&supervisor, 2).await;
    app.act_ok(
        &officer,
        &case,
        serde_json::json!({"action": "schedule_interview", "slot_id": slot}),
    )
    .await;

    // the Korean employer reads both notes in Korean, the English one in English
    let notes_of = |page: &Page| {
        let notes = &page.body[page.body.find("id=\"notes\"").expect("notes")..];
        notes[..notes.find("</ul>").unwrap()].to_owned()
    };
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    employer.accept_language = Some("ko");
    let korean = notes_of(&employer.get(&format!("/cases/{case}")).await);
    for shown in [
        "신청 정보 수정 (다른 국적): Second passport shown at the window",
        "인터뷰 일정 확정: ",
        " KST, 장소: U.S. Embassy Seoul, consular section",
    ] {
        assert!(korean.contains(shown), "{shown} in {korean}");
    }
    assert!(
        korean.contains("년 ") && korean.contains("일 ("),
        "{korean}"
    );
    assert!(
        !korean.contains("Interview scheduled") && !korean.contains("Facts amended"),
        "{korean}"
    );
    employer.accept_language = Some("en");
    let english = notes_of(&employer.get(&format!("/cases/{case}")).await);
    assert!(
        english.contains("Facts amended (Other nationalities): Second passport"),
        "{english}"
    );
    assert!(english.contains("Interview scheduled for "), "{english}");
    assert!(!english.contains("인터뷰"), "{english}");

    // the API gives both texts; a note a person types has one
    app.post_json(
        &format!("/api/v1/cases/{case}/notes"),
        Some(&sponsor.employer.token),
        &serde_json::json!({"body": "Thank you", "visibility": "shared"}),
    )
    .await;
    let notes: serde_json::Value = app
        .get(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let items = notes["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{notes}");
    assert!(items[1]["body"]
        .as_str()
        .unwrap()
        .starts_with("Facts amended (Treaty investor (E-2))"));
    assert!(items[2]["body"]
        .as_str()
        .unwrap()
        .starts_with("Interview scheduled for "));
    assert!(items[2]["body_ko"]
        .as_str()
        .unwrap()
        .starts_with("인터뷰 일정 확정: "));
    assert_eq!(items[3]["body"], "Thank you");
    assert!(items[3]["body_ko"].is_null());
}

#[tokio::test]
async fn an_officer_finds_cases_and_acts_on_several_at_once_from_the_queue() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 3).await;
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko");
    // the search box finds one worker by the receipt typed in lower case
    let receipt = filed["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_lowercase();
    let queue = desk.get(&format!("/desk?q={receipt}")).await;
    assert_eq!(queue.status, 200);
    assert_eq!(
        queue.body.matches("name=\"case\"").count(),
        1,
        "{}",
        queue.body
    );
    assert!(
        queue.body.contains(&format!("value=\"{receipt}\"")),
        "the search is kept"
    );
    // previous/next follow the queue the officer came from (here: only "filed" cases)
    let queue = desk.get("/desk?status=filed").await;
    let first = {
        let start = queue.body.find("/cases/").unwrap();
        queue.body[start..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
    };
    assert!(first.contains("?queue=status%3Dfiled"), "{first}");
    let case_page = desk.get(&first).await;
    assert!(case_page.body.contains("id=\"queue-nav\""));
    assert!(
        !case_page.body.contains("id=\"case-prev\""),
        "the first has no previous"
    );
    let next = {
        let start = case_page
            .body
            .find("id=\"case-next\"")
            .map(|_| case_page.body.find("rel=\"next\"").unwrap())
            .unwrap();
        let before = &case_page.body[..start];
        let href = before.rfind("href=\"").unwrap() + 6;
        case_page.body[href..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
    };
    let second = desk.get(&next).await;
    assert!(second.body.contains("id=\"case-prev\"") && second.body.contains("id=\"case-next\""));
    let queue = desk.get("/desk").await;
    let token = queue.csrf();
    let selected: Vec<String> = filed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|c| format!("{}:1", c["id"].as_str().unwrap()))
        .collect();
    let page = desk
        .post(
            "/desk/bulk",
            &[
                ("csrf", token.as_str()),
                ("case", selected[0].as_str()),
                ("case", selected[1].as_str()),
                ("action", "assign_me"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("처리됨: <strong>2</strong>"),
        "{}",
        page.body
    );
    // the versions moved on: the same selection again fails per case, politely
    let page = desk
        .post(
            "/desk/bulk",
            &[
                ("csrf", token.as_str()),
                ("case", selected[0].as_str()),
                ("action", "start_review"),
            ],
        )
        .await;
    assert!(
        page.body.contains("처리 안 됨: <strong>1</strong>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_administrator_creates_disables_and_enables_desk_accounts_on_its_page() {
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None).await;
    let officer = app.user(Role::Officer, None).await;
    let mut visitor = Visitor::signed_in(&app, &admin);
    visitor.accept_language = Some("ko");
    let page = visitor.get("/admin/users").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("사용자 계정") && page.body.contains(&officer.email));
    let token = page.csrf();
    // a weak password is refused, naming the field, and never sent back
    let refused = visitor
        .post(
            "/admin/users",
            &[
                ("csrf", token.as_str()),
                ("email", "new.officer@embassy.example"),
                ("role", "officer"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("id=\"admin-errors\"") && !refused.body.contains("value=\"short\"")
    );
    let created = visitor
        .post(
            "/admin/users",
            &[
                ("csrf", token.as_str()),
                ("email", "new.officer@embassy.example"),
                ("role", "officer"),
                ("display_name", "김담당"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert!(!app
        .login("new.officer@embassy.example", PASSWORD)
        .await
        .is_empty());
    // disabling ends the officer's sessions; enabling lets it sign in again
    let page = visitor.get("/admin/users").await;
    assert!(page.body.contains(&format!("disable-{}", officer.id)));
    let done = visitor
        .post(
            &format!("/admin/users/{}/disabled", officer.id),
            &[("csrf", token.as_str()), ("disabled", "true")],
        )
        .await;
    assert_eq!(done.status, 303);
    let me = app.get("/api/v1/me", Some(&officer.token)).await;
    assert_eq!(me.status(), 401, "its sessions ended");
    visitor
        .post(
            &format!("/admin/users/{}/disabled", officer.id),
            &[("csrf", token.as_str()), ("disabled", "false")],
        )
        .await;
    assert!(visitor
        .get("/admin/users")
        .await
        .body
        .contains(&format!("disable-{}", officer.id)));
    // only administrators
    let mut desk = Visitor::signed_in(&app, &app.user(Role::Supervisor, None).await);
    assert_eq!(desk.get("/admin/users").await.status, 403);
}

#[tokio::test]
async fn an_officer_reads_a_pdf_page_by_page_on_its_viewer_page_in_korean() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .text("kind", "sales_contract")
        .part(
            "file",
            reqwest::multipart::Part::bytes(std::fs::read("tests/fixtures/two-pages.pdf").unwrap())
                .file_name("계약서.pdf"),
        );
    let doc: serde_json::Value = app
        .client
        .post(app.url(&format!("/api/v1/cases/{case}/documents")))
        .bearer_auth(&sponsor.employer.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = doc["id"].as_str().unwrap();
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko");
    let case_page = desk.get(&format!("/cases/{case}")).await;
    assert!(case_page
        .body
        .contains(&format!("href=\"/documents/{id}/view\"")));
    let viewer = desk.get(&format!("/documents/{id}/view?page=2")).await;
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    assert!(viewer.body.contains("2 / 2 쪽"), "{}", viewer.body);
    assert!(viewer
        .body
        .contains(&format!("src=\"/api/v1/documents/{id}/pages/2\"")));
    assert!(viewer.body.contains("id=\"viewer-prev\""));
    assert!(!viewer.body.contains("id=\"viewer-next\""));
    assert!(viewer.body.contains("원본 내려받기"));
    // past the last page: the last page
    let viewer = desk.get(&format!("/documents/{id}/view?page=9")).await;
    assert!(viewer.body.contains("2 / 2 쪽"));
    // another sponsor's employer: not found
    let mut stranger = Visitor::signed_in(&app, &other.employer);
    let refused = stranger.get(&format!("/documents/{id}/view")).await;
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn a_prime_accepts_its_subcontractor_on_its_dashboard() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (prime, _) = app.ready_sponsor(&officer, None).await;
    let sub = app.register_sponsor_unlinked(Some(&prime.id)).await;
    let mut visitor = Visitor::signed_in(&app, &prime.employer);
    let page = visitor.get("/employer").await;
    assert!(page.body.contains("id=\"subcontractor-requests\""));
    assert!(page.body.contains(&format!("accept-{}", sub.id)));
    let token = page.csrf();
    let page = visitor
        .post(
            &format!("/employer/subcontractor-requests/{}", sub.id),
            &[("csrf", token.as_str()), ("decision", "accept")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = visitor.get("/employer").await;
    assert!(!page.body.contains("id=\"subcontractor-requests\""));
    let linked: serde_json::Value = app
        .get(
            &format!("/api/v1/sponsors/{}", sub.id),
            Some(&prime.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(linked["prime_sponsor_id"], prime.id);
}

#[tokio::test]
async fn the_desk_books_a_filing_from_its_interview_calendar_in_seoul_time() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 3).await;
    let filing_id = filed["id"].as_str().unwrap().to_owned();
    let cases: Vec<String> = filed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &cases {
        app.act_ok(&officer, id, serde_json::json!({"action": "start_review"}))
            .await;
    }
    let day = crate::helpers::next_working_day(kitdesk::domain::time::desk_today()).to_string();

    // a supervisor opens a window by form; a Saturday is refused in words
    let mut as_supervisor = Visitor::signed_in(&app, &supervisor);
    let calendar = as_supervisor
        .get(&format!("/desk/interviews?from={day}"))
        .await;
    assert_eq!(calendar.status, 200);
    assert!(calendar.body.contains("KST"));
    let csrf = calendar.csrf();
    let mut saturday = kitdesk::domain::time::desk_today();
    while chrono::Datelike::weekday(&saturday) != chrono::Weekday::Sat {
        saturday += chrono::Duration::days(1);
    }
    let refused = as_supervisor
        .post(
            "/desk/interviews/windows",
            &[
                ("csrf", &csrf),
                ("date", &saturday.to_string()),
                ("start", "09:00"),
                ("end", "09:30"),
                ("slot_minutes", "15"),
                ("capacity", "2"),
                ("location", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 200);
    assert!(
        refused.body.contains("id=\"interviews-error\"") && refused.body.contains("weekend"),
        "{}",
        refused.body
    );
    let opened = as_supervisor
        .post(
            "/desk/interviews/windows",
            &[
                ("csrf", &csrf),
                ("date", &day),
                ("start", "09:00"),
                ("end", "09:30"),
                ("slot_minutes", "15"),
                ("capacity", "2"),
                ("location", "Consular section, window 3"),
            ],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(opened.location(), format!("/desk/interviews?from={day}"));

    // an officer books the whole filing from the calendar
    let mut as_officer = Visitor::signed_in(&app, &officer);
    let calendar = as_officer
        .get(&format!("/desk/interviews?from={day}"))
        .await;
    assert!(calendar.body.contains("09:00–09:15 KST") && calendar.body.contains("0 / 2"));
    assert!(calendar.body.contains("id=\"batch-form\""));
    assert!(
        !calendar.body.contains("id=\"window-form\""),
        "opening windows is for supervisors"
    );
    let report = as_officer
        .post(
            "/desk/interviews/batch",
            &[
                ("csrf", &calendar.csrf()),
                ("filing_id", &filing_id),
                ("from", &day),
                ("back_from", &day),
            ],
        )
        .await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("id=\"batch-report\""));
    assert!(report.body.contains(": 3 / 3"), "{}", report.body);
    let booked_at = day
        .parse::<chrono::NaiveDate>()
        .unwrap()
        .and_hms_opt(9, 15, 0)
        .unwrap();
    assert!(report.body.contains(&format!(
        "{} KST",
        kitdesk::domain::time::appointment_en(&booked_at)
    )));
    let calendar = as_officer
        .get(&format!("/desk/interviews?from={day}"))
        .await;
    assert!(calendar.body.contains("2 / 2") && calendar.body.contains("1 / 2"));
    assert!(calendar
        .body
        .contains(filed["cases"][0]["receipt_number"].as_str().unwrap()));

    // the employer sees the times in Seoul time and may ask for another
    let mut as_employer = Visitor::signed_in(&app, &sponsor.employer);
    let dashboard = as_employer.get("/employer").await;
    assert!(
        dashboard.body.contains(&format!(
            "{} KST",
            kitdesk::domain::time::appointment_en(
                &day.parse::<chrono::NaiveDate>()
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap()
            )
        )),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("#form-request_reschedule"));
    let case = as_employer.get(&format!("/cases/{}", cases[0])).await;
    assert!(case.body.contains("id=\"form-request_reschedule\""));
    assert!(case.body.contains(" KST"));
    assert_eq!(as_employer.get("/desk/interviews").await.status, 403);
    // the supervisor's reports show the week's use of the slots
    let reports = as_supervisor.get("/supervisor/reports").await;
    assert_eq!(reports.status, 200);
    assert!(reports.body.contains("id=\"interview-report\""));
    assert!(
        reports.body.contains("<td>3</td><td>4</td><td>75%</td>"),
        "{}",
        reports.body
    );
    // cases filed and decided per week: an SVG chart drawn by the server, and its table
    assert!(reports.body.contains("<svg") && reports.body.contains("role=\"img\""));
    assert!(reports.body.contains("id=\"weekly-chart-title\""));
    if let Ok(dir) = std::env::var("KITDESK_SHOTS") {
        let start = reports.body.find("<svg").unwrap();
        let end = reports.body.find("</svg>").unwrap() + 6;
        std::fs::write(
            std::path::Path::new(&dir).join("weekly-chart.svg"),
            &reports.body[start..end],
        )
        .unwrap();
    }
    let table = &reports.body[reports.body.find("id=\"weekly-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 13, "a header and 12 weeks");
    let this_week = table.rsplit("<tr>").next().unwrap();
    assert!(
        !this_week.contains("<td>0</td><td>"),
        "this week's filings are counted: {this_week}"
    );
}

/// Every vocabulary code a page could show raw: statuses, outcomes, rule kinds, document
/// kinds and the facts' vocabularies (codes with an underscore or that no Korean reader
/// would read; plain English words such as "other" are left to the reviewer's eye).
fn vocabulary_codes() -> Vec<String> {
    use kitdesk::domain::worker::{ACTIVITIES, EDUCATION, JOB_ROLES, PAY_SOURCES, SECTORS};
    let mut codes: Vec<String> = kitdesk::domain::CaseStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    codes.extend(
        [
            "needs_review",
            "not_available",
            "ineligible",
            "eligible",
            "unconfirmed",
            "not_applicable",
        ]
        .map(str::to_owned),
    );
    codes.extend(kitdesk::domain::document::DocumentKind::ALL.map(|k| k.as_str().to_owned()));
    for list in [ACTIVITIES, EDUCATION, JOB_ROLES, PAY_SOURCES, SECTORS] {
        codes.extend(list.iter().map(|c| c.to_string()));
    }
    codes.retain(|c| {
        c.contains('_') || ["installer", "vocational", "batteries", "foreign"].contains(&c.as_str())
    });
    codes.sort();
    codes.dedup();
    codes
}

/// The text a reader sees: tags, attributes, scripts and styles removed, and the codes a page
/// shows to be typed (`<code>`, `<pre>`: file names, column names) left out.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tail = &rest[open..];
        let skip_to = if tail.starts_with("<script") {
            tail.find("</script>").map(|i| i + 9)
        } else if tail.starts_with("<style") {
            tail.find("</style>").map(|i| i + 8)
        } else if tail.starts_with("<code") {
            tail.find("</code>").map(|i| i + 7)
        } else if tail.starts_with("<pre") {
            tail.find("</pre>").map(|i| i + 6)
        } else {
            tail.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => rest = &tail[n..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn korean_pages_show_no_raw_vocabulary_codes() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let admin = app.user(Role::Admin, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 3).await;
    let id = |i: usize| filed["cases"][i]["id"].as_str().unwrap().to_owned();
    // cases in several states
    app.act_ok(
        &officer,
        &id(1),
        serde_json::json!({"action": "start_review"}),
    )
    .await;
    app.act_ok(
        &officer,
        &id(2),
        serde_json::json!({"action": "start_review"}),
    )
    .await;
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
    app.act_ok(&officer, &id(2), serde_json::json!({"action": "request_evidence", "reason": "계약서", "due_date": due, "documents": ["sales_contract"]})).await;
    let codes = vocabulary_codes();
    let mut problems = Vec::new();
    let pages: Vec<(&TestUser, String)> = vec![
        (&sponsor.employer, "/employer".into()),
        (
            &sponsor.employer,
            format!("/employer/projects/{project}/file"),
        ),
        (&sponsor.employer, format!("/cases/{}", id(0))),
        (&sponsor.employer, format!("/cases/{}", id(2))),
        (&officer, "/desk".into()),
        (&officer, "/desk/sponsors".into()),
        (&officer, format!("/cases/{}", id(0))),
        (&officer, format!("/cases/{}", id(1))),
        (&officer, format!("/cases/{}", id(2))),
        (&officer, "/desk/interviews".into()),
        (&supervisor, "/supervisor/reports".into()),
        (&supervisor, "/supervisor/rules".into()),
        (&supervisor, "/supervisor/cap".into()),
        (&admin, "/admin/users".into()),
    ];
    for (user, path) in pages {
        let mut visitor = Visitor::signed_in(&app, user);
        visitor.accept_language = Some("ko");
        let page = visitor.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let text = visible_text(&page.body);
        for code in &codes {
            let shown = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|word| word == code);
            if shown {
                problems.push(format!("{path}: {code}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "raw codes on Korean pages:\n{}",
        problems.join("\n")
    );
    // the history says who acted in words and when in Seoul time, dates in Korean style
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko");
    let page = desk.get(&format!("/cases/{}", id(2))).await;
    let history = &page.body[page.body.find("id=\"h-history\"").unwrap()..];
    assert!(history.contains(" KST · 담당관"), "{history}");
    let filed_on = crate::helpers::seoul_today()
        .format("%Y년 %-m월 %-d일")
        .to_string();
    assert!(
        page.body.contains(&filed_on),
        "the filing date in Korean style"
    );
}

/// The text of the page's error messages: the alert boxes and the messages under fields.
fn error_texts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [
        ("class=\"errors\"", "</div>"),
        ("class=\"field-error\"", "</p>"),
        ("class=\"bad\"", "</ul>"),
    ] {
        let mut rest = html;
        while let Some(i) = rest.find(open) {
            let tail = &rest[i..];
            let end = tail.find(close).unwrap_or(tail.len());
            out.push(visible_text(
                &tail[tail.find('>').map_or(0, |g| g + 1)..end],
            ));
            rest = &tail[end..];
        }
    }
    out
}

/// Three English words in a row (letters only, two or more each): a sentence left untranslated.
fn english_run(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ",.;:()[]\"'".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(3).find_map(|w| {
        w.iter()
            .all(|x| x.len() >= 2 && x.chars().all(|c| c.is_ascii_alphabetic()))
            .then(|| w.join(" "))
    })
}

#[tokio::test]
async fn korean_form_errors_read_in_korean() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let admin = app.user(Role::Admin, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filed = app.file(&sponsor.employer, &project, 1).await;
    let case_id = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    app.act_ok(
        &officer,
        &case_id,
        serde_json::json!({"action": "start_review"}),
    )
    .await;

    let mut pages = Vec::new();
    // registration with every field wrong
    let mut visitor = Visitor::new(&app);
    visitor.accept_language = Some("ko");
    let token = visitor.get("/register").await.csrf();
    let page = visitor
        .post(
            "/register",
            &[
                ("csrf", &token),
                ("legal_name", "Hanbit"),
                ("business_registration_no", "12"),
                ("korean_ownership_pct", "150"),
                ("qualifying_relationship", "subsidiary"),
                ("contact_name", "Park"),
                ("email", "not-an-address"),
                ("password", "short"),
            ],
        )
        .await;
    pages.push(("/register", page));
    // the filing form with a worker's fields wrong
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    employer.accept_language = Some("ko");
    let path = format!("/employer/projects/{project}/file");
    let token = employer.get(&path).await.csrf();
    let page = employer
        .post(
            &path,
            &[
                ("csrf", &token),
                ("w0.given_name", "Jiwoo"),
                ("w0.family_name", "Park"),
                ("w0.email", "jiwoo@"),
                ("w0.date_of_birth", "1988-02-30"),
                ("w0.passport_expiry", "2001-01-01"),
                ("w0.planned_stay_days", "many"),
            ],
        )
        .await;
    pages.push(("/employer/projects/…/file", page));
    // an evidence request without its reason
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko");
    let case_page = desk.get(&format!("/cases/{case_id}")).await;
    let version = case_page.hidden("version");
    let page = desk
        .post(
            &format!("/cases/{case_id}/act"),
            &[
                ("csrf", &case_page.csrf()),
                ("version", &version),
                ("action", "request_evidence"),
                ("reason", " "),
            ],
        )
        .await;
    pages.push(("/cases/…/act", page));
    // an account with a bad e-mail address
    let mut admin_visitor = Visitor::signed_in(&app, &admin);
    admin_visitor.accept_language = Some("ko");
    let token = admin_visitor.get("/admin/users").await.csrf();
    let page = admin_visitor
        .post(
            "/admin/users",
            &[
                ("csrf", &token),
                ("email", "nobody"),
                ("role", "officer"),
                ("password", "short"),
            ],
        )
        .await;
    pages.push(("/admin/users", page));

    let mut problems = Vec::new();
    for (path, page) in &pages {
        assert!(
            page.status == 422 || page.status == 409,
            "{path}: {}",
            page.status
        );
        let texts = error_texts(&page.body);
        assert!(!texts.is_empty(), "{path}: no error shown");
        for text in texts {
            assert!(
                text.chars().any(|c| ('가'..='힣').contains(&c)),
                "{path}: {text}"
            );
            if let Some(run) = english_run(&text) {
                problems.push(format!("{path}: \"{run}\" in {text}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "English on Korean pages:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn trips_presence_and_overstay_findings_work_from_the_case_page() {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let filing = app.file(&sponsor.employer, &project, 1).await;
    let case = filing["cases"][0]["id"].as_str().unwrap().to_owned();
    let receipt = filing["cases"][0]["receipt_number"].as_str().unwrap();
    let day =
        |n: i64| (kitdesk::domain::time::desk_today() - chrono::Duration::days(n)).to_string();
    let mut employer = Visitor::signed_in(&app, &sponsor.employer);
    employer.accept_language = Some("ko-KR,ko;q=0.9");
    let page = employer.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("id=\"after-visa\""));
    assert!(page.body.contains("id=\"no-trips\""));
    assert!(page.body.contains("id=\"trip-form\""));
    let token = page.csrf();
    let path = format!("/cases/{case}/trips");

    // an exit before the entry is refused in Korean, and nothing is recorded
    let (entry, early) = (day(120), day(130));
    let page = employer
        .post(
            &path,
            &[
                ("csrf", token.as_str()),
                ("admission_class", "WB"),
                ("entry_date", entry.as_str()),
                ("exit_date", early.as_str()),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("입국일과 같거나 그 뒤여야 합니다"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"no-trips\""));

    // an ESTA stay of 101 days: recorded, counted and drawn
    let exit = day(20);
    let page = employer
        .post(
            &path,
            &[
                ("csrf", token.as_str()),
                ("admission_class", "WB"),
                ("entry_date", entry.as_str()),
                ("exit_date", exit.as_str()),
                ("port", "ATL"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = employer.get(page.location()).await;
    assert!(page.body.contains("방문이 기록되었습니다"));
    assert!(page.body.contains("최근 365일 중 미국 체류 101일"));
    assert!(page.body.contains("id=\"presence-chart\""));
    assert!(page.body.contains("90일(ESTA)") && page.body.contains(">180일</text>"));
    // the alert is the desk's alone
    assert!(!page.body.contains("overstay-alerts"));
    assert!(!page.body.contains("체류 기한 초과"));

    // an I-94 history imported from the page adds an open trip; its exit is recorded there
    let csv = format!("date,class,port,type\n{},B1,SEA,Arrival\n", day(5));
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("i94.csv"),
        );
    let response = employer
        .client
        .post(app.url(&format!("/cases/{case}/trips/import")))
        .header(COOKIE, employer.cookie_header())
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = employer.finish(response).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = employer.get(page.location()).await;
    assert!(page.body.contains("현재 미국 체류 중"));
    let trips: serde_json::Value = app
        .get(
            &format!("/api/v1/cases/{case}/trips"),
            Some(&sponsor.employer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let open = trips["items"][1]["id"].as_str().unwrap().to_owned();
    assert!(page.body.contains(&format!("id=\"do-exit-{open}\"")));
    let left = day(1);
    let page = employer
        .post(
            &format!("/cases/{case}/trips/{open}/exit"),
            &[("csrf", token.as_str()), ("exit_date", left.as_str())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = employer.get(page.location()).await;
    assert!(page.body.contains("출국일이 기록되었습니다"));
    assert!(page.body.contains("최근 365일 중 미국 체류 106일"));

    // the desk: the queue flags the case, the case page asks for a finding
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko-KR,ko;q=0.9");
    let queue = desk.get("/desk?overstay=1").await;
    assert!(queue.body.contains(receipt));
    assert!(queue.body.contains("체류 기한 초과"));
    let page = desk.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("id=\"overstay-flag\""));
    let list: serde_json::Value = app
        .get(
            &format!("/api/v1/cases/{case}/overstay-alerts"),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let alert = list["items"][0]["id"].as_str().unwrap().to_owned();
    assert!(page.body.contains(&format!("id=\"finding-{alert}\"")));
    let token = page.csrf();
    // without a reason: refused in Korean
    let page = desk
        .post(
            &format!("/overstay-alerts/{alert}/finding"),
            &[
                ("csrf", token.as_str()),
                ("case", case.as_str()),
                ("finding", "no_violation"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("사유를 입력해 주세요"));
    let page = desk
        .post(
            &format!("/overstay-alerts/{alert}/finding"),
            &[
                ("csrf", token.as_str()),
                ("case", case.as_str()),
                ("finding", "no_violation"),
                ("reason", "출국 기록 확인: 캐나다 측면 여행 후 재입국"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = desk.get(page.location()).await;
    assert!(page.body.contains("판단이 기록되었습니다"));
    assert!(page.body.contains("위반 아님"));
    assert!(!page.body.contains("id=\"overstay-flag\""));
    let queue = desk.get("/desk?overstay=1").await;
    assert!(!queue.body.contains(receipt));
}

#[tokio::test]
async fn the_desk_sees_the_workers_training_on_every_case_on_the_timeline_and_a_sponsor_only_its_own(
) {
    let app = spawn_app().await;
    let officer = app.user(Role::Officer, None).await;
    let (first, first_project) = app.ready_sponsor(&officer, None).await;
    let (second, second_project) = app.ready_sponsor(&officer, None).await;
    // one worker (one passport) filed by two unrelated sponsors
    let mut ids = Vec::new();
    let same = worker(3);
    for (sponsor, project) in [(&first, &first_project), (&second, &second_project)] {
        let mut w = same.clone();
        w["email"] = format!("{}@example.kr", uuid::Uuid::new_v4().simple()).into();
        let response = app
            .post_json(
                "/api/v1/filings",
                Some(&sponsor.employer.token),
                &serde_json::json!({"project_id": project, "workers": [w]}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let filed: serde_json::Value = response.json().await.unwrap();
        ids.push(filed["cases"][0]["id"].as_str().unwrap().to_owned());
    }
    app.approve(&officer, &ids[0]).await;
    let today = kitdesk::domain::time::desk_today().to_string();
    let response = app
        .post_json(
            &format!("/api/v1/cases/{}/training-sessions", ids[0]),
            Some(&first.employer.token),
            &serde_json::json!({"date": today, "hours": 4, "us_workers_trained": 3, "skill": "Coating line"}),
        )
        .await;
    assert_eq!(response.status(), 201);

    // the desk, on the second sponsor's case: the worker's training on the first one
    let mut desk = Visitor::signed_in(&app, &officer);
    desk.accept_language = Some("ko-KR,ko;q=0.9");
    let page = desk.get(&format!("/cases/{}", ids[1])).await;
    assert!(page.body.contains("id=\"worker-cases\""));
    assert!(
        page.body.contains("교육 1회, 4시간, 교육 인원 연 3명"),
        "{}",
        page.body
    );
    assert!(page.body.contains("height=\"9\" fill=\"#2e7d32\""));
    // the second sponsor: no other case, no other sponsor's training
    let mut employer = Visitor::signed_in(&app, &second.employer);
    let page = employer.get(&format!("/cases/{}", ids[1])).await;
    assert!(page.body.contains("id=\"presence-chart\""));
    assert!(!page.body.contains("worker-cases"));
    assert!(!page.body.contains("height=\"9\" fill=\"#2e7d32\""));
    assert!(!page.body.contains(&ids[0]));
    // the first sponsor sees its own session on its own case's timeline
    let mut own = Visitor::signed_in(&app, &first.employer);
    let page = own.get(&format!("/cases/{}", ids[0])).await;
    assert!(page.body.contains("height=\"9\" fill=\"#2e7d32\""));
}
