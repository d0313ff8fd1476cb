//! Form protection for pages: a CSRF token bound to the session (or, before sign-in, to a
//! visitor cookie) and a refusal of cross-site posts by `Sec-Fetch-Site` and `Origin`.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::service::secrets::hmac_sha256;
use crate::service::Secrets;

/// HMAC-SHA256 of the binding (`session:<hash>` or `visitor:<id>`) under the signing key:
/// a token from one session is worthless in another, and none can be forged without the key.
pub fn csrf_token(secrets: &Secrets, binding: &str) -> String {
    hex::encode(hmac_sha256(
        &secrets.signing,
        format!("kitdesk/csrf/v1/{binding}").as_bytes(),
    ))
}

/// Constant-time comparison of the expected token and the one posted.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.trim().as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True when the browser says the post comes from another site. Browsers send
/// `Sec-Fetch-Site`; older ones at least `Origin`, which must name this host.
pub fn is_cross_site(req: &HttpRequest) -> bool {
    if let Some(site) = req.headers().get("sec-fetch-site") {
        return !matches!(site.to_str().unwrap_or(""), "same-origin" | "none");
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let host = req.connection_info().host().to_ascii_lowercase();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
        return origin_host.as_deref() != Some(host.as_str());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tokens_are_bound_to_their_session() {
        let secrets = Secrets::derive(b"a test master key that is long enough");
        let a = csrf_token(&secrets, "session:aaa");
        let b = csrf_token(&secrets, "session:bbb");
        assert_ne!(a, b);
        assert!(tokens_match(&a, &a));
        assert!(!tokens_match(&a, &b));
        assert!(!tokens_match(&a, ""));
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        let same = TestRequest::post()
            .insert_header(("sec-fetch-site", "same-origin"))
            .to_http_request();
        assert!(!is_cross_site(&same));
        let cross = TestRequest::post()
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(is_cross_site(&cross));
        let other_origin = TestRequest::post()
            .insert_header(("host", "desk.example"))
            .insert_header(("origin", "https://evil.example"))
            .to_http_request();
        assert!(is_cross_site(&other_origin));
        let own_origin = TestRequest::post()
            .insert_header(("host", "desk.example"))
            .insert_header(("origin", "https://desk.example"))
            .to_http_request();
        assert!(!is_cross_site(&own_origin));
    }
}
