//! The interview invitation as an iCalendar object (RFC 5545, with the iTIP methods of
//! RFC 5546): written by hand, because it is small and every line matters to calendar
//! programs. One UID per case, so that an update or a cancellation replaces the event the
//! applicant saved; SEQUENCE rises with every change; times carry `TZID=Asia/Seoul` with a
//! VTIMEZONE (Korea has kept +09:00 without daylight saving since 1988).
//!
//! The organizer is the desk's sender address, known to the mailer only: it is added when
//! the mail is built ([`with_organizer`]).

use chrono::{DateTime, Utc};

/// Whether the object asks to book the event or to take it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// An interview as its invitation states it.
#[derive(Debug, Clone)]
pub struct Invitation<'a> {
    pub case_id: &'a str,
    pub receipt: &'a str,
    pub method: Method,
    pub sequence: i32,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub location: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
    pub stamp: DateTime<Utc>,
}

/// The stable UID of a case's interview event.
pub fn uid(case_id: &str) -> String {
    format!("interview-{case_id}@kitdesk")
}

const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Seoul",
    "BEGIN:STANDARD",
    "DTSTART:19881009T030000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "TZNAME:KST",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// TEXT escaping (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out
}

fn seoul(at: DateTime<Utc>) -> String {
    crate::domain::time::desk_time(at)
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The invitation (or its cancellation), lines ended by CRLF.
pub fn render(inv: &Invitation<'_>) -> String {
    let summary = format!(
        "KIT 데스크 비자 인터뷰 / KIT Desk visa interview ({})",
        inv.receipt
    );
    let description = "준비물: 여권\\, KIT 데스크의 인터뷰 확인 메일(또는 접수번호)\\, 데스크가 요청한 서류. 15분 전까지 도착해 주십시오.\\n\
        Bring: your passport\\, the KIT desk's confirmation (or your receipt number)\\, and the documents the desk asked for. Arrive 15 minutes early.";
    let status = match inv.method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    };
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//U.S. Embassy Seoul KIT Desk//kitdesk//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{}", inv.method.as_str()),
    ];
    lines.extend(VTIMEZONE.iter().map(|l| (*l).to_owned()));
    lines.extend([
        "BEGIN:VEVENT".into(),
        format!("UID:{}", uid(inv.case_id)),
        format!("SEQUENCE:{}", inv.sequence),
        format!("DTSTAMP:{}", utc(inv.stamp)),
        format!("DTSTART;TZID=Asia/Seoul:{}", seoul(inv.starts)),
        format!("DTEND;TZID=Asia/Seoul:{}", seoul(inv.ends)),
        format!("SUMMARY:{}", escape(&summary)),
        format!("LOCATION:{}", escape(inv.location)),
        format!("DESCRIPTION:{description}"),
        format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT:mailto:{}",
            inv.attendee_name.replace('"', "'"),
            inv.attendee_email
        ),
        format!("STATUS:{status}"),
        "TRANSP:OPAQUE".into(),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ]);
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

/// Adds the ORGANIZER (the desk's sender) after the UID line: iTIP requires one on REQUEST
/// and CANCEL.
pub fn with_organizer(ics: &str, name: Option<&str>, email: &str) -> String {
    let organizer = fold(&format!(
        "ORGANIZER;CN=\"{}\":mailto:{email}",
        name.unwrap_or("KIT Desk").replace('"', "'")
    ));
    let mut out = String::with_capacity(ics.len() + organizer.len() + 2);
    for line in ics.split_inclusive("\r\n") {
        out.push_str(line);
        if line.starts_with("UID:") {
            out.push_str(&organizer);
            out.push_str("\r\n");
        }
    }
    out
}

/// The METHOD of an iCalendar object, for the mail part's content type.
pub fn method_of(ics: &str) -> &'static str {
    if ics.contains("\r\nMETHOD:CANCEL\r\n") {
        "CANCEL"
    } else {
        "REQUEST"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(method: Method) -> String {
        render(&Invitation {
            case_id: "0193a5c2-0000-7000-8000-000000000001",
            receipt: "KIT2700000017",
            method,
            sequence: 1,
            starts: "2026-12-01T00:30:00Z".parse().unwrap(),
            ends: "2026-12-01T00:45:00Z".parse().unwrap(),
            location: "U.S. Embassy Seoul, 188 Sejong-daero; window 3",
            attendee_name: "Minjun Kim",
            attendee_email: "minjun@example.kr",
            stamp: "2026-11-30T06:00:00Z".parse().unwrap(),
        })
    }

    #[test]
    fn lines_are_crlf_folded_at_75_octets_and_text_is_escaped() {
        let ics = sample(Method::Request);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DTSTART;TZID=Asia/Seoul:20261201T093000\r\n"));
        assert!(unfolded.contains("DTEND;TZID=Asia/Seoul:20261201T094500\r\n"));
        assert!(unfolded.contains("LOCATION:U.S. Embassy Seoul\\, 188 Sejong-daero\\; window 3"));
        assert!(unfolded.contains("UID:interview-0193a5c2-0000-7000-8000-000000000001@kitdesk"));
        assert!(unfolded.contains("SUMMARY:KIT 데스크 비자 인터뷰"));
        assert_eq!(method_of(&ics), "REQUEST");
        assert_eq!(method_of(&sample(Method::Cancel)), "CANCEL");
        assert!(sample(Method::Cancel).contains("STATUS:CANCELLED"));
    }

    #[test]
    fn the_organizer_follows_the_uid() {
        let ics = with_organizer(
            &sample(Method::Request),
            Some("KIT Desk"),
            "desk@example.gov",
        );
        let uid = ics.find("UID:").unwrap();
        let organizer = ics
            .find("ORGANIZER;CN=\"KIT Desk\":mailto:desk@example.gov\r\n")
            .unwrap();
        assert!(organizer > uid);
        assert_eq!(ics.matches("ORGANIZER").count(), 1);
    }
}
