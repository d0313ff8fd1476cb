//! The `sponsors` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sponsors;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sponsors)]
pub struct SponsorRow {
    pub id: String,
    pub legal_name: String,
    pub legal_name_ko: Option<String>,
    pub business_registration_no: String,
    pub korean_ownership_pct: f64,
    pub treaty_investor: bool,
    pub qualifying_relationship: String,
    pub labor_attestation_filed: bool,
    pub strike_or_lockout: bool,
    pub prime_sponsor_id: Option<String>,
    pub status: String,
    pub notify_mode: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sponsors::table.find(id))).get_result(conn)
}

pub fn insert(conn: &mut DbConnection, row: &SponsorRow) -> QueryResult<()> {
    diesel::insert_into(sponsors::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SponsorRow>> {
    sponsors::table
        .find(id)
        .select(SponsorRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_registration(
    conn: &mut DbConnection,
    registration_no: &str,
) -> QueryResult<Option<SponsorRow>> {
    sponsors::table
        .filter(sponsors::business_registration_no.eq(registration_no))
        .select(SponsorRow::as_select())
        .first(conn)
        .optional()
}

/// All sponsors, or only those with the given ids, oldest first.
pub fn list(conn: &mut DbConnection, only: Option<&[String]>) -> QueryResult<Vec<SponsorRow>> {
    let mut query = sponsors::table
        .select(SponsorRow::as_select())
        .order((sponsors::created_at.asc(), sponsors::id.asc()))
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(sponsors::id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}

/// Ids of the subcontractors that file through `prime_id`.
pub fn subcontractor_ids(conn: &mut DbConnection, prime_id: &str) -> QueryResult<Vec<String>> {
    sponsors::table
        .filter(sponsors::prime_sponsor_id.eq(prime_id))
        .select(sponsors::id)
        .load(conn)
}

pub fn mark_verified(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set((
            sponsors::status.eq("verified"),
            sponsors::verified_by.eq(by),
            sponsors::verified_at.eq(at),
            sponsors::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn set_notify_mode(
    conn: &mut DbConnection,
    id: &str,
    mode: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set((sponsors::notify_mode.eq(mode), sponsors::updated_at.eq(at)))
        .execute(conn)
}

/// Sets `updated_at`: a write that takes the row's lock, so that changes to the sponsor's
/// users are serialized per sponsor. Returns the rows changed (0: no such sponsor).
pub fn touch(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set(sponsors::updated_at.eq(at))
        .execute(conn)
}

/// Records that `subcontractor_id` asked to file through `prime_id`.
pub fn insert_link_request(
    conn: &mut DbConnection,
    subcontractor_id: &str,
    prime_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use super::schema::prime_link_requests as r;
    diesel::insert_into(r::table)
        .values((
            r::subcontractor_id.eq(subcontractor_id),
            r::prime_id.eq(prime_id),
            r::requested_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The sponsors asking to file through `prime_id`, oldest request first.
pub fn link_requests_to(
    conn: &mut DbConnection,
    prime_id: &str,
) -> QueryResult<Vec<(SponsorRow, NaiveDateTime)>> {
    use super::schema::prime_link_requests as r;
    r::table
        .inner_join(sponsors::table.on(sponsors::id.eq(r::subcontractor_id)))
        .filter(r::prime_id.eq(prime_id))
        .order((r::requested_at.asc(), r::subcontractor_id.asc()))
        .select((SponsorRow::as_select(), r::requested_at))
        .load(conn)
}

/// Removes a pending request; true when there was one from `subcontractor_id` to `prime_id`.
pub fn take_link_request(
    conn: &mut DbConnection,
    subcontractor_id: &str,
    prime_id: &str,
) -> QueryResult<bool> {
    use super::schema::prime_link_requests as r;
    let removed = diesel::delete(
        r::table
            .filter(r::subcontractor_id.eq(subcontractor_id))
            .filter(r::prime_id.eq(prime_id)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

/// Links a subcontractor to its prime (after the prime accepted).
pub fn set_prime(
    conn: &mut DbConnection,
    subcontractor_id: &str,
    prime_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(subcontractor_id))
        .set((
            sponsors::prime_sponsor_id.eq(prime_id),
            sponsors::updated_at.eq(at),
        ))
        .execute(conn)
}
