//! The overstay check: a trip recorded past its admit-until date tells the desk, and only the
//! desk decides what it means.
//!
//! - **Detection.** When a trip is recorded, imported or closed with an exit after its
//!   admit-until date, and by the housekeeping sweep when an open trip's date passes, an alert
//!   is stored (one per trip), written to the audit trail, and mailed to the case's assigned
//!   officer (to the supervisors while nobody is assigned). The queue shows the case flagged
//!   (`overstay=open` filters it).
//! - **Never a finding by itself.** A late exit has innocent readings: a side trip, an
//!   extension of stay, a date typed wrong. The alert stays `open` until an officer or
//!   supervisor records `violation` or `no_violation` with a reason. With a violation the
//!   officer may, in the same step, amend the worker's open cases (same passport, any sponsor)
//!   to declare `applicant.prior_us_violation`, which the rules then read.
//! - **Who.** The desk only: employers and administrators get 403. The alert never reaches
//!   the employer or the applicant.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::cases::{apply_action_in, load_visible, CaseAction};
use super::{audit, AppContext, FieldErrors, ServiceError};
use crate::db::cases::CaseRow;
use crate::db::overstay::{self as alerts, AlertRow};
use crate::db::trips::{self, TripRow};
use crate::db::{self as database, outbox, sponsors, users, DbConnection};
use crate::domain::case::{ActionKind, CaseStatus};
use crate::domain::presence;
use crate::domain::{time, Role};
use crate::notify::desk_mail::{overstay_alert_mail, OverstayAlertMail, OVERSTAY_ALERT};
use crate::notify::enqueue::{outbox_row, Links};

/// An overstay alert as the desk reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: String,
    pub case_id: String,
    pub trip_id: String,
    pub admission_class: String,
    pub entry_date: NaiveDate,
    /// Empty while the trip is open.
    pub exit_date: Option<NaiveDate>,
    pub admitted_until: NaiveDate,
    /// `exit_after` (the exit is after the admit-until date) or `open_past` (no exit recorded
    /// and the date has passed).
    pub kind: String,
    /// Days after the admit-until date: to the exit, or to today while the trip is open.
    pub days_over: i64,
    /// The desk's date when the alert was raised.
    pub detected_on: NaiveDate,
    /// `open` until the desk records its finding: `violation` or `no_violation`.
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertList {
    pub items: Vec<AlertView>,
}

/// The desk's finding on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Violation,
    NoViolation,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Violation => "violation",
            Finding::NoViolation => "no_violation",
        }
    }
}

/// `POST /api/v1/overstay-alerts/{id}/finding`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFinding {
    pub finding: Finding,
    /// Why: what the officer checked (required).
    pub reason: String,
    /// With `violation`: also declare `applicant.prior_us_violation` on the worker's cases
    /// still open to amendment (same passport, any sponsor), with the same reason.
    #[serde(default)]
    pub amend_open_cases: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingOutcome {
    pub alert: AlertView,
    /// Receipt numbers of the cases amended to declare the violation.
    pub amended_cases: Vec<String>,
}

fn require_desk(user: &AuthUser) -> Result<(), ServiceError> {
    match user.role {
        Role::Officer | Role::Supervisor => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "overstay alerts are for the desk's officers and supervisors".into(),
        )),
    }
}

fn view(row: AlertRow, trip: Option<&TripRow>, today: NaiveDate) -> AlertView {
    let exit = trip.and_then(|t| t.exit_date);
    let days_over = presence::overstay(exit, row.admitted_until, today).map_or(0, |o| o.days_over);
    AlertView {
        admission_class: trip.map(|t| t.admission_class.clone()).unwrap_or_default(),
        entry_date: trip.map_or(row.detected_on, |t| t.entry_date),
        exit_date: exit,
        days_over,
        id: row.id,
        case_id: row.case_id,
        trip_id: row.trip_id,
        admitted_until: row.admitted_until,
        kind: row.kind,
        detected_on: row.detected_on,
        status: row.status,
        reason: row.reason,
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(time::from_stored),
    }
}

