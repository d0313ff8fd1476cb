//! The case state machine: which action may happen in which state, by which role, and where
//! it leads. Pure data and functions; the service layer applies them in a transaction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{InvalidValue, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Filed,
    InReview,
    EvidenceRequested,
    EvidenceSubmitted,
    InterviewScheduled,
    /// INA 221(g): the interview is done; the case waits on further checks or documents.
    AdministrativeProcessing,
    Approved,
    /// ESTA-CIW "approved": no visa; the worker travels on ESTA with the desk's confirmation.
    EstaAdvised,
    Refused,
    Withdrawn,
    VisaIssued,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 11] = [
        CaseStatus::Filed,
        CaseStatus::InReview,
        CaseStatus::EvidenceRequested,
        CaseStatus::EvidenceSubmitted,
        CaseStatus::InterviewScheduled,
        CaseStatus::AdministrativeProcessing,
        CaseStatus::Approved,
        CaseStatus::EstaAdvised,
        CaseStatus::Refused,
        CaseStatus::Withdrawn,
        CaseStatus::VisaIssued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Filed => "filed",
            CaseStatus::InReview => "in_review",
            CaseStatus::EvidenceRequested => "evidence_requested",
            CaseStatus::EvidenceSubmitted => "evidence_submitted",
            CaseStatus::InterviewScheduled => "interview_scheduled",
            CaseStatus::AdministrativeProcessing => "administrative_processing",
            CaseStatus::Approved => "approved",
            CaseStatus::EstaAdvised => "esta_advised",
            CaseStatus::Refused => "refused",
            CaseStatus::Withdrawn => "withdrawn",
            CaseStatus::VisaIssued => "visa_issued",
        }
    }

    /// No further decision can be made (a visa may still be issued on an approval).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Refused | CaseStatus::Withdrawn | CaseStatus::VisaIssued
        )
    }

    /// The canonical public message, (English, Korean), shown to applicants.
    pub fn public_message(self) -> (&'static str, &'static str) {
        match self {
            CaseStatus::Filed => ("We have received your case.", "신청서가 접수되었습니다."),
            CaseStatus::InReview | CaseStatus::EvidenceSubmitted => (
                "Your case is being reviewed.",
                "신청서를 심사하고 있습니다.",
            ),
            CaseStatus::EvidenceRequested => (
                "We have asked your employer for more evidence.",
                "고용주에게 추가 서류를 요청했습니다.",
            ),
            CaseStatus::InterviewScheduled => (
                "Your interview has been scheduled.",
                "인터뷰 일정이 잡혔습니다.",
            ),
            CaseStatus::AdministrativeProcessing => (
                "Your interview is done. Your case is in administrative processing (INA 221(g)): it waits on further checks or documents. You need do nothing unless the desk asks for documents.",
                "인터뷰를 마쳤습니다. 신청 건은 행정 처리 중입니다(이민국적법 제221조(g)). 추가 확인이나 서류를 기다리고 있으며, 데스크가 서류를 요청하지 않는 한 따로 하실 일은 없습니다.",
            ),
            CaseStatus::Approved => ("Your case has been approved.", "신청이 승인되었습니다."),
            CaseStatus::EstaAdvised => (
                "No visa is needed: you may travel on ESTA for these activities. Carry the desk's confirmation.",
                "비자가 필요하지 않습니다. 이 활동은 ESTA로 입국할 수 있습니다. 데스크의 확인서를 지참하십시오.",
            ),
            CaseStatus::Refused => ("Your case has been refused.", "신청이 거절되었습니다."),
            CaseStatus::Withdrawn => ("Your case has been withdrawn.", "신청이 철회되었습니다."),
            CaseStatus::VisaIssued => ("Your visa has been issued.", "비자가 발급되었습니다."),
        }
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseStatus {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        CaseStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "must be one of {}",
                    CaseStatus::ALL.map(|c| c.as_str()).join(", ")
                ))
            })
    }
}

