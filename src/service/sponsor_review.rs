//! Sponsor verification: the desk's checklist per sponsor and its decision.
//!
//! - Four items, each with its finding (`confirmed`, `not_applicable`, `problem`), a note
//!   and, where it fits, a document of the sponsor: the business registration number checks
//!   out; Korean ownership is evidenced; treaty-investor registration (only where claimed:
//!   `not_applicable` is allowed for a sponsor that does not claim it); the authorised
//!   signatory.
//! - `verify` needs every item found `confirmed` (or `not_applicable` where allowed);
//!   `reject` and `request_information` need a reason. Each decision is audited with its
//!   reason and mailed to the sponsor's enabled managers in Korean and English through the
//!   outbox, in the same transaction. Only verified sponsors file, as before.
//!
//! Desk staff (officers, supervisors) only.

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::sponsors::SponsorView;
use super::{audit, FieldErrors, ServiceError};
use crate::db::sponsor_review::{self as review, CheckRow, DecisionRow};
use crate::db::{self as database, documents, sponsors, users, DbConnection};
use crate::domain::time;
use crate::notify::account_mail::{sponsor_decision_mail, SponsorDecisionMail, SPONSOR_DECISION};
use crate::notify::enqueue::{outbox_row, Links};

/// One item of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckItem {
    BusinessRegistration,
    KoreanOwnership,
    TreatyInvestor,
    AuthorisedSignatory,
}

impl CheckItem {
    pub const ALL: [CheckItem; 4] = [
        CheckItem::BusinessRegistration,
        CheckItem::KoreanOwnership,
        CheckItem::TreatyInvestor,
        CheckItem::AuthorisedSignatory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckItem::BusinessRegistration => "business_registration",
            CheckItem::KoreanOwnership => "korean_ownership",
            CheckItem::TreatyInvestor => "treaty_investor",
            CheckItem::AuthorisedSignatory => "authorised_signatory",
        }
    }

    pub fn parse(s: &str) -> Option<CheckItem> {
        CheckItem::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// (English, Korean)
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            CheckItem::BusinessRegistration => (
                "The business registration number checks out",
                "사업자등록번호가 확인됨",
            ),
            CheckItem::KoreanOwnership => {
                ("Korean ownership is evidenced", "한국인 소유 지분이 입증됨")
            }
            CheckItem::TreatyInvestor => (
                "Treaty-investor registration, where claimed",
                "조약 투자자 등록(해당하는 경우)",
            ),
            CheckItem::AuthorisedSignatory => ("The authorised signatory", "권한 있는 서명인"),
        }
    }
}

/// What the desk found for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Confirmed,
    /// Only for the treaty-investor item of a sponsor that does not claim it.
    NotApplicable,
    Problem,
}

impl CheckOutcome {
    fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Confirmed => "confirmed",
            CheckOutcome::NotApplicable => "not_applicable",
            CheckOutcome::Problem => "problem",
        }
    }

    fn parse(s: &str) -> Option<CheckOutcome> {
        [
            CheckOutcome::Confirmed,
            CheckOutcome::NotApplicable,
            CheckOutcome::Problem,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// A finding as recorded.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    pub outcome: CheckOutcome,
    /// What was checked and how (1 to 2,000 characters).
    pub note: String,
    /// A document of this sponsor (a project's or a case's) that evidences the item.
    #[serde(default)]
    pub document_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    pub item: CheckItem,
    pub title_en: &'static str,
    pub title_ko: &'static str,
    /// None until the desk records a finding.
    pub outcome: Option<CheckOutcome>,
    pub note: Option<String>,
    pub document_id: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub sponsor_id: String,
    pub status: String,
    /// Every item is confirmed (or not applicable where allowed): the sponsor can be verified.
    pub complete: bool,
    pub items: Vec<ChecklistItem>,
    /// The latest decision's reason (rejection, information requested), if any.
    pub decision_reason: Option<String>,
}

fn require_desk(actor: &AuthUser) -> Result<(), ServiceError> {
    if actor.role.is_desk() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only desk officers verify sponsors".into(),
        ))
    }
}

