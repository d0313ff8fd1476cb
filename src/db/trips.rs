//! The `trips` table: a worker's trips to the United States.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::trips;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = trips)]
pub struct TripRow {
    pub id: String,
    pub case_id: String,
    pub passport_index: String,
    pub admission_class: String,
    pub entry_date: NaiveDate,
    pub exit_date: Option<NaiveDate>,
    pub port: Option<String>,
    pub source: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// The I-94's admit-until date (for an ESTA admission, its 90th day when not given).
    pub admitted_until: Option<NaiveDate>,
}

pub fn insert(conn: &mut DbConnection, row: &TripRow) -> QueryResult<()> {
    diesel::insert_into(trips::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One trip of a case.
pub fn find(conn: &mut DbConnection, case_id: &str, id: &str) -> QueryResult<Option<TripRow>> {
    trips::table
        .filter(trips::case_id.eq(case_id))
        .filter(trips::id.eq(id))
        .select(TripRow::as_select())
        .first(conn)
        .optional()
}

/// Records the exit of an open trip; false when the trip is no longer open.
pub fn close(conn: &mut DbConnection, id: &str, exit: NaiveDate) -> QueryResult<bool> {
    diesel::update(
        trips::table
            .filter(trips::id.eq(id))
            .filter(trips::exit_date.is_null()),
    )
    .set(trips::exit_date.eq(exit))
    .execute(conn)
    .map(|n| n == 1)
}

/// Open trips whose admit-until date is before `today` and that have no overstay alert yet:
/// what the daily sweep reports, oldest first.
pub fn open_past_admission(
    conn: &mut DbConnection,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<TripRow>> {
    use super::schema::overstay_alerts;
    trips::table
        .filter(trips::exit_date.is_null())
        .filter(trips::admitted_until.lt(today))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            overstay_alerts::table.filter(overstay_alerts::trip_id.eq(trips::id)),
        )))
        .select(TripRow::as_select())
        .order((trips::admitted_until.asc(), trips::id.asc()))
        .limit(limit)
        .load(conn)
}

/// The trips recorded on one case, earliest first.
pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<TripRow>> {
    trips::table
        .filter(trips::case_id.eq(case_id))
        .select(TripRow::as_select())
        .order((trips::entry_date.asc(), trips::id.asc()))
        .load(conn)
}

/// The trips of one worker (one passport) on any case, earliest first: for the desk only.
pub fn for_passport(conn: &mut DbConnection, passport_index: &str) -> QueryResult<Vec<TripRow>> {
    trips::table
        .filter(trips::passport_index.eq(passport_index))
        .select(TripRow::as_select())
        .order((trips::entry_date.asc(), trips::id.asc()))
        .load(conn)
}

/// The trips of several workers at once (by passport index), earliest first per worker.
pub fn for_passports(
    conn: &mut DbConnection,
    passport_indexes: &[String],
) -> QueryResult<Vec<TripRow>> {
    let mut rows = Vec::new();
    // Bounded lists: SQLite caps the parameters of one statement.
    for chunk in passport_indexes.chunks(1000) {
        rows.extend(
            trips::table
                .filter(trips::passport_index.eq_any(chunk))
                .select(TripRow::as_select())
                .order((
                    trips::passport_index.asc(),
                    trips::entry_date.asc(),
                    trips::id.asc(),
                ))
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// The cases filed for one passport (any sponsor): (id, receipt number, sponsor, status).
pub fn cases_of_passport(
    conn: &mut DbConnection,
    passport_index: &str,
) -> QueryResult<Vec<(String, String, String, String)>> {
    use super::schema::cases;
    cases::table
        .filter(cases::passport_index.eq(passport_index))
        .select((
            cases::id,
            cases::receipt_number,
            cases::sponsor_id,
            cases::status,
        ))
        .order(cases::created_at.asc())
        .load(conn)
}

/// The passport blind index of a case (`None`: no such case).
pub fn passport_of_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<String>> {
    use super::schema::cases;
    cases::table
        .find(case_id)
        .select(cases::passport_index)
        .first(conn)
        .optional()
}
