//! The mails, as data and templates. Each message has a folder `templates/mail/<message>/`
//! with `subject.txt`, `body.txt` and `body.html`; every body says everything in Korean
//! first, then in English, and every subject carries both languages.
//!
//! The contexts hold only what the recipient may read: the applicant's own case, or the
//! employer's own workers' status, evidence requests and decisions — never officers'
//! internal notes (INA 222(f)).

use askama::Template;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::domain::time;

/// A mail ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What happened to a case that its applicant and employer are told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseEvent {
    FilingReceived,
    EvidenceRequested,
    InterviewScheduled,
    Approved,
    /// ESTA-CIW "approved": no visa; travel on ESTA with the desk's confirmation.
    EstaAdvised,
    Refused,
    Withdrawn,
    VisaIssued,
    /// The desk called the interview off.
    InterviewCancelled,
    /// Two days before the interview (the applicant only; queued with a due time).
    InterviewReminder,
    /// INA 221(g): after the interview, waiting on checks or documents.
    AdministrativeProcessing,
}

impl CaseEvent {
    /// The outbox `kind` of the applicant's mail, also the template folder's name.
    pub fn kind(self) -> &'static str {
        match self {
            CaseEvent::FilingReceived => "filing_received",
            CaseEvent::EvidenceRequested => "evidence_requested",
            CaseEvent::InterviewScheduled => "interview_scheduled",
            CaseEvent::Approved => "approved",
            CaseEvent::EstaAdvised => "esta_advised",
            CaseEvent::Refused => "refused",
            CaseEvent::Withdrawn => "withdrawn",
            CaseEvent::VisaIssued => "visa_issued",
            CaseEvent::InterviewCancelled => "interview_cancelled",
            CaseEvent::InterviewReminder => "interview_reminder",
            CaseEvent::AdministrativeProcessing => "administrative_processing",
        }
    }

    /// A short headline, (Korean, English), for employer mails and digests.
    pub fn headline(self) -> (&'static str, &'static str) {
        match self {
            CaseEvent::FilingReceived => ("신청 접수", "Case received"),
            CaseEvent::EvidenceRequested => ("추가 서류 요청", "Evidence requested"),
            CaseEvent::InterviewScheduled => ("인터뷰 일정 확정", "Interview scheduled"),
            CaseEvent::Approved => ("승인", "Approved"),
            CaseEvent::EstaAdvised => (
                "ESTA 입국 가능(비자 불필요)",
                "ESTA advised (no visa needed)",
            ),
            CaseEvent::Refused => ("거절", "Refused"),
            CaseEvent::Withdrawn => ("철회", "Withdrawn"),
            CaseEvent::VisaIssued => ("비자 발급", "Visa issued"),
            CaseEvent::InterviewCancelled => ("인터뷰 취소", "Interview cancelled"),
            CaseEvent::InterviewReminder => ("인터뷰 이틀 전 안내", "Interview in two days"),
            CaseEvent::AdministrativeProcessing => (
                "행정 처리 중 (이민국적법 제221조(g))",
                "Administrative processing (INA 221(g))",
            ),
        }
    }
}

/// An evidence request as the employer sees it: what, and by when.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub reason: String,
    pub due: NaiveDate,
    /// The documents asked for, (English, Korean) names.
    pub documents: Vec<(String, String)>,
}

