//! Queuing the mails a case change owes, inside the change's own transaction: the case
//! change, its audit row and its outbox rows commit together or not at all.
//!
//! Who hears what:
//! - the applicant (the worker's address on the case): every event, in their own mail;
//! - the active employer users of the case's sponsor: every event, either a mail per event or,
//!   when the sponsor chose `daily_digest`, a line in the next digest. A batch filing gives
//!   the employer one summary mail (or one digest line), never one mail per worker.

use chrono::NaiveDateTime;
use serde_json::Value;
use uuid::Uuid;

use super::messages::{
    self, BatchLine, BatchMail, CaseEvent, CaseMail, Decision, Evidence, Interview, Rendered,
};
use super::NotifyError;
use crate::db::cases::CaseRow;
use crate::db::outbox::{self, DigestItemRow, OutboxRow};
use crate::db::projects::{self, ProjectRow};
use crate::db::sponsors::{self, SponsorRow};
use crate::db::{users, DbConnection};
use crate::domain::{time, ActionKind, CaseStatus, VisaRoute};

pub const DAILY_DIGEST: &str = "daily_digest";
pub const PER_EVENT: &str = "per_event";
pub const NOTIFY_MODES: [&str; 2] = [PER_EVENT, DAILY_DIGEST];

/// Outbox kinds of the employer's mails.
pub const EMPLOYER_EVENT: &str = "employer_case_event";
pub const EMPLOYER_BATCH: &str = "employer_batch";
pub const EMPLOYER_DIGEST: &str = "employer_digest";
pub const EMPLOYER_INTERVIEWS: &str = "employer_interviews";

/// The applicant's interview reminder goes this many days before the interview.
pub const REMINDER_DAYS_BEFORE: i64 = 2;

/// A pending outbox row for one recipient. The Message-ID is fixed here, once, so that every
/// resend of the row carries the same one.
pub fn outbox_row(
    kind: &str,
    audience: &str,
    recipient: &str,
    case_id: Option<&str>,
    sponsor_id: Option<&str>,
    mail: &Rendered,
    now: NaiveDateTime,
) -> OutboxRow {
    let id = Uuid::now_v7().to_string();
    OutboxRow {
        message_id: format!("<outbox-{id}@kitdesk>"),
        id,
        kind: kind.to_owned(),
        audience: audience.to_owned(),
        recipient: recipient.to_owned(),
        case_id: case_id.map(str::to_owned),
        sponsor_id: sponsor_id.map(str::to_owned),
        subject: mail.subject.clone(),
        body_text: mail.text.clone(),
        body_html: mail.html.clone(),
        state: outbox::PENDING.to_owned(),
        attempts: 0,
        next_attempt_at: now,
        claimed_by: None,
        lease_expires_at: None,
        last_error: None,
        created_at: now,
        updated_at: now,
        sent_at: None,
        calendar: None,
    }
}

/// Absolute links into the desk, from `KITDESK_PUBLIC_URL`.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a>(pub &'a str);

impl Links<'_> {
    /// The public status page with the receipt filled in.
    pub fn status(&self, receipt: &str) -> String {
        format!("{}/status?receipt={receipt}", self.0)
    }

    pub fn case(&self, id: &str) -> String {
        format!("{}/cases/{id}", self.0)
    }

    pub fn employer(&self) -> String {
        format!("{}/employer", self.0)
    }

    pub fn project_filing(&self, project_id: &str) -> String {
        format!("{}/employer/projects/{project_id}/file", self.0)
    }

    /// The page where a password reset link's owner sets a new password.
    pub fn password_reset(&self, token: &str) -> String {
        format!("{}/password-reset?token={token}", self.0)
    }

    /// The page where an invited colleague accepts and sets a password.
    pub fn invitation(&self, token: &str) -> String {
        format!("{}/invitations/accept?token={token}", self.0)
    }
}