fn load(conn: &mut DbConnection, sponsor_id: &str) -> Result<Checklist, ServiceError> {
    let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    let rows = review::checks(conn, sponsor_id)?;
    let items: Vec<ChecklistItem> = CheckItem::ALL
        .into_iter()
        .map(|item| {
            let (title_en, title_ko) = item.titles();
            let row = rows.iter().find(|r| r.item == item.as_str());
            ChecklistItem {
                item,
                title_en,
                title_ko,
                outcome: row.and_then(|r| CheckOutcome::parse(&r.outcome)),
                note: row.map(|r| r.note.clone()),
                document_id: row.and_then(|r| r.document_id.clone()),
                checked_by: row.map(|r| r.checked_by.clone()),
                checked_at: row.map(|r| time::from_stored(r.checked_at)),
            }
        })
        .collect();
    let complete = items.iter().all(|i| {
        matches!(
            i.outcome,
            Some(CheckOutcome::Confirmed | CheckOutcome::NotApplicable)
        )
    });
    let decision_reason = review::latest_decision(conn, sponsor_id)?.and_then(|d| d.reason);
    Ok(Checklist {
        sponsor_id: sponsor.id,
        status: sponsor.status,
        complete,
        items,
        decision_reason,
    })
}

/// The sponsor's checklist (desk).
pub fn checklist(
    conn: &mut DbConnection,
    actor: &AuthUser,
    sponsor_id: &str,
) -> Result<Checklist, ServiceError> {
    require_desk(actor)?;
    load(conn, sponsor_id)
}

/// Records the desk's finding on one item (desk), audited.
pub fn record_check(
    conn: &mut DbConnection,
    actor: &AuthUser,
    sponsor_id: &str,
    item: CheckItem,
    input: CheckInput,
) -> Result<Checklist, ServiceError> {
    require_desk(actor)?;
    let mut errors = FieldErrors::new();
    let note = input.note.trim().to_owned();
    match note.chars().count() {
        0 => errors.add("note", "is required: say what was checked and how"),
        n if n > 2000 => errors.add("note", "must be at most 2000 characters"),
        _ => {}
    }
    let document_id = match input.document_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => errors.check(
            "document_id",
            Uuid::parse_str(raw)
                .map(|u| u.to_string())
                .map_err(|_| "must be a document id (UUID)"),
        ),
    };
    errors.finish()?;
    database::write_tx(conn, |conn| {
        let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        if sponsor.status == "verified" {
            return Err(ServiceError::conflict(
                "already_verified",
                "the sponsor is verified; its checklist is closed",
            ));
        }
        let may_not_apply = item == CheckItem::TreatyInvestor && !sponsor.treaty_investor;
        if input.outcome == CheckOutcome::NotApplicable && !may_not_apply {
            return Err(ServiceError::validation(
                "outcome",
                "not_applicable fits only the treaty-investor item of a sponsor that does not claim to be one",
            ));
        }
        if let Some(doc) = &document_id {
            let belongs = documents::find(conn, doc)?.is_some_and(|d| d.sponsor_id == sponsor_id);
            if !belongs {
                return Err(ServiceError::validation(
                    "document_id",
                    "no document of this sponsor has this id",
                ));
            }
        }
        let now = time::now();
        review::put_check(
            conn,
            &CheckRow {
                sponsor_id: sponsor_id.to_owned(),
                item: item.as_str().to_owned(),
                outcome: input.outcome.as_str().to_owned(),
                note: note.clone(),
                document_id: document_id.clone(),
                checked_by: actor.id.clone(),
                checked_at: now,
            },
        )?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(actor),
                "sponsor.check_recorded",
                None,
                Some(sponsor_id),
                json!({"item": item.as_str(), "outcome": input.outcome.as_str(), "note": note, "document_id": document_id}),
            )],
        )?;
        load(conn, sponsor_id)
    })
}

/// The desk's decision on a sponsor.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case", deny_unknown_fields)]
pub enum SponsorDecision {
    Verify,
    Reject { reason: String },
    RequestInformation { reason: String },
}