/// Raises the alert a trip owes, if it went past its admit-until date and has none yet, with
/// its audit row and the mail to the desk, inside the caller's transaction. True when raised.
pub(crate) fn check_trip(
    conn: &mut DbConnection,
    ctx: &AppContext,
    case: &CaseRow,
    trip: &TripRow,
) -> Result<bool, ServiceError> {
    let today = ctx.today();
    let Some(until) = trip.admitted_until else {
        return Ok(false);
    };
    let Some(over) = presence::overstay(trip.exit_date, until, today) else {
        return Ok(false);
    };
    let row = AlertRow {
        id: Uuid::now_v7().to_string(),
        case_id: case.id.clone(),
        trip_id: trip.id.clone(),
        admitted_until: until,
        kind: over.kind.as_str().to_owned(),
        detected_on: today,
        status: "open".into(),
        reason: None,
        decided_by: None,
        decided_at: None,
        created_at: time::now(),
    };
    if !alerts::insert(conn, &row)? {
        return Ok(false);
    }
    crate::db::cases::set_overstay_open(conn, &case.id, true)?;
    database::audit::append(
        conn,
        &[audit::entry(
            None,
            "case.overstay_detected",
            Some(&case.id),
            Some(&row.id),
            json!({"trip": trip.id, "admitted_until": until, "kind": row.kind, "days_over": over.days_over}),
        )],
    )?;
    tell_the_desk(conn, ctx, case, trip, &row, over.days_over)?;
    Ok(true)
}

/// The alert's mail: to the assigned officer, or to every supervisor while nobody is.
fn tell_the_desk(
    conn: &mut DbConnection,
    ctx: &AppContext,
    case: &CaseRow,
    trip: &TripRow,
    alert: &AlertRow,
    days_over: i64,
) -> Result<(), ServiceError> {
    let assignee = match &case.assignee_id {
        Some(id) => users::find(conn, id)?
            .filter(|u| !u.disabled && matches!(u.role.as_str(), "officer" | "supervisor")),
        None => None,
    };
    let recipients = match assignee {
        Some(user) => vec![user],
        None => users::active_with_role(conn, Role::Supervisor.as_str())?,
    };
    let sponsor = sponsors::find(conn, &case.sponsor_id)?
        .map(|s| s.legal_name)
        .unwrap_or_default();
    let mail = overstay_alert_mail(&OverstayAlertMail {
        receipt_number: case.receipt_number.clone(),
        worker: format!("{} {}", case.family_name, case.given_name),
        sponsor,
        admitted_until: alert.admitted_until,
        kind: alert.kind.clone(),
        exit_date: trip.exit_date,
        days_over,
        detected_on: alert.detected_on,
        url: Links(&ctx.settings.public_url).case(&case.id),
    })
    .map_err(|e| ServiceError::Internal(format!("overstay mail: {e}")))?;
    let now = time::now();
    let rows: Vec<_> = recipients
        .iter()
        .map(|u| {
            outbox_row(
                OVERSTAY_ALERT,
                "staff",
                &u.email,
                Some(&case.id),
                None,
                &mail,
                now,
            )
        })
        .collect();
    outbox::insert_many(conn, &rows)?;
    Ok(())
}

/// The housekeeping sweep: raises the alerts of open trips whose admit-until date has passed
/// since they were recorded. Returns how many were raised.
pub fn sweep(conn: &mut DbConnection, ctx: &AppContext) -> Result<usize, ServiceError> {
    let today = ctx.today();
    let mut raised = 0;
    loop {
        let due = trips::open_past_admission(conn, today, 200)?;
        if due.is_empty() {
            return Ok(raised);
        }
        for trip in &due {
            let case = crate::db::cases::find(conn, &trip.case_id)?
                .ok_or(ServiceError::NotFound("case"))?;
            if database::write_tx(conn, |conn| check_trip(conn, ctx, &case, trip))? {
                raised += 1;
            }
        }
    }
}