/// The kinds of action on a case (their fields are parsed by the service layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Assign,
    StartReview,
    RequestEvidence,
    SubmitEvidence,
    ScheduleInterview,
    Approve,
    Refuse,
    Withdraw,
    IssueVisa,
    /// Changes part of the facts, with a reason; the case is re-evaluated.
    AmendFacts,
    /// The desk confirms an evidence rule's document on the case; the case is re-evaluated.
    ConfirmEvidence,
    /// The desk moves a booked interview to another slot.
    Reschedule,
    /// The employer asks the desk to move the interview (reason, preferred dates).
    RequestReschedule,
    /// The desk calls the interview off; the case goes back to review.
    CancelInterview,
    /// The applicant did not come; the case goes back to review with a note.
    RecordNoShow,
    /// After the interview: INA 221(g) administrative processing (checks or documents).
    AdministrativeProcessing,
}

use CaseStatus as S;

const OPEN: &[CaseStatus] = &[
    S::Filed,
    S::InReview,
    S::EvidenceRequested,
    S::EvidenceSubmitted,
    S::InterviewScheduled,
    S::AdministrativeProcessing,
];

impl ActionKind {
    pub const ALL: [ActionKind; 16] = [
        ActionKind::Assign,
        ActionKind::StartReview,
        ActionKind::RequestEvidence,
        ActionKind::SubmitEvidence,
        ActionKind::ScheduleInterview,
        ActionKind::Approve,
        ActionKind::Refuse,
        ActionKind::Withdraw,
        ActionKind::IssueVisa,
        ActionKind::AmendFacts,
        ActionKind::ConfirmEvidence,
        ActionKind::Reschedule,
        ActionKind::RequestReschedule,
        ActionKind::CancelInterview,
        ActionKind::RecordNoShow,
        ActionKind::AdministrativeProcessing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Assign => "assign",
            ActionKind::StartReview => "start_review",
            ActionKind::RequestEvidence => "request_evidence",
            ActionKind::SubmitEvidence => "submit_evidence",
            ActionKind::ScheduleInterview => "schedule_interview",
            ActionKind::Approve => "approve",
            ActionKind::Refuse => "refuse",
            ActionKind::Withdraw => "withdraw",
            ActionKind::IssueVisa => "issue_visa",
            ActionKind::AmendFacts => "amend_facts",
            ActionKind::ConfirmEvidence => "confirm_evidence",
            ActionKind::Reschedule => "reschedule",
            ActionKind::RequestReschedule => "request_reschedule",
            ActionKind::CancelInterview => "cancel_interview",
            ActionKind::RecordNoShow => "record_no_show",
            ActionKind::AdministrativeProcessing => "administrative_processing",
        }
    }

    /// States the action may start from.
    pub fn sources(self) -> &'static [CaseStatus] {
        match self {
            ActionKind::Assign => OPEN,
            ActionKind::StartReview => &[S::Filed, S::EvidenceSubmitted, S::InterviewScheduled],
            ActionKind::RequestEvidence => &[S::InReview, S::InterviewScheduled],
            ActionKind::SubmitEvidence => &[S::EvidenceRequested],
            ActionKind::ScheduleInterview => &[S::InReview, S::EvidenceSubmitted],
            ActionKind::Approve => &[
                S::InReview,
                S::InterviewScheduled,
                S::AdministrativeProcessing,
            ],
            ActionKind::Refuse => &[
                S::InReview,
                S::EvidenceRequested,
                S::EvidenceSubmitted,
                S::InterviewScheduled,
                S::AdministrativeProcessing,
            ],
            // Until the visa is issued the sponsor may still call the trip off.
            ActionKind::Withdraw => &[
                S::Filed,
                S::InReview,
                S::EvidenceRequested,
                S::EvidenceSubmitted,
                S::InterviewScheduled,
                S::AdministrativeProcessing,
                S::Approved,
                S::EstaAdvised,
            ],
            ActionKind::IssueVisa => &[S::Approved],
            // Until a decision: facts change and evidence is confirmed only on open cases.
            ActionKind::AmendFacts | ActionKind::ConfirmEvidence => OPEN,
            ActionKind::Reschedule
            | ActionKind::RequestReschedule
            | ActionKind::CancelInterview
            | ActionKind::RecordNoShow
            | ActionKind::AdministrativeProcessing => &[S::InterviewScheduled],
        }
    }

    /// Where the action leads; `None` keeps the state (assignment).
    pub fn target(self) -> Option<CaseStatus> {
        match self {
            ActionKind::Assign => None,
            ActionKind::StartReview => Some(S::InReview),
            ActionKind::RequestEvidence => Some(S::EvidenceRequested),
            ActionKind::SubmitEvidence => Some(S::EvidenceSubmitted),
            ActionKind::ScheduleInterview => Some(S::InterviewScheduled),
            ActionKind::Approve => Some(S::Approved),
            ActionKind::Refuse => Some(S::Refused),
            ActionKind::Withdraw => Some(S::Withdrawn),
            ActionKind::IssueVisa => Some(S::VisaIssued),
            ActionKind::AmendFacts
            | ActionKind::ConfirmEvidence
            | ActionKind::Reschedule
            | ActionKind::RequestReschedule => None,
            ActionKind::CancelInterview | ActionKind::RecordNoShow => Some(S::InReview),
            ActionKind::AdministrativeProcessing => Some(S::AdministrativeProcessing),
        }
    }

    /// Roles that may take the action (the sponsor check for employers is the service's).
    pub fn roles(self) -> &'static [Role] {
        match self {
            ActionKind::SubmitEvidence | ActionKind::RequestReschedule => &[Role::Employer],
            ActionKind::Withdraw | ActionKind::AmendFacts => {
                &[Role::Employer, Role::Officer, Role::Supervisor]
            }
            _ => &[Role::Officer, Role::Supervisor],
        }
    }

    pub fn allowed_from(self, status: CaseStatus) -> bool {
        self.sources().contains(&status)
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Actions `role` may take on a case in `status`, in a stable order.
pub fn allowed_actions(status: CaseStatus, role: Role) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|a| a.allowed_from(status) && a.roles().contains(&role))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_is_allowed() {
        let path = [
            (S::Filed, ActionKind::StartReview),
            (S::InReview, ActionKind::RequestEvidence),
            (S::EvidenceRequested, ActionKind::SubmitEvidence),
            (S::EvidenceSubmitted, ActionKind::StartReview),
            (S::InReview, ActionKind::ScheduleInterview),
            (S::InterviewScheduled, ActionKind::Approve),
            (S::Approved, ActionKind::IssueVisa),
        ];
        let mut state = S::Filed;
        for (from, action) in path {
            assert_eq!(state, from);
            assert!(action.allowed_from(state), "{action} from {state}");
            state = action.target().unwrap();
        }
        assert_eq!(state, S::VisaIssued);
    }

    #[test]
    fn final_states_allow_nothing() {
        for status in [S::Refused, S::Withdrawn, S::VisaIssued] {
            for role in Role::ALL {
                assert!(allowed_actions(status, role).is_empty(), "{status} {role}");
            }
        }
    }

    #[test]
    fn employers_only_submit_evidence_ask_for_another_interview_and_withdraw() {
        for status in CaseStatus::ALL {
            for action in allowed_actions(status, Role::Employer) {
                assert!(matches!(
                    action,
                    ActionKind::SubmitEvidence
                        | ActionKind::Withdraw
                        | ActionKind::AmendFacts
                        | ActionKind::RequestReschedule
                ));
            }
        }
        assert!(allowed_actions(S::Filed, Role::Admin).is_empty());
    }

    #[test]
    fn decisions_need_a_review_first() {
        assert!(!ActionKind::Approve.allowed_from(S::Filed));
        assert!(!ActionKind::Refuse.allowed_from(S::Filed));
        assert!(!ActionKind::IssueVisa.allowed_from(S::InReview));
    }

    #[test]
    fn status_names_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(s.as_str().parse::<CaseStatus>().unwrap(), s);
        }
    }
}