fn case_mail(
    event: CaseEvent,
    case: &CaseRow,
    sponsor: &SponsorRow,
    project: &ProjectRow,
    links: Links<'_>,
) -> CaseMail {
    CaseMail {
        event,
        receipt: case.receipt_number.clone(),
        name_en: format!("{} {}", case.given_name, case.family_name),
        name_ko: case.name_ko.clone(),
        employer_en: sponsor.legal_name.clone(),
        employer_ko: sponsor.legal_name_ko.clone(),
        project: project.name.clone(),
        filing_date: case.filing_date,
        evidence: None,
        interview: None,
        decision: None,
        refusal_reason: None,
        status_url: links.status(&case.receipt_number),
        case_url: links.case(&case.id),
        cancel_reason: None,
        refusal_ground: None,
        processing: None,
    }
}

fn digest_item(
    sponsor_id: &str,
    case_id: Option<&str>,
    kind: &str,
    ko: String,
    en: String,
) -> DigestItemRow {
    DigestItemRow {
        id: Uuid::now_v7().to_string(),
        sponsor_id: sponsor_id.to_owned(),
        case_id: case_id.map(str::to_owned),
        kind: kind.to_owned(),
        line_ko: ko,
        line_en: en,
        digest_id: None,
        created_at: time::now(),
    }
}

/// A batch filing, as its mails need it.
#[derive(Clone, Copy)]
pub struct FiledBatch<'a> {
    pub sponsor: &'a SponsorRow,
    /// The sponsor's active users. The filing reads them before it reserves its receipt
    /// numbers, to keep that read out of the counter's window.
    pub sponsor_users: &'a [users::UserRow],
    pub project: &'a ProjectRow,
    pub filing_id: &'a str,
    pub cases: &'a [CaseRow],
    pub filer_email: &'a str,
}

/// Queues the mails of a batch filing: one receipt mail per applicant, and one summary for
/// the sponsor's active users (a mail each, or one digest line) and for the filer when a
/// prime filed for its subcontractor.
pub fn filing_received(
    conn: &mut DbConnection,
    batch: FiledBatch<'_>,
    links: Links<'_>,
) -> Result<(), NotifyError> {
    let FiledBatch {
        sponsor,
        sponsor_users,
        project,
        filing_id,
        cases,
        filer_email,
    } = batch;
    let Some(first) = cases.first() else {
        return Ok(());
    };
    let now = time::now();
    let mut rows = Vec::with_capacity(cases.len() + 1);
    for case in cases {
        let mail = messages::applicant_mail(&case_mail(
            CaseEvent::FilingReceived,
            case,
            sponsor,
            project,
            links,
        ))?;
        rows.push(outbox_row(
            CaseEvent::FilingReceived.kind(),
            "applicant",
            &case.email,
            Some(&case.id),
            Some(&sponsor.id),
            &mail,
            now,
        ));
    }
    let summary = messages::batch_mail(&BatchMail {
        employer_en: sponsor.legal_name.clone(),
        employer_ko: sponsor.legal_name_ko.clone(),
        project: project.name.clone(),
        filing_id: filing_id.to_owned(),
        filing_date: first.filing_date,
        cases: cases
            .iter()
            .map(|c| BatchLine {
                receipt: c.receipt_number.clone(),
                name_en: format!("{} {}", c.given_name, c.family_name),
                name_ko: c.name_ko.clone(),
            })
            .collect(),
        url: links.employer(),
    })?;
    // A prime contractor's user who filed for its subcontractor hears of it too.
    if !sponsor_users.iter().any(|u| u.email == filer_email) {
        rows.push(outbox_row(
            EMPLOYER_BATCH,
            "employer",
            filer_email,
            None,
            Some(&sponsor.id),
            &summary,
            now,
        ));
    }
    if sponsor.notify_mode == DAILY_DIGEST {
        let last = cases.last().unwrap_or(first);
        let range = if cases.len() == 1 {
            first.receipt_number.clone()
        } else {
            format!("{} – {}", first.receipt_number, last.receipt_number)
        };
        outbox::insert_digest_items(
            conn,
            &[digest_item(
                &sponsor.id,
                None,
                EMPLOYER_BATCH,
                format!(
                    "일괄 신청 접수: {}명, 프로젝트 {} (접수번호 {range})",
                    cases.len(),
                    project.name
                ),
                format!(
                    "Batch filing received: {} workers, project {} (receipts {range})",
                    cases.len(),
                    project.name
                ),
            )],
        )?;
    } else {
        for user in sponsor_users {
            rows.push(outbox_row(
                EMPLOYER_BATCH,
                "employer",
                &user.email,
                None,
                Some(&sponsor.id),
                &summary,
                now,
            ));
        }
    }
    outbox::insert_many(conn, &rows)?;
    Ok(())
}