/// Verifies, rejects or asks for more (desk): audited, and mailed to the sponsor's enabled
/// managers in Korean and English, in one transaction.
pub fn decide(
    conn: &mut DbConnection,
    public_url: &str,
    actor: &AuthUser,
    sponsor_id: &str,
    decision: SponsorDecision,
) -> Result<SponsorView, ServiceError> {
    require_desk(actor)?;
    let (status, reason) = match &decision {
        SponsorDecision::Verify => ("verified", None),
        SponsorDecision::Reject { reason } => ("rejected", Some(reason)),
        SponsorDecision::RequestInformation { reason } => ("information_requested", Some(reason)),
    };
    let reason = match reason {
        Some(r) => Some(
            crate::domain::text::check_line(r, 4000)
                .map_err(|e| ServiceError::validation("reason", e.to_string()))?,
        ),
        None => None,
    };
    database::write_tx(conn, |conn| {
        let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        if sponsor.status == "verified" {
            return Err(ServiceError::conflict(
                "already_verified",
                "the sponsor is already verified",
            ));
        }
        let now = time::now();
        if status == "verified" {
            let list = load(conn, sponsor_id)?;
            if !list.complete {
                let open: Vec<&str> = list
                    .items
                    .iter()
                    .filter(|i| {
                        !matches!(
                            i.outcome,
                            Some(CheckOutcome::Confirmed | CheckOutcome::NotApplicable)
                        )
                    })
                    .map(|i| i.item.as_str())
                    .collect();
                return Err(ServiceError::Conflict {
                    code: "checklist_incomplete",
                    message: format!(
                        "every checklist item must be confirmed first; open: {}",
                        open.join(", ")
                    ),
                    details: Some(json!({"open_items": open})),
                });
            }
            sponsors::mark_verified(conn, sponsor_id, &actor.id, now)?;
        } else {
            review::set_status(conn, sponsor_id, status, now)?;
        }
        review::insert_decision(
            conn,
            &DecisionRow {
                id: Uuid::now_v7().to_string(),
                sponsor_id: sponsor_id.to_owned(),
                decision: status.to_owned(),
                reason: reason.clone(),
                decided_by: actor.id.clone(),
                decided_at: now,
            },
        )?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(actor),
                &format!("sponsor.{status}"),
                None,
                Some(sponsor_id),
                json!({"before": {"status": sponsor.status}, "after": {"status": status}, "reason": reason}),
            )],
        )?;
        let mail = sponsor_decision_mail(&SponsorDecisionMail {
            decision: status.to_owned(),
            sponsor_en: sponsor.legal_name.clone(),
            sponsor_ko: sponsor.legal_name_ko.clone(),
            reason: reason.clone(),
            url: Links(public_url).employer(),
        })
        .map_err(|e| ServiceError::Internal(format!("sponsor decision mail: {e}")))?;
        let rows: Vec<_> = users::active_managers(conn, sponsor_id)?
            .iter()
            .map(|m| {
                outbox_row(
                    SPONSOR_DECISION,
                    "employer",
                    &m.email,
                    None,
                    Some(sponsor_id),
                    &mail,
                    now,
                )
            })
            .collect();
        crate::db::outbox::insert_many(conn, &rows)?;
        let row = sponsors::find(conn, sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        Ok(row.into())
    })
}

/// Records every item as confirmed with `note` (the demo seed's desk, which has checked
/// nothing real; never reached from HTTP).
pub fn confirm_all_for_demo(
    conn: &mut DbConnection,
    actor: &AuthUser,
    sponsor_id: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    for item in CheckItem::ALL {
        let outcome = if item == CheckItem::TreatyInvestor && !sponsor.treaty_investor {
            CheckOutcome::NotApplicable
        } else {
            CheckOutcome::Confirmed
        };
        record_check(
            conn,
            actor,
            sponsor_id,
            item,
            CheckInput {
                outcome,
                note: note.to_owned(),
                document_id: None,
            },
        )?;
    }
    Ok(())
}
