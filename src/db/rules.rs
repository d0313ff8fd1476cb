//! Published rule-set versions, stored case evaluations, and the yearly cap ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::literal_limit::LiteralLimitDsl;
use super::schema::{
    cap_counters, cap_reservations, case_evaluations, evidence_confirmations, reevaluation_runs,
    rulesets,
};
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
// `None` is stored as NULL (every such column's default), which lets diesel keep the insert
// prepared (`db::insert_rows!`).
#[diesel(treat_none_as_default_value = false)]
pub struct EvaluationRow {
    pub id: String,
    pub case_id: String,
    pub evaluated_at: NaiveDateTime,
    pub trigger: String,
    pub context_json: String,
    pub summary_json: String,
}

pub fn insert_evaluations(conn: &mut DbConnection, rows: &[EvaluationRow]) -> QueryResult<()> {
    super::insert_rows!(conn, case_evaluations::table, rows, 200)
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

/// Takes one slot if fewer than `cap` (the cap in force now) are used; false when the cap is
/// reached. The counter follows the cap in force: it is stored with every slot taken. The
/// conditional update holds the counter row's lock until commit, so concurrent approvals queue
/// on it and can never take more than `cap` slots.
pub fn take_cap_slot(
    conn: &mut DbConnection,
    route: &str,
    fiscal_year: i32,
    cap: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        cap_counters::table
            .filter(cap_counters::route.eq(route))
            .filter(cap_counters::fiscal_year.eq(fiscal_year))
            .filter(cap_counters::used.lt(cap)),
    )
    .set((
        cap_counters::used.eq(cap_counters::used + 1),
        cap_counters::cap.eq(cap),
    ))
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
) -> QueryResult<Vec<(String, String, String, String)>> {
    use super::schema::cases;
    let mut query = cases::table
        .select((
            cases::id,
            cases::receipt_number,
            cases::facts_json,
            cases::passport_index,
        ))
        .order(cases::id.asc())
        .into_boxed();
    if let Some(id) = after_id {
        query = query.filter(cases::id.gt(id.to_owned()));
    }
    query.limit_literal(limit).load(conn)
}

/// Evidence rules an officer confirmed on a case.
pub fn confirmed_rules(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<String>> {
    evidence_confirmations::table
        .filter(evidence_confirmations::case_id.eq(case_id))
        .select(evidence_confirmations::rule_id)
        .order(evidence_confirmations::rule_id.asc())
        .load(conn)
}

/// Records a confirmation; false when the rule was confirmed on the case already.
pub fn insert_confirmation(
    conn: &mut DbConnection,
    case_id: &str,
    rule_id: &str,
    note: &str,
    confirmed_by: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let exists: i64 = evidence_confirmations::table
        .filter(evidence_confirmations::case_id.eq(case_id))
        .filter(evidence_confirmations::rule_id.eq(rule_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(evidence_confirmations::table)
        .values((
            evidence_confirmations::case_id.eq(case_id),
            evidence_confirmations::rule_id.eq(rule_id),
            evidence_confirmations::note.eq(note),
            evidence_confirmations::confirmed_by.eq(confirmed_by),
            evidence_confirmations::confirmed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Ids (and filing dates) of the cases no decision has closed yet, in id order, a page at a
/// time: what a publish re-evaluates.
pub fn undecided_case_ids(
    conn: &mut DbConnection,
    open_statuses: &[&str],
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::cases;
    let statuses: Vec<String> = open_statuses.iter().map(|s| s.to_string()).collect();
    let mut query = cases::table
        .filter(cases::status.eq_any(statuses))
        .select(cases::id)
        .order(cases::id.asc())
        .into_boxed();
    if let Some(id) = after_id {
        query = query.filter(cases::id.gt(id.to_owned()));
    }
    query.limit_literal(limit).load(conn)
}

pub fn count_undecided(conn: &mut DbConnection, open_statuses: &[&str]) -> QueryResult<i64> {
    use super::schema::cases;
    let statuses: Vec<String> = open_statuses.iter().map(|s| s.to_string()).collect();
    cases::table
        .filter(cases::status.eq_any(statuses))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = reevaluation_runs)]
pub struct ReevaluationRun {
    pub id: String,
    pub trigger: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub total: i64,
    pub done: i64,
    pub changed: i64,
    pub failed: i64,
}

pub fn insert_run(conn: &mut DbConnection, run: &ReevaluationRun) -> QueryResult<()> {
    diesel::insert_into(reevaluation_runs::table)
        .values(run)
        .execute(conn)
        .map(|_| ())
}

pub fn update_run_progress(
    conn: &mut DbConnection,
    id: &str,
    done: i64,
    changed: i64,
    failed: i64,
    finished_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(reevaluation_runs::table.find(id))
        .set((
            reevaluation_runs::done.eq(done),
            reevaluation_runs::changed.eq(changed),
            reevaluation_runs::failed.eq(failed),
            reevaluation_runs::finished_at.eq(finished_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn any_run_with_trigger(conn: &mut DbConnection, trigger: &str) -> QueryResult<bool> {
    let n: i64 = reevaluation_runs::table
        .filter(reevaluation_runs::trigger.eq(trigger))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find_run(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ReevaluationRun>> {
    reevaluation_runs::table
        .find(id)
        .select(ReevaluationRun::as_select())
        .first(conn)
        .optional()
}

/// An open case as the E-4 cap simulation reads it.
pub struct OpenCaseFacts {
    pub id: String,
    pub sponsor_id: String,
    pub facts_json: String,
    /// The latest evaluation's summary, if the case has one.
    pub latest_summary: Option<String>,
}

/// Open cases with their stored facts, sponsor and latest evaluation summary: the E-4 cap
/// simulation's input.
pub fn open_cases_with_latest_summary(
    conn: &mut DbConnection,
    open_statuses: &[&str],
) -> QueryResult<Vec<OpenCaseFacts>> {
    use super::schema::cases;
    let statuses: Vec<String> = open_statuses.iter().map(|s| s.to_string()).collect();
    let rows: Vec<(String, String, String)> = cases::table
        .filter(cases::status.eq_any(statuses))
        .select((cases::id, cases::sponsor_id, cases::facts_json))
        .order(cases::id.asc())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, sponsor_id, facts_json) in rows {
        let latest_summary = latest_evaluation(conn, &id)?.map(|e| e.summary_json);
        out.push(OpenCaseFacts {
            id,
            sponsor_id,
            facts_json,
            latest_summary,
        });
    }
    Ok(out)
}