impl Evidence {
    pub fn documents_en(&self) -> String {
        self.documents
            .iter()
            .map(|d| d.0.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn documents_ko(&self) -> String {
        self.documents
            .iter()
            .map(|d| d.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An interview: when (the instant, read in Seoul time, the desk's) and where.
#[derive(Debug, Clone)]
pub struct Interview {
    pub at: DateTime<Utc>,
    pub location: String,
}

impl Interview {
    pub fn new(at: DateTime<Utc>, location: String) -> Self {
        Interview { at, location }
    }

    /// Seoul time as a Korean reader writes it: `2026년 12월 3일 (목) 09:30`.
    pub fn seoul_ko(&self) -> String {
        time::appointment_ko(&time::desk_time(self.at))
    }

    /// Seoul time as an English reader writes it: `Thu 3 Dec 2026, 09:30`.
    pub fn seoul_en(&self) -> String {
        time::appointment_en(&time::desk_time(self.at))
    }

    /// The same instant in UTC, for readers elsewhere: `2026-12-03 00:30`.
    pub fn utc_text(&self) -> String {
        self.at.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// An approval: the visa route and the annotation printed on the visa.
#[derive(Debug, Clone)]
pub struct Decision {
    pub route_id: String,
    pub route_title: String,
    pub annotation: String,
}

/// Everything a mail about one case may say.
#[derive(Debug, Clone)]
pub struct CaseMail {
    pub event: CaseEvent,
    pub receipt: String,
    pub name_en: String,
    pub name_ko: Option<String>,
    pub employer_en: String,
    pub employer_ko: Option<String>,
    pub project: String,
    pub filing_date: NaiveDate,
    pub evidence: Option<Evidence>,
    pub interview: Option<Interview>,
    pub decision: Option<Decision>,
    /// The reason recorded on a refusal (shown to the employer on the case as well).
    pub refusal_reason: Option<String>,
    /// The public status page, the receipt filled in (for the applicant).
    pub status_url: String,
    /// The case's page (for the employer, who signs in).
    pub case_url: String,
    /// Why the desk cancelled the interview.
    pub cancel_reason: Option<String>,
    /// The legal ground of a refusal.
    pub refusal_ground: Option<&'static crate::domain::refusal::RefusalGround>,
    /// INA 221(g) processing: why, and the documents it waits on.
    pub processing: Option<Processing>,
}

/// Administrative processing as the applicant is told: why, and which documents (English,
/// Korean names).
#[derive(Debug, Clone)]
pub struct Processing {
    pub reason: String,
    pub documents: Vec<(String, String)>,
}

impl CaseMail {
    /// The applicant's name as Koreans write it, if given, else the romanized one.
    pub fn name_for_ko(&self) -> &str {
        self.name_ko.as_deref().unwrap_or(&self.name_en)
    }

    pub fn employer_for_ko(&self) -> &str {
        self.employer_ko.as_deref().unwrap_or(&self.employer_en)
    }

    /// Whether the refusal's ground outlasts this application (no "does not bar" line).
    pub fn refusal_lasts(&self) -> bool {
        self.refusal_ground.is_some_and(|g| g.lasting)
    }

    pub fn headline_ko(&self) -> &'static str {
        self.event.headline().0
    }

    pub fn headline_en(&self) -> &'static str {
        self.event.headline().1
    }
}

/// A reminder before an evidence request's due date.
#[derive(Debug, Clone)]
pub struct ReminderMail {
    pub case: CaseMail,
    /// Days left until the due date (7 or 1).
    pub days: i64,
}

impl ReminderMail {
    /// "1 day", "7 days".
    pub fn days_en(&self) -> String {
        match self.days {
            1 => "1 day".into(),
            n => format!("{n} days"),
        }
    }
}

/// The outbox `kind` of [`ReminderMail`].
pub const EVIDENCE_REMINDER: &str = "evidence_reminder";

/// One worker in a batch summary.
#[derive(Debug, Clone)]
pub struct BatchLine {
    pub receipt: String,
    pub name_en: String,
    pub name_ko: Option<String>,
}

/// The employer's one mail for a whole batch filing.
#[derive(Debug, Clone)]
pub struct BatchMail {
    pub employer_en: String,
    pub employer_ko: Option<String>,
    pub project: String,
    pub filing_id: String,
    pub filing_date: NaiveDate,
    pub cases: Vec<BatchLine>,
    /// The employer's page listing the cases.
    pub url: String,
}

impl BatchMail {
    pub fn count(&self) -> usize {
        self.cases.len()
    }

    /// "1 worker", "12 workers".
    pub fn workers_en(&self) -> String {
        match self.count() {
            1 => "1 worker".into(),
            n => format!("{n} workers"),
        }
    }

    pub fn employer_for_ko(&self) -> &str {
        self.employer_ko.as_deref().unwrap_or(&self.employer_en)
    }
}

/// One worker's booked interview in the employer's summary of a batch booking.
#[derive(Debug, Clone)]
pub struct InterviewLine {
    pub receipt: String,
    pub name_en: String,
    pub name_ko: Option<String>,
    /// The interview's Seoul wall-clock time.
    pub at_seoul: NaiveDateTime,
    pub location: String,
}

impl InterviewLine {
    /// `2026년 12월 3일 (목) 09:30`.
    pub fn seoul_ko(&self) -> String {
        time::appointment_ko(&self.at_seoul)
    }

    /// `Thu 3 Dec 2026, 09:30`.
    pub fn seoul_en(&self) -> String {
        time::appointment_en(&self.at_seoul)
    }
}

/// The employer's one mail for a filing booked at once.
#[derive(Debug, Clone)]
pub struct InterviewBatchMail {
    pub employer_en: String,
    pub employer_ko: Option<String>,
    pub project: String,
    pub lines: Vec<InterviewLine>,
    /// Cases of the filing left without an interview.
    pub not_booked: usize,
}

impl InterviewBatchMail {
    pub fn employer_for_ko(&self) -> &str {
        self.employer_ko.as_deref().unwrap_or(&self.employer_en)
    }
}

/// One event in a digest, already phrased in both languages.
#[derive(Debug, Clone)]
pub struct DigestLine {
    pub ko: String,
    pub en: String,
}

/// A sponsor's daily digest.
#[derive(Debug, Clone)]
pub struct DigestMail {
    pub employer_en: String,
    pub employer_ko: Option<String>,
    pub date: NaiveDate,
    pub lines: Vec<DigestLine>,
}

impl DigestMail {
    pub fn employer_for_ko(&self) -> &str {
        self.employer_ko.as_deref().unwrap_or(&self.employer_en)
    }
}

// One small struct per template file: askama binds a template to a type. `$path` is a `tt`
// so that the derive sees a plain string literal.
macro_rules! mail_template {
    ($name:ident, $context:ty, $path:tt) => {
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a> {
            m: &'a $context,
        }
    };
}

mail_template!(FiledSubject, CaseMail, "mail/filing_received/subject.txt");
mail_template!(FiledText, CaseMail, "mail/filing_received/body.txt");
mail_template!(FiledHtml, CaseMail, "mail/filing_received/body.html");
mail_template!(
    EvidenceSubject,
    CaseMail,
    "mail/evidence_requested/subject.txt"
);
mail_template!(EvidenceText, CaseMail, "mail/evidence_requested/body.txt");
mail_template!(EvidenceHtml, CaseMail, "mail/evidence_requested/body.html");
mail_template!(
    InterviewSubject,
    CaseMail,
    "mail/interview_scheduled/subject.txt"
);
mail_template!(InterviewText, CaseMail, "mail/interview_scheduled/body.txt");
mail_template!(
    InterviewHtml,
    CaseMail,
    "mail/interview_scheduled/body.html"
);
mail_template!(ApprovedSubject, CaseMail, "mail/approved/subject.txt");
mail_template!(ApprovedText, CaseMail, "mail/approved/body.txt");
mail_template!(ApprovedHtml, CaseMail, "mail/approved/body.html");
mail_template!(EstaSubject, CaseMail, "mail/esta_advised/subject.txt");
mail_template!(EstaText, CaseMail, "mail/esta_advised/body.txt");
mail_template!(EstaHtml, CaseMail, "mail/esta_advised/body.html");
mail_template!(RefusedSubject, CaseMail, "mail/refused/subject.txt");
mail_template!(RefusedText, CaseMail, "mail/refused/body.txt");
mail_template!(RefusedHtml, CaseMail, "mail/refused/body.html");
mail_template!(
    CancelledSubject,
    CaseMail,
    "mail/interview_cancelled/subject.txt"
);
mail_template!(CancelledText, CaseMail, "mail/interview_cancelled/body.txt");
mail_template!(
    CancelledHtml,
    CaseMail,
    "mail/interview_cancelled/body.html"
);
mail_template!(
    ReminderSubject,
    CaseMail,
    "mail/interview_reminder/subject.txt"
);
mail_template!(ReminderText, CaseMail, "mail/interview_reminder/body.txt");
mail_template!(ReminderHtml, CaseMail, "mail/interview_reminder/body.html");
mail_template!(
    ProcessingSubject,
    CaseMail,
    "mail/administrative_processing/subject.txt"
);
mail_template!(
    ProcessingText,
    CaseMail,
    "mail/administrative_processing/body.txt"
);
mail_template!(
    ProcessingHtml,
    CaseMail,
    "mail/administrative_processing/body.html"
);
mail_template!(WithdrawnSubject, CaseMail, "mail/withdrawn/subject.txt");
mail_template!(WithdrawnText, CaseMail, "mail/withdrawn/body.txt");
mail_template!(WithdrawnHtml, CaseMail, "mail/withdrawn/body.html");
mail_template!(IssuedSubject, CaseMail, "mail/visa_issued/subject.txt");
mail_template!(IssuedText, CaseMail, "mail/visa_issued/body.txt");
mail_template!(IssuedHtml, CaseMail, "mail/visa_issued/body.html");
mail_template!(
    EmployerSubject,
    CaseMail,
    "mail/employer_case_event/subject.txt"
);
mail_template!(EmployerText, CaseMail, "mail/employer_case_event/body.txt");
mail_template!(EmployerHtml, CaseMail, "mail/employer_case_event/body.html");
mail_template!(
    InterviewsSubject,
    InterviewBatchMail,
    "mail/employer_interviews/subject.txt"
);
mail_template!(
    InterviewsText,
    InterviewBatchMail,
    "mail/employer_interviews/body.txt"
);
mail_template!(
    InterviewsHtml,
    InterviewBatchMail,
    "mail/employer_interviews/body.html"
);
mail_template!(BatchSubject, BatchMail, "mail/employer_batch/subject.txt");
mail_template!(BatchText, BatchMail, "mail/employer_batch/body.txt");
mail_template!(BatchHtml, BatchMail, "mail/employer_batch/body.html");
mail_template!(
    DigestSubject,
    DigestMail,
    "mail/employer_digest/subject.txt"
);
mail_template!(DigestText, DigestMail, "mail/employer_digest/body.txt");
mail_template!(DigestHtml, DigestMail, "mail/employer_digest/body.html");

/// The mail to an address that already has an account, sent when someone registers a
/// sponsor with it (the registration answer is the same either way).
#[derive(Debug, Clone)]
pub struct AccountExistsMail {
    pub address: String,
}

/// The outbox `kind` of [`AccountExistsMail`].
pub const ACCOUNT_EXISTS: &str = "account_exists";

mail_template!(
    AccountExistsSubject,
    AccountExistsMail,
    "mail/account_exists/subject.txt"
);
mail_template!(
    AccountExistsText,
    AccountExistsMail,
    "mail/account_exists/body.txt"
);
mail_template!(
    AccountExistsHtml,
    AccountExistsMail,
    "mail/account_exists/body.html"
);

pub fn account_exists_mail(m: &AccountExistsMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        AccountExistsSubject { m }.render()?,
        AccountExistsText { m }.render()?,
        AccountExistsHtml { m }.render()?,
    ))
}

/// The employer's mail about a document the desk returned, with the reason.
#[derive(Debug, Clone)]
pub struct DocumentRejectedMail {
    pub kind_en: String,
    pub kind_ko: String,
    pub filename: String,
    /// The case (worker and receipt) or the project the document was for.
    pub subject_en: String,
    pub subject_ko: String,
    pub reason: String,
    /// Where to upload the corrected document.
    pub url: String,
}

/// The outbox `kind` of [`DocumentRejectedMail`].
pub const DOCUMENT_REJECTED: &str = "document_rejected";

mail_template!(
    DocumentRejectedSubject,
    DocumentRejectedMail,
    "mail/document_rejected/subject.txt"
);
mail_template!(
    DocumentRejectedText,
    DocumentRejectedMail,
    "mail/document_rejected/body.txt"
);
mail_template!(
    DocumentRejectedHtml,
    DocumentRejectedMail,
    "mail/document_rejected/body.html"
);

pub fn document_rejected_mail(m: &DocumentRejectedMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        DocumentRejectedSubject { m }.render()?,
        DocumentRejectedText { m }.render()?,
        DocumentRejectedHtml { m }.render()?,
    ))
}

pub(crate) fn assemble(subject: String, text: String, html: String) -> Rendered {
    // A subject is one line: template files end with a newline, and a value could carry one.
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    Rendered {
        subject,
        text,
        html,
    }
}

/// The applicant's mail about their own case.
pub fn applicant_mail(m: &CaseMail) -> Result<Rendered, askama::Error> {
    let (s, t, h) = match m.event {
        CaseEvent::FilingReceived => (
            FiledSubject { m }.render()?,
            FiledText { m }.render()?,
            FiledHtml { m }.render()?,
        ),
        CaseEvent::EvidenceRequested => (
            EvidenceSubject { m }.render()?,
            EvidenceText { m }.render()?,
            EvidenceHtml { m }.render()?,
        ),
        CaseEvent::InterviewScheduled => (
            InterviewSubject { m }.render()?,
            InterviewText { m }.render()?,
            InterviewHtml { m }.render()?,
        ),
        CaseEvent::Approved => (
            ApprovedSubject { m }.render()?,
            ApprovedText { m }.render()?,
            ApprovedHtml { m }.render()?,
        ),
        CaseEvent::EstaAdvised => (
            EstaSubject { m }.render()?,
            EstaText { m }.render()?,
            EstaHtml { m }.render()?,
        ),
        CaseEvent::Refused => (
            RefusedSubject { m }.render()?,
            RefusedText { m }.render()?,
            RefusedHtml { m }.render()?,
        ),
        CaseEvent::InterviewCancelled => (
            CancelledSubject { m }.render()?,
            CancelledText { m }.render()?,
            CancelledHtml { m }.render()?,
        ),
        CaseEvent::AdministrativeProcessing => (
            ProcessingSubject { m }.render()?,
            ProcessingText { m }.render()?,
            ProcessingHtml { m }.render()?,
        ),
        CaseEvent::InterviewReminder => (
            ReminderSubject { m }.render()?,
            ReminderText { m }.render()?,
            ReminderHtml { m }.render()?,
        ),
        CaseEvent::Withdrawn => (
            WithdrawnSubject { m }.render()?,
            WithdrawnText { m }.render()?,
            WithdrawnHtml { m }.render()?,
        ),
        CaseEvent::VisaIssued => (
            IssuedSubject { m }.render()?,
            IssuedText { m }.render()?,
            IssuedHtml { m }.render()?,
        ),
    };
    Ok(assemble(s, t, h))
}

/// The employer's mail about one of its workers' cases.
pub fn employer_mail(m: &CaseMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        EmployerSubject { m }.render()?,
        EmployerText { m }.render()?,
        EmployerHtml { m }.render()?,
    ))
}

