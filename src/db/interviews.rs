//! Interview windows, their slots, and each case's booking. A place in a slot is taken by a
//! conditional update (`booked < capacity`), which both backends apply atomically: PostgreSQL
//! re-checks the condition on the locked row after waiting for a concurrent booking, SQLite
//! runs writers one at a time (`BEGIN IMMEDIATE`). A CHECK constraint backs it up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    administrative_processing, audit_log, case_refusals, cases, interview_bookings,
    interview_slots, interview_windows,
};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = interview_windows)]
pub struct WindowRow {
    pub id: String,
    pub window_date: chrono::NaiveDate,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub slot_minutes: i32,
    pub capacity: i32,
    pub location: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<String>,
    pub closed_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = interview_slots)]
pub struct SlotRow {
    pub id: String,
    pub window_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub capacity: i32,
    pub booked: i32,
    pub location: String,
    pub closed: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = interview_bookings)]
pub struct BookingRow {
    pub case_id: String,
    pub slot_id: Option<String>,
    pub sequence: i32,
    pub reschedules: i32,
    pub booked_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A case booked into a slot, as the desk's lists show it.
#[derive(Debug, Clone, Queryable)]
pub struct BookedCaseRow {
    pub slot_id: String,
    pub case_id: String,
    pub receipt_number: String,
    pub given_name: String,
    pub family_name: String,
    pub name_ko: Option<String>,
    pub sponsor_id: String,
    pub status: String,
}

pub fn insert_window(conn: &mut DbConnection, window: &WindowRow) -> QueryResult<()> {
    diesel::insert_into(interview_windows::table)
        .values(window)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_slots(conn: &mut DbConnection, slots: &[SlotRow]) -> QueryResult<()> {
    // Multi-row inserts do not compile on the MultiConnection enum: one row at a time (a
    // window holds at most 96 slots).
    for slot in slots {
        diesel::insert_into(interview_slots::table)
            .values(slot)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_window(conn: &mut DbConnection, id: &str) -> QueryResult<Option<WindowRow>> {
    interview_windows::table
        .find(id)
        .select(WindowRow::as_select())
        .first(conn)
        .optional()
}

/// Closes an open window and its slots; 0 when it was closed already.
pub fn close_window(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let changed = diesel::update(
        interview_windows::table
            .filter(interview_windows::id.eq(id))
            .filter(interview_windows::closed_at.is_null()),
    )
    .set((
        interview_windows::closed_at.eq(at),
        interview_windows::closed_by.eq(by),
        interview_windows::closed_reason.eq(reason),
    ))
    .execute(conn)?;
    if changed > 0 {
        diesel::update(interview_slots::table.filter(interview_slots::window_id.eq(id)))
            .set(interview_slots::closed.eq(true))
            .execute(conn)?;
    }
    Ok(changed)
}

pub fn find_slot(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SlotRow>> {
    interview_slots::table
        .find(id)
        .select(SlotRow::as_select())
        .first(conn)
        .optional()
}

pub fn slots_of_window(conn: &mut DbConnection, window_id: &str) -> QueryResult<Vec<SlotRow>> {
    interview_slots::table
        .filter(interview_slots::window_id.eq(window_id))
        .select(SlotRow::as_select())
        .order((interview_slots::starts_at.asc(), interview_slots::id.asc()))
        .load(conn)
}

/// Slots starting in `[from, to)`, earliest first.
pub fn slots_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<SlotRow>> {
    interview_slots::table
        .filter(interview_slots::starts_at.ge(from))
        .filter(interview_slots::starts_at.lt(to))
        .select(SlotRow::as_select())
        .order((interview_slots::starts_at.asc(), interview_slots::id.asc()))
        .load(conn)
}

/// Open slots with a free place starting at or after `from`, earliest first.
pub fn free_slots_from(conn: &mut DbConnection, from: NaiveDateTime) -> QueryResult<Vec<SlotRow>> {
    interview_slots::table
        .filter(interview_slots::starts_at.ge(from))
        .filter(interview_slots::closed.eq(false))
        .filter(interview_slots::booked.lt(interview_slots::capacity))
        .select(SlotRow::as_select())
        .order((interview_slots::starts_at.asc(), interview_slots::id.asc()))
        .load(conn)
}

/// Takes one place in an open slot that starts after `not_before` and has one free; 0 rows
/// when it has none (or is closed, or has begun).
pub fn take_place(
    conn: &mut DbConnection,
    slot_id: &str,
    not_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        interview_slots::table
            .filter(interview_slots::id.eq(slot_id))
            .filter(interview_slots::closed.eq(false))
            .filter(interview_slots::starts_at.gt(not_before))
            .filter(interview_slots::booked.lt(interview_slots::capacity)),
    )
    .set(interview_slots::booked.eq(interview_slots::booked + 1))
    .execute(conn)
}

/// Gives a place back (a closed slot too: its count stays true).
pub fn release_place(conn: &mut DbConnection, slot_id: &str) -> QueryResult<usize> {
    diesel::update(
        interview_slots::table
            .filter(interview_slots::id.eq(slot_id))
            .filter(interview_slots::booked.gt(0)),
    )
    .set(interview_slots::booked.eq(interview_slots::booked - 1))
    .execute(conn)
}

pub fn find_booking(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<BookingRow>> {
    interview_bookings::table
        .find(case_id)
        .select(BookingRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a case's booking, replacing the one it had.
pub fn save_booking(conn: &mut DbConnection, booking: &BookingRow) -> QueryResult<()> {
    let existing = diesel::update(interview_bookings::table.find(&booking.case_id))
        .set((
            interview_bookings::slot_id.eq(&booking.slot_id),
            interview_bookings::sequence.eq(booking.sequence),
            interview_bookings::reschedules.eq(booking.reschedules),
            interview_bookings::booked_at.eq(booking.booked_at),
            interview_bookings::updated_at.eq(booking.updated_at),
        ))
        .execute(conn)?;
    if existing == 0 {
        diesel::insert_into(interview_bookings::table)
            .values(booking)
            .execute(conn)?;
    }
    Ok(())
}

/// A booking joined with its case, as loaded (slot, case id, receipt, names, sponsor, status).
type BookedTuple = (
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);

/// Cases with an interview booked in one of `slot_ids` (status `interview_scheduled`).
pub fn booked_cases(
    conn: &mut DbConnection,
    slot_ids: &[String],
) -> QueryResult<Vec<BookedCaseRow>> {
    if slot_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    // Bounded IN lists: PostgreSQL and SQLite both cap bind parameters.
    for chunk in slot_ids.chunks(500) {
        let part: Vec<BookedTuple> = interview_bookings::table
            .inner_join(cases::table)
            .filter(interview_bookings::slot_id.eq_any(chunk.to_vec()))
            .filter(cases::status.eq("interview_scheduled"))
            .select((
                interview_bookings::slot_id,
                cases::id,
                cases::receipt_number,
                cases::given_name,
                cases::family_name,
                cases::name_ko,
                cases::sponsor_id,
                cases::status,
            ))
            .order(cases::receipt_number.asc())
            .load(conn)?;
        rows.extend(part.into_iter().filter_map(
            |(
                slot,
                case_id,
                receipt_number,
                given_name,
                family_name,
                name_ko,
                sponsor_id,
                status,
            )| {
                Some(BookedCaseRow {
                    slot_id: slot?,
                    case_id,
                    receipt_number,
                    given_name,
                    family_name,
                    name_ko,
                    sponsor_id,
                    status,
                })
            },
        ));
    }
    Ok(rows)
}

/// Cases still scheduled into a slot that was closed: they need a new slot.
pub fn cases_to_rebook(conn: &mut DbConnection) -> QueryResult<Vec<(BookedCaseRow, SlotRow)>> {
    let closed: Vec<SlotRow> = interview_slots::table
        .filter(interview_slots::closed.eq(true))
        .filter(interview_slots::booked.gt(0))
        .select(SlotRow::as_select())
        .order((interview_slots::starts_at.asc(), interview_slots::id.asc()))
        .load(conn)?;
    let ids: Vec<String> = closed.iter().map(|s| s.id.clone()).collect();
    let booked = booked_cases(conn, &ids)?;
    let mut out = Vec::new();
    for slot in closed {
        for case in booked.iter().filter(|c| c.slot_id == slot.id) {
            out.push((case.clone(), slot.clone()));
        }
    }
    Ok(out)
}

/// Records the legal ground of a refusal.
pub fn record_refusal(
    conn: &mut DbConnection,
    case_id: &str,
    ground: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(case_refusals::table.find(case_id)).execute(conn)?;
    diesel::insert_into(case_refusals::table)
        .values((
            case_refusals::case_id.eq(case_id),
            case_refusals::ground.eq(ground),
            case_refusals::refused_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn refusal_ground(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<String>> {
    case_refusals::table
        .find(case_id)
        .select(case_refusals::ground)
        .first(conn)
        .optional()
}

/// Starts a case's INA 221(g) clock.
pub fn start_processing(
    conn: &mut DbConnection,
    case_id: &str,
    reason: &str,
    documents_json: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(administrative_processing::table.find(case_id)).execute(conn)?;
    diesel::insert_into(administrative_processing::table)
        .values((
            administrative_processing::case_id.eq(case_id),
            administrative_processing::started_at.eq(at),
            administrative_processing::reason.eq(reason),
            administrative_processing::documents.eq(documents_json),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Stops the clock with the decision that ended it; 0 when none was running.
pub fn end_processing(
    conn: &mut DbConnection,
    case_id: &str,
    outcome: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        administrative_processing::table
            .filter(administrative_processing::case_id.eq(case_id))
            .filter(administrative_processing::ended_at.is_null()),
    )
    .set((
        administrative_processing::ended_at.eq(at),
        administrative_processing::outcome.eq(outcome),
    ))
    .execute(conn)
}

/// When the case's administrative processing started, if it is running.
pub fn processing_since(
    conn: &mut DbConnection,
    case_id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    administrative_processing::table
        .filter(administrative_processing::case_id.eq(case_id))
        .filter(administrative_processing::ended_at.is_null())
        .select(administrative_processing::started_at)
        .first(conn)
        .optional()
}

/// Filings with cases awaiting an interview (in review, evidence submitted): (filing id,
/// how many, the first receipt number), for the batch-booking form.
pub fn filings_awaiting_interview(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, i64, Option<String>)>> {
    cases::table
        .filter(cases::status.eq_any(["in_review", "evidence_submitted"]))
        .group_by(cases::filing_id)
        .select((
            cases::filing_id,
            diesel::dsl::count_star(),
            diesel::dsl::min(cases::receipt_number),
        ))
        .order(diesel::dsl::min(cases::receipt_number).asc())
        .limit(200)
        .load(conn)
}

/// How many no-shows were recorded in `[from, to)`.
pub fn no_shows_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::action.eq("case.record_no_show"))
        .filter(audit_log::occurred_at.ge(from))
        .filter(audit_log::occurred_at.lt(to))
        .count()
        .get_result(conn)
}

/// (filing date, interview, decided at) of the cases whose interview falls in `[from, to)`.
pub fn interview_times(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(chrono::NaiveDate, NaiveDateTime, Option<NaiveDateTime>)>> {
    cases::table
        .filter(cases::interview_at.ge(from))
        .filter(cases::interview_at.lt(to))
        .select((
            cases::filing_date,
            cases::interview_at.assume_not_null(),
            cases::decided_at,
        ))
        .load(conn)
}
