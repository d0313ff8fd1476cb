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
    /// The I-94's admit-until date. Left out for an ESTA admission (`WB`, `WT`), it is the
    /// 90th day; other classes have no check without it.
    #[serde(default)]
    pub admitted_until: Option<NaiveDate>,
}

/// `PATCH /api/v1/cases/{id}/trips/{trip_id}`: the worker has left.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TripExit {
    pub exit_date: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TripView {
    pub id: String,
    pub case_id: String,
    pub admission_class: String,
    pub entry_date: NaiveDate,
    pub exit_date: Option<NaiveDate>,
    pub port: Option<String>,
    /// The I-94's admit-until date (for ESTA, the 90th day unless given).
    pub admitted_until: Option<NaiveDate>,
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

fn parse(input: &NewTrip, today: NaiveDate) -> Result<TripData, ServiceError> {
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
    check_exit(&mut errors, input.entry_date, input.exit_date, today);
    let port = input
        .port
        .as_deref()
        .map(text::one_line)
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    if port.as_ref().is_some_and(|p| p.chars().count() > 60) {
        errors.add("port", "at most 60 characters");
    }
    if input.admitted_until.is_some_and(|d| d < input.entry_date) {
        errors.add("admitted_until", "must be on or after the entry date");
    }
    errors.finish()?;
    let class = class.ok_or_else(|| ServiceError::Internal("class parsed without error".into()))?;
    Ok(TripData {
        admitted_until: input
            .admitted_until
            .or_else(|| presence::default_admitted_until(&class, input.entry_date)),
        class,
        entry: input.entry_date,
        exit: input.exit_date,
        port,
    })
}

/// Is `exit` a day the worker can have left on, after `entry`, by `today`?
fn check_exit(
    errors: &mut FieldErrors,
    entry: NaiveDate,
    exit: Option<NaiveDate>,
    today: NaiveDate,
) {
    if let Some(exit) = exit {
        if exit < entry {
            errors.add("exit_date", "must be on or after the entry date");
        } else if exit > today {
            errors.add("exit_date", "leave it empty until the worker has left");
        }
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

/// May `user` record trips on the case `case_id` (which they read)? For the pages' forms.
pub fn may_record_on(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
) -> Result<bool, ServiceError> {
    let row = load_visible(conn, user, case_id)?;
    match may_record(conn, user, &row) {
        Ok(()) => Ok(true),
        Err(ServiceError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
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
        admitted_until: row.admitted_until,
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
        let data = parse(&input, today)?;
        let trip = insert(conn, ctx, user, &row, data, "entered")?;
        reevaluate_if_undecided(conn, ctx, &row)?;
        Ok(view(trip, today))
    })
}

/// Records the exit of an open trip (the worker has left): 409 `trip_closed` when it has one.
pub fn record_exit(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    trip_id: &str,
    input: TripExit,
) -> Result<TripView, ServiceError> {
    let today = ctx.today();
    database::write_tx(conn, |conn| {
        let row = load_visible(conn, user, case_id)?;
        may_record(conn, user, &row)?;
        let trip = trips::find(conn, &row.id, trip_id)?.ok_or(ServiceError::NotFound("trip"))?;
        let mut errors = FieldErrors::new();
        check_exit(&mut errors, trip.entry_date, Some(input.exit_date), today);
        errors.finish()?;
        if !trips::close(conn, &trip.id, input.exit_date)? {
            return Err(ServiceError::Conflict {
                code: "trip_closed",
                message: "this trip's exit is already recorded".into(),
                details: None,
            });
        }
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "case.trip_exit_recorded",
                Some(&row.id),
                Some(&trip.id),
                json!({"exit_date": input.exit_date}),
            )],
        )?;
        let closed = trips::find(conn, &row.id, &trip.id)?.ok_or(ServiceError::NotFound("trip"))?;
        super::overstay::check_trip(conn, ctx, &row, &closed)?;
        reevaluate_if_undecided(conn, ctx, &row)?;
        Ok(view(closed, today))
    })
}

/// The worker's presence is a derived fact of the rules (`ctx.days_in_us_last_365`,
/// `ctx.esta_admission_days`): an undecided case is re-evaluated once its trips change.
fn reevaluate_if_undecided(
    conn: &mut DbConnection,
    ctx: &AppContext,
    case: &CaseRow,
) -> Result<(), ServiceError> {
    if super::eligibility::UNDECIDED.contains(&case.status.as_str()) {
        super::eligibility::reevaluate_case(conn, ctx, case, "trips")?;
    }
    Ok(())
}

