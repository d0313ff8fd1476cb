//! A worker's trips to the United States and the days present they add up to.
//!
//! - Recording: the case's own sponsor (its employer users, or the prime that files for it)
//!   and the desk record trips on a case; another sponsor gets 404, admins 403.
//! - One worker across cases: trips carry the case's passport blind index, so the desk sees a
//!   worker's trips from every case and sponsor together. An employer sees the trips of the
//!   case it reads and nothing else: it never learns that another sponsor filed the same
//!   passport.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::cases::load_visible;
use super::{access, audit, AppContext, FieldErrors, ServiceError};
use crate::db::cases::CaseRow;
use crate::db::trips::{self, TripRow};
use crate::db::{self as database, DbConnection};
use crate::domain::presence::{self, AdmissionClass, Stay};
use crate::domain::{text, time, Role};

/// `POST /api/v1/cases/{id}/trips`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrip {
    /// The class of admission as on the I-94 (`B1`, `WB`, `E2`…).
    pub admission_class: String,
    pub entry_date: NaiveDate,
    /// Empty while the worker is in the U.S.
    pub exit_date: Option<NaiveDate>,
    /// Port of entry, as on the I-94 (`ATL`, `Atlanta`…).
    pub port: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TripView {
    pub id: String,
    pub case_id: String,
    pub admission_class: String,
    pub entry_date: NaiveDate,
    pub exit_date: Option<NaiveDate>,
    pub port: Option<String>,
    /// `entered` or `i94_import`.
    pub source: String,
    /// Days in the U.S. on this trip (entry and exit days included; an open trip to today).
    pub days: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TripList {
    pub items: Vec<TripView>,
}

/// `GET /api/v1/cases/{id}/presence`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PresenceView {
    /// Calendar days in the U.S. in the 365 days ending today (the desk's date).
    pub days_in_us_last_365: i64,
    /// The same days by class of admission (they add up to the total).
    pub days_by_class: BTreeMap<String, i64>,
    pub trips: Vec<TripView>,
    /// A trip without an exit: the worker is in the U.S. now.
    pub open_trip: bool,
    /// Desk only: the worker's other cases (same passport), with any sponsor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_cases: Option<Vec<WorkerCase>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkerCase {
    pub id: String,
    pub receipt_number: String,
    pub sponsor_id: String,
    pub status: String,
}

fn parse(
    input: &NewTrip,
    today: NaiveDate,
) -> Result<(AdmissionClass, Option<String>), ServiceError> {
    let mut errors = FieldErrors::new();
    let class = errors.check(
        "admission_class",
        AdmissionClass::parse(&input.admission_class),
    );
    if input.entry_date > today {
        errors.add(
            "entry_date",
            "a trip is recorded once it has begun (not in the future)",
        );
    }
    if let Some(exit) = input.exit_date {
        if exit < input.entry_date {
            errors.add("exit_date", "must be on or after the entry date");
        } else if exit > today {
            errors.add("exit_date", "leave it empty until the worker has left");
        }
    }
    let port = input
        .port
        .as_deref()
        .map(text::one_line)
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    if port.as_ref().is_some_and(|p| p.chars().count() > 60) {
        errors.add("port", "at most 60 characters");
    }
    errors.finish()?;
    match class {
        Some(class) => Ok((class, port)),
        None => Err(ServiceError::Internal("class parsed without error".into())),
    }
}

/// May `user` record trips on `row`? The desk, or the case's sponsor (or its prime).
fn may_record(conn: &mut DbConnection, user: &AuthUser, row: &CaseRow) -> Result<(), ServiceError> {
    match user.role {
        Role::Officer | Role::Supervisor => Ok(()),
        Role::Employer if access::may_file_for(conn, user, &row.sponsor_id)? => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "trips are recorded by the case's sponsor or the desk".into(),
        )),
    }
}

