//! The queue page (`GET /api/v1/cases`) written straight to bytes.
//!
//! The page is the desk's hottest answer: fifty cases of seventeen fields each. Written
//! through `serde_json`'s derived serializer, a quarter of the service's own time per page
//! went to escaping the 850 keys that never change and dispatching each field
//! (docs/benchmarks.md, P2). Here the keys are literals, a value is copied as it is when no
//! byte of it needs escaping (ids, receipts, dates, most names) and escaped by `serde_json`
//! otherwise, and an employer's page leaves out the desk-only fields as it is written. The
//! bytes are the same as the derived serializer's, which `CaseSummary` keeps for the
//! OpenAPI document and the tests below compare against.

use crate::domain::time;
use crate::service::cases::{CaseSummary, QueuePage};

/// A little more than one case of a queue page takes in JSON (a page of fifty: about 25 KB).
const PAGE_BYTES_PER_CASE: usize = 560;

/// `page` as JSON; `desk`: with the fields only the desk may read.
pub fn page(page: &QueuePage, desk: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + PAGE_BYTES_PER_CASE * page.items.len());
    out.extend_from_slice(b"{\"items\":[");
    for (i, case) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        summary(&mut out, case, desk);
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    opt_str(&mut out, page.next_cursor.as_deref());
    out.push(b'}');
    out
}

fn summary(out: &mut Vec<u8>, case: &CaseSummary, desk: bool) {
    out.extend_from_slice(b"{\"id\":");
    str(out, &case.id);
    out.extend_from_slice(b",\"receipt_number\":");
    str(out, &case.receipt_number);
    out.extend_from_slice(b",\"status\":");
    str(out, &case.status);
    out.extend_from_slice(b",\"version\":");
    out.extend_from_slice(itoa(case.version, &mut [0; 20]));
    out.extend_from_slice(b",\"sponsor_id\":");
    str(out, &case.sponsor_id);
    out.extend_from_slice(b",\"project_id\":");
    str(out, &case.project_id);
    out.extend_from_slice(b",\"assignee_id\":");
    opt_str(out, case.assignee_id.as_deref());
    out.extend_from_slice(b",\"given_name\":");
    str(out, &case.given_name);
    out.extend_from_slice(b",\"family_name\":");
    str(out, &case.family_name);
    out.extend_from_slice(b",\"passport_last4\":");
    str(out, &case.passport_last4);
    if desk {
        out.extend_from_slice(b",\"duplicate_passport\":");
        bool(out, case.duplicate_passport);
    }
    out.extend_from_slice(b",\"suggested_route\":");
    opt_str(out, case.suggested_route.as_deref());
    out.extend_from_slice(b",\"evidence_due\":");
    match &case.evidence_due {
        Some(day) => quoted(out, time::json::date_text(day, &mut [0; 10]).as_bytes()),
        None => null(out),
    }
    out.extend_from_slice(b",\"overdue\":");
    bool(out, case.overdue);
    if desk {
        out.extend_from_slice(b",\"overstay_alert\":");
        bool(out, case.overstay_alert);
    }
    out.extend_from_slice(b",\"interview_at\":");
    match &case.interview_at {
        Some(at) => quoted(out, time::json::instant_text(at, &mut [0; 30]).as_bytes()),
        None => null(out),
    }
    out.extend_from_slice(b",\"filing_date\":");
    quoted(
        out,
        time::json::date_text(&case.filing_date, &mut [0; 10]).as_bytes(),
    );
    out.extend_from_slice(b",\"created_at\":");
    quoted(
        out,
        time::json::instant_text(&case.created_at, &mut [0; 30]).as_bytes(),
    );
    out.push(b'}');
}

/// `value` as a JSON string: copied when no byte needs escaping (a control character, `"`
/// or `\`; JSON leaves the rest of UTF-8 as it is), else escaped as `serde_json` escapes.
fn str(out: &mut Vec<u8>, value: &str) {
    let plain = value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        quoted(out, value.as_bytes());
    } else {
        // A string written to a Vec cannot fail.
        let _ = serde_json::to_writer(out, value);
    }
}

fn opt_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => str(out, value),
        None => null(out),
    }
}

/// Bytes that need no escaping, between quotes.
fn quoted(out: &mut Vec<u8>, plain: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(plain);
    out.push(b'"');
}

fn bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"null");
}

/// `value` in decimal, in `buf`.
fn itoa(value: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut rest = value.unsigned_abs();
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::domain::Role;

    fn case(given_name: &str, version: i64) -> CaseSummary {
        CaseSummary {
            id: "0b7c5d0e-6a43-4d0b-9b57-4c8f0b3d2a11".into(),
            receipt_number: "KD-2026-000123".into(),
            status: "evidence_requested".into(),
            version,
            sponsor_id: "5f0a3c1e-0000-4000-8000-000000000001".into(),
            project_id: "5f0a3c1e-0000-4000-8000-000000000002".into(),
            assignee_id: None,
            given_name: given_name.into(),
            family_name: "김".into(),
            passport_last4: "1234".into(),
            duplicate_passport: true,
            suggested_route: Some("b1_commercial_worker".into()),
            evidence_due: Some(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()),
            overdue: true,
            overstay_alert: false,
            interview_at: Some(Utc.with_ymd_and_hms(2026, 12, 3, 0, 30, 0).unwrap()),
            filing_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            created_at: Utc
                .timestamp_opt(1_764_460_800, 123_456_000)
                .single()
                .unwrap(),
        }
    }

    fn pages() -> Vec<QueuePage> {
        let mut other = case("Min-jun", 0);
        other.assignee_id = Some("5f0a3c1e-0000-4000-8000-000000000003".into());
        other.suggested_route = None;
        other.evidence_due = None;
        other.interview_at = None;
        other.duplicate_passport = false;
        other.overstay_alert = true;
        vec![
            QueuePage {
                items: vec![],
                next_cursor: None,
            },
            QueuePage {
                items: vec![
                    case("Ji-\"woo\" \\ \u{1}\t\u{7f}", i64::MIN),
                    other,
                    case("서연", 42),
                    case("", -7),
                ],
                next_cursor: Some("c3RhcnQ".into()),
            },
        ]
    }

    #[test]
    fn the_desk_reads_what_the_derived_serializer_writes() {
        for page in pages() {
            assert_eq!(
                String::from_utf8(super::page(&page, true)).unwrap(),
                serde_json::to_string(&page).unwrap()
            );
        }
    }

    #[test]
    fn an_employer_reads_the_page_without_the_desk_only_fields() {
        for page in pages() {
            let written = super::page(&page, false);
            let expected = crate::http::for_role(Role::Employer, &page).unwrap();
            let parsed: serde_json::Value = serde_json::from_slice(&written).unwrap();
            assert_eq!(
                parsed,
                serde_json::from_slice::<serde_json::Value>(&expected).unwrap()
            );
            let text = String::from_utf8(written).unwrap();
            assert!(!text.contains("duplicate_passport") && !text.contains("overstay_alert"));
        }
    }
}
