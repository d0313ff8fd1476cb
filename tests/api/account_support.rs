// Shared by several test modules; not every module uses every helper.
#![allow(dead_code)]

//! Support for the account-flow tests (password reset, colleagues, second factor): the app
//! with a quick outbox, mails read back from the file sink, and a cookie-keeping browser.

use std::time::Duration;

use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{spawn_app_configured, TestApp};
use crate::smtp_sink::{parse, Mail};

/// The app with mail written as `.eml` files (the default) and an outbox that looks often.
pub async fn spawn_app_with_quick_mail() -> TestApp {
    spawn_app_configured(kitdesk::service::Settings::default(), |c| {
        c.outbox.poll_interval = Duration::from_millis(50);
    })
    .await
}

/// Every mail written to the file sink so far.
pub fn mails(app: &TestApp) -> Vec<Mail> {
    let dir = app.data_dir.join("mail");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|raw| parse(&raw))
        .collect()
}

/// Mails to `address` so far.
pub fn mails_to(app: &TestApp, address: &str) -> Vec<Mail> {
    mails(app)
        .into_iter()
        .filter(|m| m.header("To").is_some_and(|to| to.contains(address)))
        .collect()
}

/// Waits until `address` has `n` mails; returns them (oldest first by file name).
pub async fn wait_for_mails(app: &TestApp, address: &str, n: usize) -> Vec<Mail> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let found = mails_to(app, address);
        if found.len() >= n {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{address} got {} mails, expected {n}",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first link in `text` that starts with `prefix`, and its `token` parameter.
pub fn link_token(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect();
    link.split("token=")
        .nth(1)
        .expect("token parameter")
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

/// Korean comes first in both parts, then English.
pub fn assert_korean_then_english(mail: &Mail) {
    for body in [&mail.text, &mail.html] {
        let ko = body.find("KIT 데스크").expect("Korean part");
        let en = body.find("KIT Desk").expect("English part");
        assert!(ko < en, "Korean must come first in {:?}", mail.subject);
    }
}

/// A cookie-keeping browser that does not follow redirects.
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    pub accept_language: Option<&'static str>,
}

pub struct Shown {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Shown {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        self.hidden("csrf")
    }

    /// The value of the first hidden input `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect(name) + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            accept_language: None,
        }
    }

    pub fn signed_in(app: &'a TestApp, token: &str) -> Self {
        let mut b = Browser::new(app);
        b.cookies.push(("kitdesk_session".into(), token.to_owned()));
        b
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Shown {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        Shown {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Shown {
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

    /// A same-origin form post, as a browser sends it.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Shown {
        let mut req = self
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .header("sec-fetch-site", "same-origin")
            .form(form);
        if let Some(lang) = self.accept_language {
            req = req.header(ACCEPT_LANGUAGE, lang);
        }
        let response = req.send().await.unwrap();
        self.finish(response).await
    }
}
