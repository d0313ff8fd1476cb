//! Published rule-set versions, stored case evaluations, and the yearly cap ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::literal_limit::LiteralLimitDsl;
use super::schema::{cap_counters, cap_reservations, case_evaluations, rulesets};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rulesets)]
pub struct PublishedRuleSet {
    pub id: String,
    pub route: String,
    pub version: i32,
    pub hash: String,
    pub source: String,
    pub published_by: String,
    pub published_at: NaiveDateTime,
}

pub fn insert_published(conn: &mut DbConnection, row: &PublishedRuleSet) -> QueryResult<()> {
    diesel::insert_into(rulesets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// All published versions, in the order they must be applied (per route, by version).
pub fn all_published(conn: &mut DbConnection) -> QueryResult<Vec<PublishedRuleSet>> {
    rulesets::table
        .select(PublishedRuleSet::as_select())
        .order((rulesets::published_at.asc(), rulesets::version.asc()))
        .load(conn)
}

pub fn published_count(conn: &mut DbConnection) -> QueryResult<i64> {
    rulesets::table.count().get_result(conn)
}

pub fn published_meta(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, i32, String, NaiveDateTime)>> {
    rulesets::table
        .select((
            rulesets::route,
            rulesets::version,
            rulesets::published_by,
            rulesets::published_at,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_evaluations)]
pub struct EvaluationRow {
    pub id: String,
    pub case_id: String,
    pub evaluated_at: NaiveDateTime,
    pub trigger: String,
    pub context_json: String,
    pub summary_json: String,
}

pub fn insert_evaluations(conn: &mut DbConnection, rows: &[EvaluationRow]) -> QueryResult<()> {
    // Multi-row inserts do not compile on the MultiConnection enum: match on the backend.
    for chunk in rows.chunks(200) {
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(case_evaluations::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(case_evaluations::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn latest_evaluation(
    conn: &mut DbConnection,
    case_id: &str,
) -> QueryResult<Option<EvaluationRow>> {
    case_evaluations::table
        .filter(case_evaluations::case_id.eq(case_id))
        .select(EvaluationRow::as_select())
        .order((
            case_evaluations::evaluated_at.desc(),
            case_evaluations::id.desc(),
        ))
        .limit_literal(1)
        .get_result(conn)
        .optional()
}

/// `(cap, used)` of a route's cap in a fiscal year, if a counter exists.
pub fn cap_usage(
    conn: &mut DbConnection,
    route: &str,
    fiscal_year: i32,
) -> QueryResult<Option<(i64, i64)>> {
    cap_counters::table
        .find((route, fiscal_year))
        .select((cap_counters::cap, cap_counters::used))
        .first(conn)
        .optional()
}

/// Creates the counter for a year at `cap` unless it exists.
pub fn ensure_cap_counter(
    conn: &mut DbConnection,
    route: &str,
    fiscal_year: i32,
    cap: i64,
) -> QueryResult<()> {
    let row = (
        cap_counters::route.eq(route),
        cap_counters::fiscal_year.eq(fiscal_year),
        cap_counters::cap.eq(cap),
        cap_counters::used.eq(0i64),
    );
    // on_conflict does not compile on the MultiConnection enum: match on the backend.
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(cap_counters::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(cap_counters::table)
            .values(row)
            .execute(c)?,
    };
    Ok(())
}

/// Takes one slot if one is left; false when the cap is reached. The conditional update
/// holds the counter row's lock until commit, so concurrent approvals queue on it and can
/// never take more than `cap` slots.
pub fn take_cap_slot(conn: &mut DbConnection, route: &str, fiscal_year: i32) -> QueryResult<bool> {
    let changed = diesel::update(
        cap_counters::table
            .filter(cap_counters::route.eq(route))
            .filter(cap_counters::fiscal_year.eq(fiscal_year))
            .filter(cap_counters::used.lt(cap_counters::cap)),
    )
    .set(cap_counters::used.eq(cap_counters::used + 1))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_reservation(
    conn: &mut DbConnection,
    case_id: &str,
    route: &str,
    fiscal_year: i32,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(cap_reservations::table)
        .values((
            cap_reservations::case_id.eq(case_id),
            cap_reservations::route.eq(route),
            cap_reservations::fiscal_year.eq(fiscal_year),
            cap_reservations::reserved_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Gives a case's slot back, if it holds one; true when one was released.
pub fn release_reservation(conn: &mut DbConnection, case_id: &str) -> QueryResult<bool> {
    let held: Option<(String, i32)> = cap_reservations::table
        .find(case_id)
        .select((cap_reservations::route, cap_reservations::fiscal_year))
        .first(conn)
        .optional()?;
    let Some((route, fiscal_year)) = held else {
        return Ok(false);
    };
    diesel::delete(cap_reservations::table.find(case_id)).execute(conn)?;
    diesel::update(cap_counters::table.find((route, fiscal_year)))
        .set(cap_counters::used.eq(cap_counters::used - 1))
        .execute(conn)?;
    Ok(true)
}

/// Facts of every case, for dry runs: (id, receipt, facts JSON), in pages.
pub fn case_facts_page(
    conn: &mut DbConnection,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(String, String, String)>> {
    use super::schema::cases;
    let mut query = cases::table
        .select((cases::id, cases::receipt_number, cases::facts_json))
        .order(cases::id.asc())
        .into_boxed();
    if let Some(id) = after_id {
        query = query.filter(cases::id.gt(id.to_owned()));
    }
    query.limit_literal(limit).load(conn)
}