fn view(row: TripRow, today: NaiveDate) -> TripView {
    // entry and exit days both count; an open trip runs to today
    let last = row.exit_date.unwrap_or(today).max(row.entry_date);
    TripView {
        days: (last - row.entry_date).num_days() + 1,
        id: row.id,
        case_id: row.case_id,
        admission_class: row.admission_class,
        entry_date: row.entry_date,
        exit_date: row.exit_date,
        port: row.port,
        source: row.source,
        created_at: time::from_stored(row.created_at),
    }
}

/// Records one trip on a case.
pub fn add(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    input: NewTrip,
) -> Result<TripView, ServiceError> {
    let today = ctx.today();
    database::write_tx(conn, |conn| {
        let row = load_visible(conn, user, case_id)?;
        may_record(conn, user, &row)?;
        let (class, port) = parse(&input, today)?;
        let trip = insert(
            conn,
            user,
            &row,
            class,
            input.entry_date,
            input.exit_date,
            port,
            "entered",
        )?;
        Ok(view(trip, today))
    })
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut DbConnection,
    user: &AuthUser,
    case: &CaseRow,
    class: AdmissionClass,
    entry: NaiveDate,
    exit: Option<NaiveDate>,
    port: Option<String>,
    source: &str,
) -> Result<TripRow, ServiceError> {
    let trip = TripRow {
        id: Uuid::now_v7().to_string(),
        case_id: case.id.clone(),
        passport_index: case.passport_index.clone(),
        admission_class: class.as_str().to_owned(),
        entry_date: entry,
        exit_date: exit,
        port,
        source: source.to_owned(),
        created_by: user.id.clone(),
        created_at: time::now(),
    };
    trips::insert(conn, &trip)?;
    database::audit::append(
        conn,
        &[audit::entry(
            Some(user),
            "case.trip_recorded",
            Some(&case.id),
            Some(&trip.id),
            json!({"admission_class": trip.admission_class, "source": source}),
        )],
    )?;
    Ok(trip)
}

/// The trips recorded on a case, for whoever reads it.
pub fn list(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<TripList, ServiceError> {
    let row = load_visible(conn, user, case_id)?;
    let today = ctx.today();
    Ok(TripList {
        items: trips::for_case(conn, &row.id)?
            .into_iter()
            .map(|t| view(t, today))
            .collect(),
    })
}

/// Days present in the last 365 days. The desk counts the worker's trips from every case
/// with the same passport; an employer the trips of this case only.
pub fn presence(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<PresenceView, ServiceError> {
    let row = load_visible(conn, user, case_id)?;
    let today = ctx.today();
    let desk = user.role.is_desk();
    let rows = if desk {
        trips::for_passport(conn, &row.passport_index)?
    } else {
        trips::for_case(conn, &row.id)?
    };
    let stays: Vec<Stay> = rows.iter().filter_map(stay_of).collect();
    let count = presence::last_365(&stays, today);
    let other_cases = if desk {
        Some(
            trips::cases_of_passport(conn, &row.passport_index)?
                .into_iter()
                .filter(|(id, ..)| *id != row.id)
                .map(|(id, receipt_number, sponsor_id, status)| WorkerCase {
                    id,
                    receipt_number,
                    sponsor_id,
                    status,
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(PresenceView {
        days_in_us_last_365: count.days,
        days_by_class: count.by_class,
        trips: rows.into_iter().map(|t| view(t, today)).collect(),
        open_trip: count.open,
        other_cases,
    })
}

fn stay_of(row: &TripRow) -> Option<Stay> {
    Some(Stay {
        class: AdmissionClass::parse(&row.admission_class).ok()?,
        entry: row.entry_date,
        exit: row.exit_date,
    })
}

/// The stays recorded for the passport of `case` (every case), for derived facts.
pub fn stays_for_case(conn: &mut DbConnection, case: &CaseRow) -> Result<Vec<Stay>, ServiceError> {
    Ok(trips::for_passport(conn, &case.passport_index)?
        .iter()
        .filter_map(stay_of)
        .collect())
}