/// A trip as read from a request or an I-94 history, before it is stored.
#[derive(Debug)]
struct TripData {
    class: AdmissionClass,
    entry: NaiveDate,
    exit: Option<NaiveDate>,
    port: Option<String>,
    admitted_until: Option<NaiveDate>,
}

/// Stores a trip with its audit row, and raises its overstay alert if it owes one.
fn insert(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case: &CaseRow,
    data: TripData,
    source: &str,
) -> Result<TripRow, ServiceError> {
    let trip = TripRow {
        id: Uuid::now_v7().to_string(),
        case_id: case.id.clone(),
        passport_index: case.passport_index.clone(),
        admission_class: data.class.as_str().to_owned(),
        entry_date: data.entry,
        exit_date: data.exit,
        port: data.port,
        source: source.to_owned(),
        created_by: user.id.clone(),
        created_at: time::now(),
        admitted_until: data.admitted_until,
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
    super::overstay::check_trip(conn, ctx, case, &trip)?;
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

pub(crate) fn stay_of(row: &TripRow) -> Option<Stay> {
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

/// `POST /api/v1/cases/{id}/trips/import`: what was recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    pub items: Vec<TripView>,
}

/// One line of an I-94 travel history.
#[derive(Debug)]
struct Crossing {
    line: usize,
    date: NaiveDate,
    arrival: bool,
    class: Option<AdmissionClass>,
    port: Option<String>,
    /// On an arrival: the admit-until date, when the file has the column.
    admitted_until: Option<NaiveDate>,
}

fn parse_i94_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%m/%d/%Y"))
        .ok()
}

/// Reads a travel history in the layout of the I-94 site's "travel history" (one line per
/// crossing: date, document, class of admission, port, arrival or departure; a header line
/// naming them, in any order) into trips: each arrival with the next departure, an arrival
/// without one is an open trip. Dates as `2026-03-24` or `03/24/2026`. The document column,
/// when filled, must end with the case's passport's last four characters (the history is of
/// this worker); it is never stored. Errors name the line (`lines[3].date`), all at once.
fn trips_from_i94(csv_text: &str, passport_last4: &str) -> Result<Vec<TripData>, ServiceError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| ServiceError::validation("csv", "not a CSV file"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h == n));
    let (Some(date_col), Some(type_col)) = (
        column(&["date"]),
        column(&[
            "type",
            "arrival or departure",
            "arrival/departure",
            "direction",
        ]),
    ) else {
        return Err(ServiceError::validation(
            "csv",
            "the header line must name the columns: date, document, class, port, type (arrival or departure)",
        ));
    };
    let (doc_col, class_col, port_col, until_col) = (
        column(&["document", "document number"]),
        column(&["class", "class of admission"]),
        column(&["port", "location"]),
        column(&["admit until", "admit until date", "admitted until"]),
    );
    let mut errors = FieldErrors::new();
    let mut crossings = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let Ok(record) = record else {
            errors.add(format!("lines[{line}]"), "not a CSV line");
            continue;
        };
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let date = parse_i94_date(&cell(Some(date_col)));
        if date.is_none() {
            errors.add(
                format!("lines[{line}].date"),
                "a date such as 2026-03-24 or 03/24/2026",
            );
        }
        let direction = cell(Some(type_col)).to_ascii_lowercase();
        let arrival = match direction.as_str() {
            "arrival" | "a" => Some(true),
            "departure" | "d" => Some(false),
            _ => {
                errors.add(format!("lines[{line}].type"), "Arrival or Departure");
                None
            }
        };
        let document = cell(doc_col).to_ascii_uppercase();
        if !document.is_empty() && !document.ends_with(&passport_last4.to_ascii_uppercase()) {
            errors.add(
                format!("lines[{line}].document"),
                "this travel history is of another passport than the case's",
            );
        }
        let class_text = cell(class_col);
        let class = if class_text.is_empty() {
            None
        } else {
            errors.check(
                format!("lines[{line}].class"),
                AdmissionClass::parse(&class_text),
            )
        };
        let port = Some(text::one_line(&cell(port_col))).filter(|p| !p.is_empty());
        let until_text = cell(until_col);
        // "D/S" (duration of status) has no date to check against
        let admitted_until = match until_text.to_ascii_uppercase().as_str() {
            "" | "D/S" | "DS" => None,
            _ => {
                let parsed = parse_i94_date(&until_text);
                if parsed.is_none() {
                    errors.add(
                        format!("lines[{line}].admit_until"),
                        "a date such as 2026-03-24 or 03/24/2026, or D/S",
                    );
                }
                parsed
            }
        };
        if let (Some(date), Some(arrival)) = (date, arrival) {
            crossings.push(Crossing {
                line,
                date,
                arrival,
                class,
                port,
                admitted_until,
            });
        }
    }
    std::mem::take(&mut errors).finish()?;
    crossings.sort_by_key(|c| (c.date, !c.arrival));
    let mut trips = Vec::new();
    let mut open: Option<Crossing> = None;
    let mut close = |arrival: Crossing, exit: Option<NaiveDate>, errors: &mut FieldErrors| {
        match arrival.class {
            Some(class) => trips.push(TripData {
                admitted_until: arrival
                    .admitted_until
                    .or_else(|| presence::default_admitted_until(&class, arrival.date)),
                class,
                entry: arrival.date,
                exit,
                port: arrival.port,
            }),
            None => errors.add(
                format!("lines[{}].class", arrival.line),
                "an arrival names its class of admission",
            ),
        }
    };
    for crossing in crossings {
        match (crossing.arrival, open.take()) {
            (true, None) => open = Some(crossing),
            (false, Some(arrival)) => close(arrival, Some(crossing.date), &mut errors),
            (true, Some(previous)) => {
                errors.add(
                    format!("lines[{}].type", previous.line),
                    "an arrival without a departure before the next arrival",
                );
                open = Some(crossing);
            }
            (false, None) => errors.add(
                format!("lines[{}].type", crossing.line),
                "a departure without an arrival before it",
            ),
        }
    }
    if let Some(arrival) = open {
        close(arrival, None, &mut errors);
    }
    errors.finish()?;
    if trips.is_empty() {
        return Err(ServiceError::validation("csv", "no crossings in the file"));
    }
    Ok(trips)
}

