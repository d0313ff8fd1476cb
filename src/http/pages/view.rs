//! View helpers shared by the pages: how a state looks (its badge), numbers as shown, and
//! text for URLs. Charts live in `charts`, dates and words in `catalog::Lang`, form errors in
//! `form_errors` and `Page::error_text`.

/// The badge class of a status or an outcome: `ok`, `bad` or `warn` (the badge also says the
/// word, so colour is never the only sign).
pub fn outcome_badge(outcome: &str) -> &'static str {
    match outcome {
        "eligible" | "passed" | "confirmed" | "approved" | "esta_advised" | "visa_issued"
        | "verified" => "ok",
        "ineligible" | "failed" | "error" | "refused" | "not_available" => "bad",
        _ => "warn",
    }
}

/// A share (0 to 1) as a percentage, or a dash.
pub fn percent(share: &Option<f64>, none: &str) -> String {
    share
        .map(|s| format!("{:.0}%", s * 100.0))
        .unwrap_or_else(|| none.to_owned())
}

/// Percent-encodes everything but unreserved characters and `/`.
/// Filters as a query string (`&from=…&to=…`), the empty ones left out, for links that keep
/// them.
pub fn filter_string(filters: &[(&str, &Option<String>)]) -> String {
    filters
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("&{k}={}", url_encode(v)))
        })
        .collect()
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
