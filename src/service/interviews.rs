//! Interviews with capacity: windows a supervisor opens on working days (Seoul time), cut
//! into slots; the desk's view of the slots and who is booked; closing a window (its booked
//! cases are listed for rebooking); booking a case into a slot (`schedule_interview`,
//! `reschedule`, and a whole filing at once). A slot is never booked over its capacity:
//! `db::interviews::take_place` is a conditional update, safe under concurrent bookings.
//!
//! Who: supervisors open and close windows; officers and supervisors read slots and book.
//! Employers and admins read none of it here (employers see their own cases' interview).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::cases::{self, CaseAction};
use super::{audit, FieldErrors, ServiceError};
use crate::db::interviews::{self as store, BookedCaseRow, BookingRow, SlotRow, WindowRow};
use crate::db::{self as database, filings, DbConnection};
use crate::domain::interview::{self, closure_on};
use crate::domain::{text, time, CaseStatus, Role};

/// Where interviews take place unless a window says otherwise.
pub const DEFAULT_LOCATION: &str = "U.S. Embassy Seoul, 188 Sejong-daero, Jongno-gu";
/// The longest range one slot listing covers.
pub const MAX_RANGE_DAYS: i64 = 62;

fn require_desk(user: &AuthUser) -> Result<(), ServiceError> {
    if user.role.is_desk() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "interview slots are the desk's (officers and supervisors)".into(),
        ))
    }
}

fn require_supervisor(user: &AuthUser) -> Result<(), ServiceError> {
    if user.role == Role::Supervisor {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "opening and closing interview windows is for supervisors".into(),
        ))
    }
}

/// A case booked into a slot.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookedCase {
    pub case_id: String,
    pub receipt_number: String,
    pub name: String,
    pub name_ko: Option<String>,
    pub sponsor_id: String,
}

impl From<&BookedCaseRow> for BookedCase {
    fn from(r: &BookedCaseRow) -> Self {
        BookedCase {
            case_id: r.case_id.clone(),
            receipt_number: r.receipt_number.clone(),
            name: format!("{} {}", r.given_name, r.family_name),
            name_ko: r.name_ko.clone(),
            sponsor_id: r.sponsor_id.clone(),
        }
    }
}

/// One slot. Times are Seoul time with their offset (`+09:00`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    pub id: String,
    pub window_id: String,
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+09:00")]
    pub starts_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:15:00+09:00")]
    pub ends_at: DateTime<FixedOffset>,
    pub capacity: i32,
    pub booked: i32,
    pub location: String,
    pub closed: bool,
    /// Who is booked (cases awaiting their interview in this slot).
    pub cases: Vec<BookedCase>,
}

impl SlotView {
    pub fn new(slot: &SlotRow, cases: Vec<BookedCase>) -> SlotView {
        SlotView {
            id: slot.id.clone(),
            window_id: slot.window_id.clone(),
            starts_at: time::in_seoul(time::from_stored(slot.starts_at)),
            ends_at: time::in_seoul(time::from_stored(slot.ends_at)),
            capacity: slot.capacity,
            booked: slot.booked,
            location: slot.location.clone(),
            closed: slot.closed,
            cases,
        }
    }

    /// The instant the slot starts, for pages to write in their reader's language.
    pub fn starts_utc(&self) -> DateTime<Utc> {
        self.starts_at.with_timezone(&Utc)
    }