/// Imports an I-94 travel history onto a case: all its trips, or none.
pub fn import_i94(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    csv_text: &str,
) -> Result<ImportReport, ServiceError> {
    let today = ctx.today();
    database::write_tx(conn, |conn| {
        let row = load_visible(conn, user, case_id)?;
        may_record(conn, user, &row)?;
        let parsed = trips_from_i94(csv_text, &row.passport_last4)?;
        let mut items = Vec::new();
        for data in parsed {
            let trip = insert(conn, ctx, user, &row, data, "i94_import")?;
            items.push(view(trip, today));
        }
        reevaluate_if_undecided(conn, ctx, &row)?;
        Ok(ImportReport {
            imported: items.len(),
            items,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_i94_history_pairs_arrivals_with_departures() {
        let csv = "Date,Document,Class,Port,Type\n\
                   05/02/2026,M12345678,WB,ATL,Arrival\n\
                   2026-03-01,M12345678,B1,ATL,Arrival\n\
                   2026-03-20,M12345678,,ATL,Departure\n\
                   2026-05-10,,,SEA,Departure\n\
                   2026-11-02,M12345678,b-1,ATL,Arrival\n";
        let trips = trips_from_i94(csv, "5678").unwrap();
        let got: Vec<(&str, NaiveDate, Option<NaiveDate>)> = trips
            .iter()
            .map(|t| (t.class.as_str(), t.entry, t.exit))
            .collect();
        assert_eq!(
            got,
            [
                ("B1", d("2026-03-01"), Some(d("2026-03-20"))),
                ("WB", d("2026-05-02"), Some(d("2026-05-10"))),
                ("B1", d("2026-11-02"), None),
            ]
        );
        assert_eq!(trips[0].port.as_deref(), Some("ATL"));
    }

    #[test]
    fn an_i94_history_that_does_not_read_names_every_line() {
        let csv = "date,document,class,port,type\n\
                   2026-13-01,M12345678,B1,ATL,Arrival\n\
                   2026-03-20,X99999999,B1,ATL,Sideways\n";
        let Err(ServiceError::Validation(errors)) = trips_from_i94(csv, "5678") else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["lines[2].date", "lines[3].type", "lines[3].document"]
        );
        // a departure first, and an arrival without its class
        let csv = "date,class,type\n2026-03-01,,Departure\n2026-03-05,,Arrival\n";
        let Err(ServiceError::Validation(errors)) = trips_from_i94(csv, "5678") else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lines[2].type", "lines[3].class"]);
        assert!(trips_from_i94("when,where\n1,2\n", "5678").is_err());
    }
}