mail_template!(
    EvidenceReminderSubject,
    ReminderMail,
    "mail/evidence_reminder/subject.txt"
);
mail_template!(
    EvidenceReminderText,
    ReminderMail,
    "mail/evidence_reminder/body.txt"
);
mail_template!(
    EvidenceReminderHtml,
    ReminderMail,
    "mail/evidence_reminder/body.html"
);

/// The employer's reminder before an evidence request's due date.
pub fn reminder_mail(m: &ReminderMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        EvidenceReminderSubject { m }.render()?,
        EvidenceReminderText { m }.render()?,
        EvidenceReminderHtml { m }.render()?,
    ))
}

/// The employer's one mail for a filing's interviews booked at once.
pub fn interview_batch_mail(m: &InterviewBatchMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        InterviewsSubject { m }.render()?,
        InterviewsText { m }.render()?,
        InterviewsHtml { m }.render()?,
    ))
}

/// The employer's one mail for a batch filing.
pub fn batch_mail(m: &BatchMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        BatchSubject { m }.render()?,
        BatchText { m }.render()?,
        BatchHtml { m }.render()?,
    ))
}

pub fn digest_mail(m: &DigestMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        DigestSubject { m }.render()?,
        DigestText { m }.render()?,
        DigestHtml { m }.render()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(event: CaseEvent) -> CaseMail {
        CaseMail {
            event,
            receipt: "KIT2700000017".into(),
            name_en: "Minjun Kim".into(),
            name_ko: Some("김민준".into()),
            employer_en: "Hanbit Battery <Systems>".into(),
            employer_ko: Some("한빛배터리시스템".into()),
            project: "Ellabell line 3".into(),
            filing_date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            evidence: Some(Evidence {
                reason: "Sales contract, section on installation".into(),
                due: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
                documents: vec![("sales contract".into(), "판매 계약서".into())],
            }),
            interview: Some(Interview::new(
                DateTime::parse_from_rfc3339("2026-12-10T00:30:00Z")
                    .unwrap()
                    .with_timezone(&Utc),
                "U.S. Embassy Seoul".into(),
            )),
            decision: Some(Decision {
                route_id: "B1-CIW".into(),
                route_title: "B-1 commercial or industrial worker".into(),
                annotation: "B1-CIW per 9 FAM 402.2-5(E).".into(),
            }),
            status_url: "https://kitdesk.test/status?receipt=KIT2700000017".into(),
            case_url: "https://kitdesk.test/cases/c1".into(),
            refusal_reason: Some("Activities include construction labor".into()),
            cancel_reason: Some("The interviewing officer is ill".into()),
            refusal_ground: crate::domain::refusal::ground("214(b)").ok(),
            processing: Some(Processing {
                reason: "Security advisory opinion pending".into(),
                documents: vec![("training plan".into(), "교육 계획서".into())],
            }),
        }
    }

    #[test]
    fn every_applicant_mail_is_korean_first_then_english() {
        for event in [
            CaseEvent::FilingReceived,
            CaseEvent::EvidenceRequested,
            CaseEvent::InterviewScheduled,
            CaseEvent::Approved,
            CaseEvent::EstaAdvised,
            CaseEvent::Refused,
            CaseEvent::Withdrawn,
            CaseEvent::VisaIssued,
            CaseEvent::InterviewCancelled,
            CaseEvent::InterviewReminder,
            CaseEvent::AdministrativeProcessing,
        ] {
            let m = sample(event);
            for r in [applicant_mail(&m).unwrap(), employer_mail(&m).unwrap()] {
                assert!(
                    r.subject.contains("KIT2700000017"),
                    "{event:?}: {}",
                    r.subject
                );
                assert!(!r.subject.contains('\n'));
                for body in [&r.text, &r.html] {
                    let ko = body.find("KIT 데스크").expect("Korean part");
                    let en = body.find("KIT Desk").expect("English part");
                    assert!(ko < en, "{event:?}: Korean must come first");
                }
                assert!(!r.html.contains("<Systems>"), "HTML is escaped");
            }
        }
    }

    #[test]
    fn details_reach_the_mail() {
        let r = applicant_mail(&sample(CaseEvent::FilingReceived)).unwrap();
        assert!(r
            .text
            .contains("https://kitdesk.test/status?receipt=KIT2700000017"));
        assert!(
            !r.text.contains("/api/v1"),
            "applicants get the page, not the API"
        );
        let r = applicant_mail(&sample(CaseEvent::EvidenceRequested)).unwrap();
        assert!(r.text.contains("Sales contract"));
        // each part writes the due date as its reader does
        assert!(r.text.contains("제출 기한: 2027년 1월 15일"), "{}", r.text);
        assert!(r.text.contains("Due by: 15 Jan 2027"), "{}", r.text);
        assert!(r.html.contains("2027년 1월 15일") && r.html.contains("15 Jan 2027"));
        assert!(!r.text.contains("2027-01-15"));
        let r = applicant_mail(&sample(CaseEvent::InterviewScheduled)).unwrap();
        assert!(r.text.contains("U.S. Embassy Seoul"));
        // each part writes the time as its reader does, weekday included, and UTC beside it
        assert!(
            r.text.contains(
                "일시: 2026년 12월 10일 (목) 09:30 KST (서울 시간) / 2026-12-10 00:30 UTC"
            ),
            "{}",
            r.text
        );
        assert!(r
            .text
            .contains("When: Thu 10 Dec 2026, 09:30 KST (Seoul time; 2026-12-10 00:30 UTC)"));
        assert!(
            r.html.contains("2026년 12월 10일 (목) 09:30 KST")
                && r.html.contains("Thu 10 Dec 2026, 09:30 KST")
        );
        let r = applicant_mail(&sample(CaseEvent::Approved)).unwrap();
        assert!(r.text.contains("B1-CIW") && r.text.contains("9 FAM 402.2-5(E)"));
        let r = applicant_mail(&sample(CaseEvent::Refused)).unwrap();
        assert!(r.text.contains("construction labor"));
    }

    #[test]
    fn batch_and_digest_render_in_both_languages() {
        let batch = BatchMail {
            employer_en: "Hanbit".into(),
            employer_ko: None,
            project: "Line 3".into(),
            filing_id: "f1".into(),
            filing_date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            cases: (0..3)
                .map(|i| BatchLine {
                    receipt: format!("KIT27000000{i}"),
                    name_en: format!("Worker {i}"),
                    name_ko: None,
                })
                .collect(),
            url: "https://kitdesk.test/employer".into(),
        };
        let r = batch_mail(&batch).unwrap();
        assert!(r.subject.contains("3명") && r.subject.contains("3 workers"));
        let one = BatchMail {
            cases: batch.cases[..1].to_vec(),
            ..batch.clone()
        };
        let r1 = batch_mail(&one).unwrap();
        assert!(r1.subject.contains("1 worker") && !r1.subject.contains("1 workers"));
        assert!(r.text.contains("KIT270000002") && r.html.contains("Worker 2"));
        let digest = DigestMail {
            employer_en: "Hanbit".into(),
            employer_ko: None,
            date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            lines: vec![DigestLine {
                ko: "김민준: 승인".into(),
                en: "Minjun Kim: approved".into(),
            }],
        };
        let r = digest_mail(&digest).unwrap();
        assert!(
            r.text.find("김민준: 승인").unwrap() < r.text.find("Minjun Kim: approved").unwrap()
        );
    }
}