/// Days before an evidence request's due date when the employer is reminded.
pub const REMINDER_DAYS: [i64; 2] = [7, 1];

/// The employer's reminders of an evidence request, due at 09:00 Seoul time 7 days and 1 day
/// before its due date (those still ahead); each is one outbox row, sent once by the worker,
/// and cancelled when the case moves on.
fn evidence_reminders(
    conn: &mut DbConnection,
    case: &CaseRow,
    sponsor: &SponsorRow,
    mail: &CaseMail,
    now: NaiveDateTime,
) -> Result<Vec<OutboxRow>, NotifyError> {
    let Some(evidence) = &mail.evidence else {
        return Ok(Vec::new());
    };
    let recipients = users::active_of_sponsor(conn, &sponsor.id)?;
    let mut rows = Vec::new();
    for days in REMINDER_DAYS {
        let day = evidence.due - chrono::Duration::days(days);
        // 09:00 in Seoul is 00:00 UTC
        let due_at = day.and_time(chrono::NaiveTime::MIN);
        if due_at <= now {
            continue;
        }
        let rendered = messages::reminder_mail(&messages::ReminderMail {
            case: mail.clone(),
            days,
        })?;
        for user in &recipients {
            let mut row = outbox_row(
                messages::EVIDENCE_REMINDER,
                "employer",
                &user.email,
                Some(&case.id),
                Some(&sponsor.id),
                &rendered,
                now,
            );
            row.next_attempt_at = due_at;
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The event a case action announces, if any (assignment, review and evidence submission
/// are the desk's and the employer's own business and send nothing).
pub fn event_of(kind: ActionKind) -> Option<CaseEvent> {
    match kind {
        ActionKind::RequestEvidence => Some(CaseEvent::EvidenceRequested),
        ActionKind::ScheduleInterview | ActionKind::Reschedule => {
            Some(CaseEvent::InterviewScheduled)
        }
        ActionKind::Approve => Some(CaseEvent::Approved),
        ActionKind::Refuse => Some(CaseEvent::Refused),
        ActionKind::Withdraw => Some(CaseEvent::Withdrawn),
        ActionKind::CancelInterview => Some(CaseEvent::InterviewCancelled),
        ActionKind::AdministrativeProcessing => Some(CaseEvent::AdministrativeProcessing),
        ActionKind::IssueVisa => Some(CaseEvent::VisaIssued),
        ActionKind::Assign
        | ActionKind::StartReview
        | ActionKind::SubmitEvidence
        | ActionKind::AmendFacts
        | ActionKind::ConfirmEvidence
        | ActionKind::RequestReschedule
        | ActionKind::RecordNoShow => None,
    }
}

/// Queues the mails of a case action. `case` is the case as changed; `details` are the
/// action's recorded details (the evidence request's reason, the interview's place), the
/// same the audit row keeps and the employer sees in the shared note.
///
/// `employer_mail` false leaves the employer's mail (or digest line) out: a batch booking
/// tells the employer once, in [`interviews_booked`]. `was` is the status before the action.
pub fn case_event(
    conn: &mut DbConnection,
    case: &CaseRow,
    was: CaseStatus,
    kind: ActionKind,
    details: &Value,
    links: Links<'_>,
    employer_mail: bool,
) -> Result<(), NotifyError> {
    // Reminders of an evidence request stop once the case has moved on (or is asked again).
    // Only a request schedules them, so only a case leaving that state can have any.
    let moved_on = was == CaseStatus::EvidenceRequested && case.status != was.as_str();
    if moved_on || kind == ActionKind::RequestEvidence {
        outbox::cancel_pending(conn, &case.id, messages::EVIDENCE_REMINDER, time::now())?;
    }
    // A reminder waits for the interview it announces: any change that moves, cancels or
    // ends that interview takes it back (a reminder already sent stays sent).
    if matches!(
        kind,
        ActionKind::ScheduleInterview
            | ActionKind::Reschedule
            | ActionKind::CancelInterview
            | ActionKind::RecordNoShow
            | ActionKind::Approve
            | ActionKind::Refuse
            | ActionKind::Withdraw
    ) {
        outbox::delete_pending_for_case(conn, &case.id, CaseEvent::InterviewReminder.kind())?;
    }
    let Some(event) = event_of(kind) else {
        return Ok(());
    };
    // "Approving" ESTA-CIW advises travel on ESTA: a mail of its own, no visa.
    let event = if event == CaseEvent::Approved && case.status == "esta_advised" {
        CaseEvent::EstaAdvised
    } else {
        event
    };
    let sponsor = sponsors::find(conn, &case.sponsor_id)?.ok_or(diesel::result::Error::NotFound)?;
    let project = projects::find(conn, &case.project_id)?.ok_or(diesel::result::Error::NotFound)?;
    let mut mail = case_mail(event, case, &sponsor, &project, links);
    match event {
        CaseEvent::EvidenceRequested => {
            let documents = details["documents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    d.as_str()?
                        .parse::<crate::domain::document::DocumentKind>()
                        .ok()
                })
                .map(|k| (k.names().0.to_owned(), k.names().1.to_owned()))
                .collect();
            mail.evidence = Some(Evidence {
                reason: details["reason"].as_str().unwrap_or_default().to_owned(),
                due: case.evidence_due.unwrap_or(case.filing_date),
                documents,
            });
        }
        CaseEvent::InterviewScheduled | CaseEvent::InterviewReminder => {
            if let Some(at) = case.interview_at {
                let location = details["location"].as_str().unwrap_or_default().to_owned();
                mail.interview = Some(Interview::new(time::from_stored(at), location));
            }
        }
        CaseEvent::InterviewCancelled => {
            let was_at = details["was_at"]
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
            if let Some(at) = was_at {
                let location = details["location"].as_str().unwrap_or_default().to_owned();
                mail.interview = Some(Interview::new(at.with_timezone(&chrono::Utc), location));
            }
            mail.cancel_reason = details["reason"].as_str().map(str::to_owned);
        }
        CaseEvent::Approved | CaseEvent::VisaIssued => {
            mail.decision = case.decision_route.as_deref().map(|route| Decision {
                route_id: route.to_owned(),
                route_title: route
                    .parse::<VisaRoute>()
                    .map(|r| r.title().to_owned())
                    .unwrap_or_default(),
                annotation: case.annotation.clone().unwrap_or_default(),
            });
        }
        CaseEvent::EstaAdvised => {}
        CaseEvent::Refused => {
            mail.refusal_reason = case.decision_reason.clone();
            mail.refusal_ground = details["ground"]
                .as_str()
                .and_then(|g| crate::domain::refusal::ground(g).ok());
        }
        CaseEvent::AdministrativeProcessing => {
            mail.processing = Some(messages::Processing {
                reason: details["reason"].as_str().unwrap_or_default().to_owned(),
                documents: details["documents"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| {
                        d.as_str()?
                            .parse::<crate::domain::document::DocumentKind>()
                            .ok()
                    })
                    .map(|k| (k.names().0.to_owned(), k.names().1.to_owned()))
                    .collect(),
            });
        }
        CaseEvent::Withdrawn | CaseEvent::FilingReceived => {}
    }
    let now = time::now();
    let reminders = match &mail.evidence {
        Some(_) => evidence_reminders(conn, case, &sponsor, &mail, now)?,
        None => Vec::new(),
    };
    let mut rows = vec![outbox_row(
        event.kind(),
        "applicant",
        &case.email,
        Some(&case.id),
        Some(&sponsor.id),
        &messages::applicant_mail(&mail)?,
        now,
    )];
    if let Some(ics) = invitation(event, case, details) {
        rows[0].calendar = Some(ics);
    }
    if let (CaseEvent::InterviewScheduled, Some(at)) = (event, case.interview_at) {
        // Due two days before; none when the interview is nearer than that (the invitation
        // itself has just gone).
        let due = at - chrono::Duration::days(REMINDER_DAYS_BEFORE);
        if due > now {
            let mut reminder = mail.clone();
            reminder.event = CaseEvent::InterviewReminder;
            let mut row = outbox_row(
                CaseEvent::InterviewReminder.kind(),
                "applicant",
                &case.email,
                Some(&case.id),
                Some(&sponsor.id),
                &messages::applicant_mail(&reminder)?,
                now,
            );
            row.next_attempt_at = due;
            rows.push(row);
        }
    }
    if !employer_mail {
        // told once for the whole batch
    } else if sponsor.notify_mode == DAILY_DIGEST {
        outbox::insert_digest_items(
            conn,
            &[digest_line(&sponsor.id, &mail, &case.id, event.kind())],
        )?;
    } else {
        let employer = messages::employer_mail(&mail)?;
        for user in users::active_of_sponsor(conn, &sponsor.id)? {
            rows.push(outbox_row(
                EMPLOYER_EVENT,
                "employer",
                &user.email,
                Some(&case.id),
                Some(&sponsor.id),
                &employer,
                now,
            ));
        }
    }
    rows.extend(reminders);
    outbox::insert_many(conn, &rows)?;
    Ok(())
}

/// The applicant's calendar invitation for an interview mail: REQUEST when booked or moved,
/// CANCEL when called off (same UID, higher SEQUENCE).
fn invitation(event: CaseEvent, case: &CaseRow, details: &Value) -> Option<String> {
    use super::calendar::{self, Invitation, Method};
    // A decision or withdrawal that ended a booked interview carries its cancellation.
    let details = details.get("interview_cancelled").unwrap_or(details);
    let instant = |key: &str| {
        details[key]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let (method, starts, ends) = match event {
        CaseEvent::InterviewScheduled => (Method::Request, instant("at")?, instant("ends_at")?),
        CaseEvent::InterviewCancelled
        | CaseEvent::Withdrawn
        | CaseEvent::Refused
        | CaseEvent::Approved
        | CaseEvent::EstaAdvised => (Method::Cancel, instant("was_at")?, instant("was_until")?),
        _ => return None,
    };
    let name = format!("{} {}", case.given_name, case.family_name);
    Some(calendar::render(&Invitation {
        case_id: &case.id,
        receipt: &case.receipt_number,
        method,
        sequence: i32::try_from(details["sequence"].as_i64()?).ok()?,
        starts,
        ends,
        location: details["location"].as_str().unwrap_or_default(),
        attendee_name: &name,
        attendee_email: &case.email,
        stamp: time::from_stored(time::now()),
    }))
}

fn digest_line(sponsor_id: &str, mail: &CaseMail, case_id: &str, kind: &str) -> DigestItemRow {
    let (head_ko, head_en) = mail.event.headline();
    let mut ko = format!("{} ({}): {head_ko}", mail.name_for_ko(), mail.receipt);
    let mut en = format!("{} ({}): {head_en}", mail.name_en, mail.receipt);
    if let Some(e) = &mail.evidence {
        ko.push_str(&format!(" — {} (기한 {})", e.reason, e.due));
        en.push_str(&format!(" — {} (due {})", e.reason, e.due));
    }
    if let Some(i) = &mail.interview {
        ko.push_str(&format!(
            " — {} KST (서울 시간), {}",
            i.seoul_ko(),
            i.location
        ));
        en.push_str(&format!(
            " — {} KST (Seoul time), {}",
            i.seoul_en(),
            i.location
        ));
    }
    if let Some(d) = &mail.decision {
        ko.push_str(&format!(" — {}", d.route_id));
        en.push_str(&format!(" — {}", d.route_id));
    }
    if let Some(g) = mail.refusal_ground {
        ko.push_str(&format!(" — 근거: {}", g.citation));
        en.push_str(&format!(" — ground: {}", g.citation));
    }
    if let Some(r) = &mail.refusal_reason {
        ko.push_str(&format!(" — 사유: {r}"));
        en.push_str(&format!(" — reason: {r}"));
    }
    digest_item(sponsor_id, Some(case_id), kind, ko, en)
}

/// Queues the employer's one notice of a filing's interviews booked at once: a mail per
/// active employer user, or one digest line.
pub fn interviews_booked(
    conn: &mut DbConnection,
    sponsor_id: &str,
    project_id: &str,
    lines: Vec<messages::InterviewLine>,
    not_booked: usize,
) -> Result<(), NotifyError> {
    if lines.is_empty() {
        return Ok(());
    }
    let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(diesel::result::Error::NotFound)?;
    let project = projects::find(conn, project_id)?.ok_or(diesel::result::Error::NotFound)?;
    if sponsor.notify_mode == DAILY_DIGEST {
        let (first_ko, first_en) = lines
            .first()
            .map(|l| (l.seoul_ko(), l.seoul_en()))
            .unwrap_or_default();
        outbox::insert_digest_items(
            conn,
            &[digest_item(
                &sponsor.id,
                None,
                EMPLOYER_INTERVIEWS,
                format!(
                    "인터뷰 일정 확정: {}명, 프로젝트 {} (첫 인터뷰 {first_ko} KST)",
                    lines.len(),
                    project.name
                ),
                format!(
                    "Interviews booked: {} workers, project {} (first {first_en} KST)",
                    lines.len(),
                    project.name
                ),
            )],
        )?;
        return Ok(());
    }
    let mail = messages::interview_batch_mail(&messages::InterviewBatchMail {
        employer_en: sponsor.legal_name.clone(),
        employer_ko: sponsor.legal_name_ko.clone(),
        project: project.name.clone(),
        lines,
        not_booked,
    })?;
    let now = time::now();
    let rows: Vec<OutboxRow> = users::active_of_sponsor(conn, &sponsor.id)?
        .iter()
        .map(|u| {
            outbox_row(
                EMPLOYER_INTERVIEWS,
                "employer",
                &u.email,
                None,
                Some(&sponsor.id),
                &mail,
                now,
            )
        })
        .collect();
    outbox::insert_many(conn, &rows)?;
    Ok(())
}

/// Queues the mail telling the sponsor's employer users that the desk returned a document,
/// and why (always a mail of its own: a returned document is waited on).
pub fn document_rejected(
    conn: &mut DbConnection,
    document: &crate::db::documents::DocumentRow,
    kind: crate::domain::document::DocumentKind,
    reason: &str,
    links: Links<'_>,
) -> Result<(), NotifyError> {
    let (kind_en, kind_ko) = kind.names();
    let project =
        projects::find(conn, &document.project_id)?.ok_or(diesel::result::Error::NotFound)?;
    let (subject_en, subject_ko) = match &document.case_id {
        Some(case_id) => {
            let case =
                crate::db::cases::find(conn, case_id)?.ok_or(diesel::result::Error::NotFound)?;
            let name = format!("{} {}", case.given_name, case.family_name);
            (
                format!("{name}, case {} ({})", case.receipt_number, project.name),
                format!(
                    "{} 신청 건 {} ({})",
                    case.name_ko.clone().unwrap_or(name),
                    case.receipt_number,
                    project.name
                ),
            )
        }
        None => (
            format!("project {} (every worker sent under it)", project.name),
            format!("프로젝트 {} (소속 근로자 전체)", project.name),
        ),
    };
    let mail = messages::document_rejected_mail(&messages::DocumentRejectedMail {
        kind_en: kind_en.to_owned(),
        kind_ko: kind_ko.to_owned(),
        filename: document.filename.clone(),
        subject_en,
        subject_ko,
        reason: reason.to_owned(),
        url: match &document.case_id {
            Some(case_id) => links.case(case_id),
            None => links.project_filing(&document.project_id),
        },
    })?;
    let now = time::now();
    let rows: Vec<OutboxRow> = users::active_of_sponsor(conn, &document.sponsor_id)?
        .iter()
        .map(|user| {
            outbox_row(
                messages::DOCUMENT_REJECTED,
                "employer",
                &user.email,
                document.case_id.as_deref(),
                Some(&document.sponsor_id),
                &mail,
                now,
            )
        })
        .collect();
    outbox::insert_many(conn, &rows)?;
    Ok(())
}