/// `GET /api/v1/cases/{id}/overstay-alerts`: the desk only.
pub fn list(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<AlertList, ServiceError> {
    require_desk(user)?;
    let case = load_visible(conn, user, case_id)?;
    let today = ctx.today();
    let trips = trips::for_case(conn, &case.id)?;
    Ok(AlertList {
        items: alerts::for_case(conn, &case.id)?
            .into_iter()
            .map(|a| {
                let trip = trips.iter().find(|t| t.id == a.trip_id);
                view(a, trip, today)
            })
            .collect(),
    })
}

/// Of `case_ids`, those with an alert awaiting the desk's finding (the queue's flag).
pub fn flagged(
    conn: &mut DbConnection,
    case_ids: &[String],
) -> Result<std::collections::HashSet<String>, ServiceError> {
    Ok(alerts::cases_with_open(conn, case_ids)?
        .into_iter()
        .collect())
}

/// Records the desk's finding on an open alert, with its reason; with a violation and
/// `amend_open_cases`, declares the violation on the worker's cases still open to amendment.
pub fn decide(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    alert_id: &str,
    input: NewFinding,
) -> Result<FindingOutcome, ServiceError> {
    require_desk(user)?;
    let mut errors = FieldErrors::new();
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        errors.add("reason", "is required: record why");
    } else if reason.chars().count() > 4000 {
        errors.add("reason", "must be at most 4000 characters");
    }
    if input.amend_open_cases && input.finding != Finding::Violation {
        errors.add(
            "amend_open_cases",
            "only a violation is declared on the worker's cases",
        );
    }
    errors.finish()?;
    let today = ctx.today();
    database::write_tx(conn, |conn| {
        let alert =
            alerts::find(conn, alert_id)?.ok_or(ServiceError::NotFound("overstay alert"))?;
        let case = load_visible(conn, user, &alert.case_id)?;
        if alert.status != "open" {
            return Err(ServiceError::Conflict {
                code: "alert_decided",
                message: format!("the desk already recorded a finding: {}", alert.status),
                details: None,
            });
        }
        let now = time::now();
        if !alerts::decide(
            conn,
            &alert.id,
            input.finding.as_str(),
            &reason,
            &user.id,
            now,
        )? {
            return Err(ServiceError::Conflict {
                code: "alert_decided",
                message: "another officer recorded a finding first".into(),
                details: None,
            });
        }
        let still_open = !alerts::cases_with_open(conn, std::slice::from_ref(&case.id))?.is_empty();
        crate::db::cases::set_overstay_open(conn, &case.id, still_open)?;
        let mut amended_cases = Vec::new();
        if input.amend_open_cases {
            for (id, receipt, _, status) in trips::cases_of_passport(conn, &case.passport_index)? {
                let open = status
                    .parse::<CaseStatus>()
                    .is_ok_and(|s| ActionKind::AmendFacts.allowed_from(s));
                if !open {
                    continue;
                }
                let row =
                    crate::db::cases::find(conn, &id)?.ok_or(ServiceError::NotFound("case"))?;
                apply_action_in(
                    conn,
                    ctx,
                    user,
                    &id,
                    row.version,
                    CaseAction::AmendFacts {
                        facts: json!({"applicant": {"prior_us_violation": true}}),
                        // the employers of the worker's other cases read this: it names no
                        // other case and none of the desk's reasoning
                        reason: "The desk found a prior U.S. immigration violation (a stay past the admit-until date).".into(),
                    },
                    true,
                )?;
                amended_cases.push(receipt);
            }
        }
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "case.overstay_finding",
                Some(&case.id),
                Some(&alert.id),
                json!({"finding": input.finding.as_str(), "reason": reason, "amended_cases": amended_cases}),
            )],
        )?;
        let decided =
            alerts::find(conn, &alert.id)?.ok_or(ServiceError::NotFound("overstay alert"))?;
        let trip = trips::find(conn, &case.id, &decided.trip_id)?;
        Ok(FindingOutcome {
            alert: view(decided, trip.as_ref(), today),
            amended_cases,
        })
    })
}
