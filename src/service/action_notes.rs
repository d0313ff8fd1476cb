//! The shared notes an action leaves on a case (an interview booked, evidence requested,
//! facts amended, a document reviewed…), written in English and in Korean. The employer's
//! case page shows the text in its reader's language; the words a person typed (a reason, a
//! note) are quoted as typed in both.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::document::DocumentKind;
use crate::domain::{fact_names, time};

/// A note's text in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteText {
    pub en: String,
    pub ko: String,
}

fn both(en: String, ko: String) -> NoteText {
    NoteText { en, ko }
}

/// " Documents to upload: a, b." and " 올려 주실 서류: …", or nothing when none is named.
fn documents_to_upload(documents: &[DocumentKind]) -> (String, String) {
    if documents.is_empty() {
        return (String::new(), String::new());
    }
    let names = |korean: bool| {
        documents
            .iter()
            .map(|k| if korean { k.names().1 } else { k.names().0 })
            .collect::<Vec<_>>()
            .join(", ")
    };
    (
        format!(" Documents to upload: {}.", names(false)),
        format!(" 올려 주실 서류: {}.", names(true)),
    )
}

fn appointment(at: DateTime<Utc>) -> (String, String) {
    let seoul = time::desk_time(at);
    (
        format!("{} KST", time::appointment_en(&seoul)),
        format!("{} KST", time::appointment_ko(&seoul)),
    )
}

pub fn evidence_requested(due: NaiveDate, reason: &str, documents: &[DocumentKind]) -> NoteText {
    let (docs_en, docs_ko) = documents_to_upload(documents);
    both(
        format!("Evidence requested (due {due}): {reason}{docs_en}"),
        format!(
            "추가 서류 요청 (제출 기한: {}): {reason}{docs_ko}",
            time::date_ko(&due)
        ),
    )
}

pub fn evidence_submitted(note: &str) -> NoteText {
    both(
        format!("Evidence submitted: {note}"),
        format!("추가 서류 제출: {note}"),
    )
}

/// An interview booked, or moved from `previous`.
pub fn interview_booked(
    previous: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    place: &str,
) -> NoteText {
    let (at_en, at_ko) = appointment(at);
    match previous.map(appointment) {
        Some((was_en, was_ko)) => both(
            format!("Interview moved from {was_en} to {at_en} at {place}"),
            format!("인터뷰 일정 변경: {was_ko} → {at_ko}, 장소: {place}"),
        ),
        None => both(
            format!("Interview scheduled for {at_en} at {place}"),
            format!("인터뷰 일정 확정: {at_ko}, 장소: {place}"),
        ),
    }
}

pub fn reschedule_requested(preferred: &[NaiveDate], reason: &str) -> NoteText {
    if preferred.is_empty() {
        return both(
            format!("Another interview time requested: {reason}"),
            format!("인터뷰 일정 변경 요청: {reason}"),
        );
    }
    let dates =
        |f: fn(&NaiveDate) -> String| preferred.iter().map(f).collect::<Vec<_>>().join(", ");
    both(
        format!(
            "Another interview time requested ({}): {reason}",
            dates(time::date_en)
        ),
        format!(
            "인터뷰 일정 변경 요청 (희망일: {}): {reason}",
            dates(time::date_ko)
        ),
    )
}

pub fn interview_cancelled(reason: &str) -> NoteText {
    both(
        format!("Interview cancelled: {reason}"),
        format!("인터뷰 취소: {reason}"),
    )
}

/// The applicant did not come to the interview that was at `at`.
pub fn no_show(at: Option<DateTime<Utc>>, note: &str) -> NoteText {
    match at.map(appointment) {
        Some((en, ko)) => both(
            format!("The applicant did not come to the interview of {en}: {note}"),
            format!("신청인이 {ko} 인터뷰에 참석하지 않았습니다: {note}"),
        ),
        None => both(
            format!("The applicant did not come to the interview: {note}"),
            format!("신청인이 인터뷰에 참석하지 않았습니다: {note}"),
        ),
    }
}

/// Facts amended, named (never their values: the note is no place for personal data).
pub fn facts_amended(changed: &[String], reason: &str) -> NoteText {
    let (en, ko) = fact_names::names_of(changed);
    both(
        format!("Facts amended ({en}): {reason}"),
        format!("신청 정보 수정 ({ko}): {reason}"),
    )
}

pub fn evidence_confirmed(rule_id: &str, note: &str) -> NoteText {
    both(
        format!("Evidence confirmed for {rule_id}: {note}"),
        format!("증빙 확인 ({rule_id}): {note}"),
    )
}

pub fn administrative_processing(reason: &str, documents: &[DocumentKind]) -> NoteText {
    let (docs_en, docs_ko) = documents_to_upload(documents);
    both(
        format!("Administrative processing (INA 221(g)): {reason}{docs_en}"),
        format!("행정 처리 (이민국적법 제221조(g)): {reason}{docs_ko}"),
    )
}

/// A document the desk confirmed (or rejected), with the reviewer's note.
pub fn document_reviewed(
    confirmed: bool,
    kind: DocumentKind,
    filename: &str,
    note: &str,
) -> NoteText {
    let (kind_en, kind_ko) = kind.names();
    if confirmed {
        both(
            format!("Document confirmed ({kind_en}, {filename}): {note}"),
            format!("서류 확인 ({kind_ko}, {filename}): {note}"),
        )
    } else {
        both(
            format!("Document rejected ({kind_en}, {filename}): {note} Please upload a new one."),
            format!("서류 반려 ({kind_ko}, {filename}): {note} 새 서류를 올려 주십시오."),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interview_reads_in_each_language_with_its_weekday() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T00:30:00Z")
            .unwrap()
            .to_utc();
        let note = interview_booked(None, at, "Window 3");
        assert_eq!(
            note.en,
            "Interview scheduled for Thu 3 Dec 2026, 09:30 KST at Window 3"
        );
        assert_eq!(
            note.ko,
            "인터뷰 일정 확정: 2026년 12월 3일 (목) 09:30 KST, 장소: Window 3"
        );
        let moved = interview_booked(Some(at), at + chrono::Duration::days(1), "Window 3");
        assert!(moved.ko.starts_with(
            "인터뷰 일정 변경: 2026년 12월 3일 (목) 09:30 KST → 2026년 12월 4일 (금)"
        ));
    }

    #[test]
    fn an_evidence_request_names_its_documents_in_each_language() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 14).unwrap();
        let note = evidence_requested(due, "Send the contract", &[DocumentKind::SalesContract]);
        assert_eq!(
            note.en,
            "Evidence requested (due 2026-12-14): Send the contract Documents to upload: sales contract."
        );
        assert_eq!(
            note.ko,
            "추가 서류 요청 (제출 기한: 2026년 12월 14일): Send the contract 올려 주실 서류: 판매 계약서."
        );
    }

    #[test]
    fn an_amendment_names_the_facts_not_their_values() {
        let note = facts_amended(&["applicant.other_nationalities".into()], "typo");
        assert_eq!(note.en, "Facts amended (Other nationalities): typo");
        assert_eq!(note.ko, "신청 정보 수정 (다른 국적): typo");
    }
}
