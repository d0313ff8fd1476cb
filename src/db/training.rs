//! The `training_sessions` table: the training ledger (U.S. workers trained by the workers of
//! the desk's cases). Sums and groups here, in portable diesel; the arithmetic of reports
//! (months, distinct trainers, suppression) is the service's.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::schema::training_sessions as ts;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ts)]
pub struct TrainingRow {
    pub id: String,
    pub case_id: String,
    pub sponsor_id: String,
    pub project_id: String,
    pub passport_index: String,
    pub session_date: NaiveDate,
    /// Whole minutes (the API speaks hours).
    pub minutes: i32,
    pub us_workers_trained: i32,
    pub skill: String,
    pub equipment: Option<String>,
    /// `entered` or `csv_import`.
    pub source: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &TrainingRow) -> QueryResult<()> {
    diesel::insert_into(ts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The sessions recorded on one case, earliest first.
pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<TrainingRow>> {
    ts::table
        .filter(ts::case_id.eq(case_id))
        .select(TrainingRow::as_select())
        .order((ts::session_date.asc(), ts::id.asc()))
        .load(conn)
}

/// The sessions of one worker (one passport) on any case, earliest first: for the desk only.
pub fn for_passport(
    conn: &mut DbConnection,
    passport_index: &str,
) -> QueryResult<Vec<TrainingRow>> {
    ts::table
        .filter(ts::passport_index.eq(passport_index))
        .select(TrainingRow::as_select())
        .order((ts::session_date.asc(), ts::id.asc()))
        .load(conn)
}

/// Which sessions a report covers; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct TrainingFilter {
    /// Sessions of these sponsors only (`None`: every sponsor).
    pub sponsors: Option<Vec<String>>,
    pub project_id: Option<String>,
    /// Sessions on or after this day.
    pub from: Option<NaiveDate>,
    /// Sessions on or before this day.
    pub to: Option<NaiveDate>,
}

macro_rules! narrow {
    ($query:expr, $f:expr) => {{
        let mut query = $query;
        let f: &TrainingFilter = $f;
        if let Some(sponsors) = &f.sponsors {
            query = query.filter(ts::sponsor_id.eq_any(sponsors.clone()));
        }
        if let Some(project) = &f.project_id {
            query = query.filter(ts::project_id.eq(project.clone()));
        }
        if let Some(day) = f.from {
            query = query.filter(ts::session_date.ge(day));
        }
        if let Some(day) = f.to {
            query = query.filter(ts::session_date.le(day));
        }
        query
    }};
}

/// The sessions of one sponsor, project and day, added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    pub sponsor_id: String,
    pub project_id: String,
    pub date: NaiveDate,
    pub sessions: i64,
    pub minutes: i64,
    pub us_workers_trained: i64,
}

/// (sponsor, project, day, sessions, minutes, U.S. workers trained) as the database sums them.
type DayRow = (String, String, NaiveDate, i64, Option<i64>, Option<i64>);

/// The filter's sessions grouped by (sponsor, project, day): every sum of a report comes from
/// these groups, which are far fewer than the sessions.
pub fn day_totals(conn: &mut DbConnection, f: &TrainingFilter) -> QueryResult<Vec<DayTotals>> {
    let query = ts::table
        .group_by((ts::sponsor_id, ts::project_id, ts::session_date))
        .select((
            ts::sponsor_id,
            ts::project_id,
            ts::session_date,
            count_star(),
            sum(ts::minutes),
            sum(ts::us_workers_trained),
        ))
        .order(ts::session_date.asc())
        .into_boxed();
    let rows: Vec<DayRow> = narrow!(query, f).load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(sponsor_id, project_id, date, sessions, minutes, trained)| DayTotals {
                sponsor_id,
                project_id,
                date,
                sessions,
                minutes: minutes.unwrap_or(0),
                us_workers_trained: trained.unwrap_or(0),
            },
        )
        .collect())
}

/// The distinct (sponsor, project, trainer) of the filter's sessions: a trainer is one
/// passport, however many cases and sessions it has.
pub fn trainers(
    conn: &mut DbConnection,
    f: &TrainingFilter,
) -> QueryResult<Vec<(String, String, String)>> {
    let query = ts::table
        .select((ts::sponsor_id, ts::project_id, ts::passport_index))
        .distinct()
        .into_boxed();
    narrow!(query, f).load(conn)
}

/// A project as the reports place it: (id, name, sponsor id, sector, state).
pub type ProjectPlace = (String, String, String, String, String);

/// The projects `ids`, in one query.
pub fn project_places(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<ProjectPlace>> {
    use super::schema::projects;
    projects::table
        .filter(projects::id.eq_any(ids.to_vec()))
        .select((
            projects::id,
            projects::name,
            projects::sponsor_id,
            projects::sector,
            projects::state,
        ))
        .load(conn)
}