    pub fn free(&self) -> i32 {
        if self.closed {
            0
        } else {
            (self.capacity - self.booked).max(0)
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// The day, in Seoul.
    pub date: NaiveDate,
    /// Seoul time of day, `HH:MM`.
    #[schema(example = "09:00")]
    pub start: String,
    #[schema(example = "11:00")]
    pub end: String,
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: i64,
    /// Interviews per slot.
    #[schema(minimum = 1, maximum = 100)]
    pub capacity: i64,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WindowView {
    pub id: String,
    pub date: NaiveDate,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<FixedOffset>,
    pub slot_minutes: i32,
    pub capacity: i32,
    pub location: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub slots: Vec<SlotView>,
}

fn window_view(w: &WindowRow, slots: Vec<SlotView>) -> WindowView {
    WindowView {
        id: w.id.clone(),
        date: w.window_date,
        starts_at: time::in_seoul(time::from_stored(w.starts_at)),
        ends_at: time::in_seoul(time::from_stored(w.ends_at)),
        slot_minutes: w.slot_minutes,
        capacity: w.capacity,
        location: w.location.clone(),
        closed_at: w.closed_at.map(time::from_stored),
        slots,
    }
}

/// Opens a window of slots on a working day. A closed day (weekend, Korean or U.S. holiday)
/// is refused with 422 `closed_day`, naming the holiday.
pub fn open_window(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    input: NewWindow,
) -> Result<WindowView, ServiceError> {
    require_supervisor(user)?;
    let mut errors = FieldErrors::new();
    let start = errors.check("start", interview::parse_time_of_day(&input.start));
    let end = errors.check("end", interview::parse_time_of_day(&input.end));
    if !(1..=interview::MAX_CAPACITY).contains(&input.capacity) {
        errors.add(
            "capacity",
            format!("must be between 1 and {}", interview::MAX_CAPACITY),
        );
    }
    let location = match &input.location {
        Some(l) => errors
            .check("location", text::check_line(l, text::MAX_LOCATION_CHARS))
            .unwrap_or_default(),
        None => DEFAULT_LOCATION.to_owned(),
    };
    if input.date < ctx.today() {
        errors.add("date", "must be today or later");
    }
    let slots = match (start, end) {
        (Some(start), Some(end)) => {
            match interview::cut_window(input.date, start, end, input.slot_minutes) {
                Ok(slots) => slots,
                Err((field, message)) => {
                    errors.add(field, message);
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    };
    errors.finish()?;
    if let Some(closure) = closure_on(input.date) {
        let (en, ko) = closure.describe();
        return Err(ServiceError::Unprocessable {
            code: "closed_day",
            errors: vec![super::FieldError {
                field: "date".into(),
                message: format!(
                    "the embassy is closed on {}: {en} ({ko}); choose a working day",
                    input.date
                ),
            }],
        });
    }
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
        return Err(ServiceError::validation("end", "must be after start"));
    };
    let now = time::now();
    let window = WindowRow {
        id: Uuid::now_v7().to_string(),
        window_date: input.date,
        starts_at: time::to_stored(time::from_desk_time(first.starts)),
        ends_at: time::to_stored(time::from_desk_time(last.ends)),
        slot_minutes: input.slot_minutes as i32,
        capacity: input.capacity as i32,
        location: location.clone(),
        created_by: user.id.clone(),
        created_at: now,
        closed_at: None,
        closed_by: None,
        closed_reason: None,
    };
    let rows: Vec<SlotRow> = slots
        .iter()
        .map(|s| SlotRow {
            id: Uuid::now_v7().to_string(),
            window_id: window.id.clone(),
            starts_at: time::to_stored(time::from_desk_time(s.starts)),
            ends_at: time::to_stored(time::from_desk_time(s.ends)),
            capacity: input.capacity as i32,
            booked: 0,
            location: location.clone(),
            closed: false,
        })
        .collect();
    database::write_tx(conn, |conn| {
        store::insert_window(conn, &window)?;
        store::insert_slots(conn, &rows)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "interview_window.opened",
                None,
                Some(&window.id),
                json!({"date": window.window_date, "start": input.start.trim(), "end": input.end.trim(),
                       "slot_minutes": window.slot_minutes, "capacity": window.capacity,
                       "slots": rows.len(), "location": location}),
            )],
        )?;
        Ok::<_, ServiceError>(())
    })?;
    let slots = rows.iter().map(|s| SlotView::new(s, Vec::new())).collect();
    Ok(window_view(&window, slots))
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// First day (Seoul), default today.
    pub from: Option<NaiveDate>,
    /// Last day (Seoul), included; default `from` + 6 days; at most 62 days after `from`.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotList {
    pub items: Vec<SlotView>,
}

/// The instant a Seoul day begins.
fn day_start(date: NaiveDate) -> NaiveDateTime {
    time::to_stored(time::from_desk_time(date.and_time(chrono::NaiveTime::MIN)))
}

/// Slots from `from` to `to` (Seoul days, both included), each with its booked cases.
pub fn slots_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SlotView>, ServiceError> {
    let slots = store::slots_between(conn, day_start(from), day_start(to + Duration::days(1)))?;
    let ids: Vec<String> = slots.iter().map(|s| s.id.clone()).collect();
    let booked = store::booked_cases(conn, &ids)?;
    Ok(slots
        .iter()
        .map(|s| {
            let cases = booked
                .iter()
                .filter(|b| b.slot_id == s.id)
                .map(BookedCase::from)
                .collect();
            SlotView::new(s, cases)
        })
        .collect())
}

pub fn list_slots(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    q: SlotQuery,
) -> Result<SlotList, ServiceError> {
    require_desk(user)?;
    let from = q.from.unwrap_or_else(|| ctx.today());
    let to = q.to.unwrap_or(from + Duration::days(6));
    if to < from {
        return Err(ServiceError::validation("to", "must be on or after from"));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(ServiceError::validation(
            "to",
            format!("must be at most {MAX_RANGE_DAYS} days after from"),
        ));
    }
    Ok(SlotList {
        items: slots_between(conn, from, to)?,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseWindow {
    pub reason: String,
}

/// A case whose slot was closed, with that slot: it needs a new one (`reschedule`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RebookCase {
    #[serde(flatten)]
    pub case: BookedCase,
    pub slot_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub was_at: DateTime<FixedOffset>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WindowClosed {
    pub window: WindowView,
    /// The cases booked in the window: each needs rebooking.
    pub rebook: Vec<RebookCase>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RebookList {
    pub items: Vec<RebookCase>,
}

/// Closes a window (illness, an embassy closure): its slots take no more bookings, and the
/// cases booked in it are listed to be rebooked.
pub fn close_window(
    conn: &mut DbConnection,
    user: &AuthUser,
    window_id: &str,
    input: CloseWindow,
) -> Result<WindowClosed, ServiceError> {
    require_supervisor(user)?;
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ServiceError::validation(
            "reason",
            "is required: record why",
        ));
    }
    if reason.chars().count() > 4000 {
        return Err(ServiceError::validation(
            "reason",
            "must be at most 4000 characters",
        ));
    }
    database::write_tx(conn, |conn| {
        let now = time::now();
        if store::find_window(conn, window_id)?.is_none() {
            return Err(ServiceError::NotFound("interview window"));
        }
        if store::close_window(conn, window_id, &user.id, &reason, now)? == 0 {
            return Err(ServiceError::conflict(
                "window_closed",
                "the window is closed already",
            ));
        }
        let window = store::find_window(conn, window_id)?
            .ok_or(ServiceError::NotFound("interview window"))?;
        let slots = store::slots_of_window(conn, window_id)?;
        let ids: Vec<String> = slots.iter().map(|s| s.id.clone()).collect();
        let booked = store::booked_cases(conn, &ids)?;
        let rebook = booked
            .iter()
            .filter_map(|b| {
                let slot = slots.iter().find(|s| s.id == b.slot_id)?;
                Some(RebookCase {
                    case: b.into(),
                    slot_id: slot.id.clone(),
                    was_at: time::in_seoul(time::from_stored(slot.starts_at)),
                })
            })
            .collect::<Vec<_>>();
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "interview_window.closed",
                None,
                Some(window_id),
                json!({"reason": reason, "to_rebook": rebook.iter().map(|r| &r.case.case_id).collect::<Vec<_>>()}),
            )],
        )?;
        let views = slots
            .iter()
            .map(|s| {
                let cases = booked
                    .iter()
                    .filter(|b| b.slot_id == s.id)
                    .map(BookedCase::from)
                    .collect();
                SlotView::new(s, cases)
            })
            .collect();
        Ok(WindowClosed {
            window: window_view(&window, views),
            rebook,
        })
    })
}

/// Every case still booked in a closed slot.
pub fn to_rebook(conn: &mut DbConnection, user: &AuthUser) -> Result<RebookList, ServiceError> {
    require_desk(user)?;
    Ok(RebookList {
        items: store::cases_to_rebook(conn)?
            .iter()
            .map(|(b, slot)| RebookCase {
                case: b.into(),
                slot_id: slot.id.clone(),
                was_at: time::in_seoul(time::from_stored(slot.starts_at)),
            })
            .collect(),
    })
}

/// How a booking changes a case's interview.
#[derive(Debug, Clone, Copy)]
pub enum BookingChange {
    /// `schedule_interview`: the case had no interview awaiting.
    Schedule,
    /// `reschedule`: moves the interview; counts against `limit` unless the desk closed the
    /// old slot; past the limit only a supervisor moves it.
    Reschedule { limit: i32, supervisor: bool },
}

/// A case's booking as made, for the action's note, audit row and mail.
#[derive(Debug, Clone)]
pub struct Booked {
    pub slot: SlotRow,
    pub previous: Option<SlotRow>,
    /// The invitation's SEQUENCE (0 for the first, rising with every change).
    pub sequence: i32,
    pub reschedules: i32,
}

/// Books `case_id` into the slot named by `raw_slot_id`. Called inside the action's
/// transaction, before any other write of it: an error leaves nothing to undo.
pub fn book(
    conn: &mut DbConnection,
    case_id: &str,
    raw_slot_id: &str,
    change: BookingChange,
) -> Result<Booked, ServiceError> {
    let slot_id = Uuid::parse_str(raw_slot_id.trim())
        .map(|u| u.to_string())
        .map_err(|_| ServiceError::validation("slot_id", "must be a slot id (UUID)"))?;
    let slot = store::find_slot(conn, &slot_id)?
        .ok_or_else(|| ServiceError::validation("slot_id", "names no interview slot"))?;
    let existing = store::find_booking(conn, case_id)?;
    let mut previous = None;
    let mut counts = false;
    if let BookingChange::Reschedule { limit, supervisor } = change {
        if let Some(old_id) = existing.as_ref().and_then(|b| b.slot_id.clone()) {
            if old_id == slot.id {
                return Err(ServiceError::validation(
                    "slot_id",
                    "is the case's current slot: choose another",
                ));
            }
            let old = store::find_slot(conn, &old_id)?;
            // A slot the desk closed is the desk's doing: moving out of it is no reschedule.
            counts = !old.as_ref().is_some_and(|s| s.closed);
            previous = old;
        } else {
            counts = true;
        }
        let done = existing.as_ref().map_or(0, |b| b.reschedules);
        if counts && done >= limit && !supervisor {
            return Err(ServiceError::Conflict {
                code: "reschedule_limit",
                message: format!(
                    "the interview was rescheduled {done} times (the limit is {limit}); a supervisor decides on another"
                ),
                details: Some(json!({"reschedules": done, "limit": limit})),
            });
        }
    }
    let now = time::now();
    if store::take_place(conn, &slot.id, now)? == 0 {
        return Err(if slot.closed {
            ServiceError::conflict("slot_closed", "the slot's window is closed")
        } else if slot.starts_at <= now {
            ServiceError::validation("slot_id", "the slot has already begun: choose a later one")
        } else {
            ServiceError::Conflict {
                code: "slot_full",
                message: "the slot is fully booked".into(),
                details: Some(json!({"slot_id": slot.id, "capacity": slot.capacity})),
            }
        });
    }
    if let Some(old) = &previous {
        store::release_place(conn, &old.id)?;
    }
    let sequence = existing.as_ref().map_or(0, |b| b.sequence + 1);
    let reschedules = existing.as_ref().map_or(0, |b| b.reschedules) + i32::from(counts);
    store::save_booking(
        conn,
        &BookingRow {
            case_id: case_id.to_owned(),
            slot_id: Some(slot.id.clone()),
            sequence,
            reschedules,
            booked_at: existing.as_ref().map_or(now, |b| b.booked_at),
            updated_at: now,
        },
    )?;
    let slot = store::find_slot(conn, &slot.id)?.ok_or(ServiceError::NotFound("slot"))?;
    Ok(Booked {
        slot,
        previous,
        sequence,
        reschedules,
    })
}

/// Gives a case's place back (a cancellation, or a withdrawal while an interview awaits);
/// the booking keeps its SEQUENCE, raised, so that the cancellation and any later invitation
/// supersede what the applicant's calendar holds.
/// Answers the slot it left and the booking's new SEQUENCE.
pub fn cancel_booking(
    conn: &mut DbConnection,
    case_id: &str,
) -> Result<Option<(SlotRow, i32)>, ServiceError> {
    let Some(mut booking) = store::find_booking(conn, case_id)? else {
        return Ok(None);
    };
    let Some(slot_id) = booking.slot_id.take() else {
        return Ok(None);
    };
    store::release_place(conn, &slot_id)?;
    booking.sequence += 1;
    booking.updated_at = time::now();
    store::save_booking(conn, &booking)?;
    Ok(store::find_slot(conn, &slot_id)?.map(|s| (s, booking.sequence)))
}

/// Ends a booking whose interview was due (a no-show): the place was used and stays counted.
pub fn end_booking(conn: &mut DbConnection, case_id: &str) -> Result<(), ServiceError> {
    if let Some(mut booking) = store::find_booking(conn, case_id)? {
        if booking.slot_id.take().is_some() {
            booking.updated_at = time::now();
            store::save_booking(conn, &booking)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBookingRequest {
    /// The first day (Seoul) to book from.
    pub from: NaiveDate,
}

/// One case of the filing and what became of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchBookingLine {
    pub case_id: String,
    pub receipt_number: String,
    pub planned_entry: Option<NaiveDate>,
    /// `booked`, `not_awaiting_interview`, `no_free_slot`, or the code of the refusal.
    pub outcome: String,
    pub slot: Option<SlotView>,
    /// Why not, in words.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchBookingReport {
    pub filing_id: String,
    pub from: NaiveDate,
    pub booked: usize,
    pub not_booked: usize,
    /// Earliest planned entry first (then receipt number).
    pub items: Vec<BatchBookingLine>,
}

/// Books every case of a filing that awaits an interview (in review, or its evidence
/// submitted) into the earliest free slots from `from`, earliest planned entry first. Each
/// case is booked as `schedule_interview` books it (version, note, audit row, mails), each in
/// a savepoint of one transaction: a case that cannot be booked is reported, not fatal.
pub fn book_filing(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    filing_id: &str,
    input: BatchBookingRequest,
) -> Result<BatchBookingReport, ServiceError> {
    require_desk(user)?;
    database::write_tx(conn, |conn| {
        let filing = filings::find(conn, filing_id)?.ok_or(ServiceError::NotFound("filing"))?;
        let mut notice: Vec<crate::notify::messages::InterviewLine> = Vec::new();
        let mut rows = crate::db::cases::for_filing(conn, filing_id)?;
        let entry_of = |facts: &str| {
            crate::domain::FactsV2::from_stored(facts)
                .ok()
                .and_then(|f| f.assignment.planned_entry)
        };
        rows.sort_by_cached_key(|r| {
            (
                entry_of(&r.facts_json).unwrap_or(NaiveDate::MAX),
                r.receipt_number.clone(),
            )
        });
        let now = time::now();
        let from = day_start(input.from).max(now);
        let mut free: Vec<(SlotRow, i32)> = store::free_slots_from(conn, from)?
            .into_iter()
            .map(|s| {
                let left = s.capacity - s.booked;
                (s, left)
            })
            .collect();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let mut line = BatchBookingLine {
                case_id: row.id.clone(),
                receipt_number: row.receipt_number.clone(),
                planned_entry: entry_of(&row.facts_json),
                outcome: "no_free_slot".into(),
                slot: None,
                reason: None,
            };
            let status: Option<CaseStatus> = row.status.parse().ok();
            if !matches!(
                status,
                Some(CaseStatus::InReview | CaseStatus::EvidenceSubmitted)
            ) {
                line.outcome = "not_awaiting_interview".into();
                line.reason = Some(format!("the case is {}", row.status));
                items.push(line);
                continue;
            }
            line.reason = Some("no free slot is left from that day".into());
            while let Some((slot, left)) = free.iter_mut().find(|(_, left)| *left > 0) {
                let action = CaseAction::ScheduleInterview {
                    slot_id: slot.id.clone(),
                };
                let result = conn.transaction(|conn| {
                    cases::apply_action_in(conn, ctx, user, &row.id, row.version, action, false)
                });
                match result {
                    Ok(_) => {
                        *left -= 1;
                        slot.booked += 1;
                        line.outcome = "booked".into();
                        line.reason = None;
                        line.slot = Some(SlotView::new(slot, Vec::new()));
                        notice.push(crate::notify::messages::InterviewLine {
                            receipt: row.receipt_number.clone(),
                            name_en: format!("{} {}", row.given_name, row.family_name),
                            name_ko: row.name_ko.clone(),
                            at_seoul: time::desk_time(time::from_stored(slot.starts_at)),
                            location: slot.location.clone(),
                        });
                        break;
                    }
                    // Booked meanwhile by someone else: the next slot.
                    Err(ServiceError::Conflict {
                        code: "slot_full" | "slot_closed",
                        ..
                    }) => *left = 0,
                    Err(e @ (ServiceError::Unavailable(_) | ServiceError::Internal(_))) => {
                        return Err(e)
                    }
                    Err(other) => {
                        let (code, reason) = refusal(&other);
                        line.outcome = code;
                        line.reason = Some(reason);
                        break;
                    }
                }
            }
            items.push(line);
        }
        let booked = items.iter().filter(|l| l.outcome == "booked").count();
        crate::notify::enqueue::interviews_booked(
            conn,
            &filing.sponsor_id,
            &filing.project_id,
            notice,
            items
                .iter()
                .filter(|l| l.outcome != "booked" && l.outcome != "not_awaiting_interview")
                .count(),
        )?;
        Ok(BatchBookingReport {
            filing_id: filing_id.to_owned(),
            from: input.from,
            booked,
            not_booked: items.len() - booked,
            items,
        })
    })
}

/// A refusal as the batch report states it: a code and words.
fn refusal(e: &ServiceError) -> (String, String) {
    match e {
        ServiceError::Conflict { code, message, .. } => ((*code).to_owned(), message.clone()),
        ServiceError::Validation(errors) | ServiceError::Unprocessable { errors, .. } => (
            "validation_failed".into(),
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ServiceError::PreconditionFailed { .. } => ("precondition_failed".into(), e.to_string()),
        ServiceError::Forbidden(m) => ("forbidden".into(), m.clone()),
        other => ("refused".into(), other.to_string()),
    }
}

/// Free slots from now on, for the booking forms.
pub fn free_slots(conn: &mut DbConnection, limit: usize) -> Result<Vec<SlotView>, ServiceError> {
    Ok(store::free_slots_from(conn, time::now())?
        .iter()
        .take(limit)
        .map(|s| SlotView::new(s, Vec::new()))
        .collect())
}

/// The instant a slot starts, for the case's `interview_at`.
pub fn slot_start(slot: &SlotRow) -> DateTime<Utc> {
    time::from_stored(slot.starts_at)
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (Seoul), default 28 days ago.
    pub from: Option<NaiveDate>,
    /// Last day (Seoul), included; default 14 days on; at most 366 days after `from`.
    pub to: Option<NaiveDate>,
}

/// The use of the slots of one day or one week.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlotUse {
    /// `2026-12-01`, or the ISO week `2026-W49`.
    pub period: String,
    pub slots: usize,
    /// Places in open slots.
    pub capacity: i64,
    pub booked: i64,
    /// booked / capacity, 0 to 1 (none without capacity).
    pub share_used: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterviewReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub per_day: Vec<SlotUse>,
    pub per_week: Vec<SlotUse>,
    /// Places of slots that have begun (interviews due, no-shows included).
    pub interviews_due: i64,
    pub no_shows: i64,
    /// no_shows / interviews_due.
    pub no_show_rate: Option<f64>,
    /// Median days from filing to the interview, of the interviews in the range.
    pub median_days_filing_to_interview: Option<f64>,
    /// Median days from the interview to the decision, of those decided.
    pub median_days_interview_to_decision: Option<f64>,
}

fn slot_use(period: String, slots: &[&SlotRow]) -> SlotUse {
    let capacity: i64 = slots
        .iter()
        .filter(|s| !s.closed)
        .map(|s| i64::from(s.capacity))
        .sum();
    let booked: i64 = slots.iter().map(|s| i64::from(s.booked)).sum();
    SlotUse {
        period,
        slots: slots.len(),
        capacity,
        booked,
        share_used: (capacity > 0).then(|| booked as f64 / capacity as f64),
    }
}

/// Slot use per day and per week, the no-show rate, and the median days from filing to
/// interview and from interview to decision. Supervisors only.
pub fn report(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    q: ReportQuery,
) -> Result<InterviewReport, ServiceError> {
    if user.role != Role::Supervisor {
        return Err(ServiceError::Forbidden(
            "reports are for supervisors".into(),
        ));
    }
    let today = ctx.today();
    let from = q.from.unwrap_or(today - Duration::days(28));
    let to = q.to.unwrap_or(today + Duration::days(14));
    if to < from {
        return Err(ServiceError::validation("to", "must be on or after from"));
    }
    if (to - from).num_days() > 366 {
        return Err(ServiceError::validation(
            "to",
            "must be at most 366 days after from",
        ));
    }
    let (start, end) = (day_start(from), day_start(to + Duration::days(1)));
    let slots = store::slots_between(conn, start, end)?;
    let seoul_day = |s: &SlotRow| time::desk_time(time::from_stored(s.starts_at)).date();
    let mut per_day = Vec::new();
    let mut per_week: Vec<SlotUse> = Vec::new();
    let mut day = from;
    while day <= to {
        let of_day: Vec<&SlotRow> = slots.iter().filter(|s| seoul_day(s) == day).collect();
        if !of_day.is_empty() {
            per_day.push(slot_use(day.to_string(), &of_day));
        }
        day += Duration::days(1);
    }
    let week_of = |d: NaiveDate| {
        let w = chrono::Datelike::iso_week(&d);
        format!("{}-W{:02}", w.year(), w.week())
    };
    let mut weeks: Vec<String> = slots.iter().map(|s| week_of(seoul_day(s))).collect();
    weeks.dedup();
    for week in weeks {
        let of_week: Vec<&SlotRow> = slots
            .iter()
            .filter(|s| week_of(seoul_day(s)) == week)
            .collect();
        per_week.push(slot_use(week, &of_week));
    }
    let now = time::now();
    let interviews_due: i64 = slots
        .iter()
        .filter(|s| s.starts_at <= now)
        .map(|s| i64::from(s.booked))
        .sum();
    let no_shows = store::no_shows_between(conn, start, end)?;
    let times = store::interview_times(conn, start, end)?;
    let mut to_interview: Vec<i64> = times
        .iter()
        .map(|(filed, at, _)| {
            (time::desk_time(time::from_stored(*at)).date() - *filed)
                .num_days()
                .max(0)
        })
        .collect();
    to_interview.sort_unstable();
    let mut to_decision: Vec<i64> = times
        .iter()
        .filter_map(|(_, at, decided)| {
            let decided = (*decided)?;
            let seoul = |t: NaiveDateTime| time::desk_time(time::from_stored(t)).date();
            (decided >= *at).then(|| (seoul(decided) - seoul(*at)).num_days())
        })
        .collect();
    to_decision.sort_unstable();
    Ok(InterviewReport {
        from,
        to,
        per_day,
        per_week,
        interviews_due,
        no_shows,
        no_show_rate: (interviews_due > 0).then(|| no_shows as f64 / interviews_due as f64),
        median_days_filing_to_interview: super::reports::median(&to_interview),
        median_days_interview_to_decision: super::reports::median(&to_decision),
    })
}
