//! The `cases` table and the officer queue's keyset query.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::keep_prepared::KeepPreparedDsl;
use super::literal_limit::LiteralLimitDsl;
use super::schema::cases;
use super::{on_backend, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
// `None` is stored as NULL (every such column's default), which lets diesel keep the insert
// prepared (`db::insert_rows!`).
#[diesel(treat_none_as_default_value = false)]
pub struct CaseRow {
    pub id: String,
    pub receipt_number: String,
    pub filing_id: String,
    pub sponsor_id: String,
    pub project_id: String,
    pub status: String,
    pub version: i64,
    pub assignee_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub name_ko: Option<String>,
    pub email: String,
    pub date_of_birth: NaiveDate,
    pub nationality: String,
    pub passport_ciphertext: String,
    pub passport_last4: String,
    pub passport_index: String,
    pub duplicate_passport: bool,
    pub facts_json: String,
    pub filing_date: NaiveDate,
    pub suggested_route: Option<String>,
    pub evidence_due: Option<NaiveDate>,
    pub interview_at: Option<NaiveDateTime>,
    pub decision_route: Option<String>,
    pub decision_reason: Option<String>,
    pub annotation: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A line of the queue: what a list shows. Leaves out the worker's details, the facts and the
/// passport columns, which a page of 50 would otherwise load, decode and drop.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct QueueRow {
    pub id: String,
    pub receipt_number: String,
    pub sponsor_id: String,
    pub project_id: String,
    pub status: String,
    pub version: i64,
    pub assignee_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub passport_last4: String,
    pub duplicate_passport: bool,
    pub suggested_route: Option<String>,
    pub evidence_due: Option<NaiveDate>,
    pub interview_at: Option<NaiveDateTime>,
    pub filing_date: NaiveDate,
    pub created_at: NaiveDateTime,
    /// An overstay alert awaits the desk's finding (`service::overstay`).
    pub overstay_open: bool,
}

/// What the public status look-up needs of a case: the date of birth to check and the status
/// to tell. The look-up is public and frequent; the other 26 columns (facts, passport…) would
/// be read, sent over TLS and decoded only to be dropped.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct StatusRow {
    pub id: String,
    pub receipt_number: String,
    pub status: String,
    pub date_of_birth: NaiveDate,
    pub interview_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// Fields an action may change; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub status: Option<String>,
    pub assignee_id: Option<String>,
    pub suggested_route: Option<String>,
    pub facts_json: Option<String>,
    pub evidence_due: Option<NaiveDate>,
    /// `Some(None)` clears it (a cancelled interview).
    pub interview_at: Option<Option<NaiveDateTime>>,
    pub decision_route: Option<String>,
    pub decision_reason: Option<String>,
    pub annotation: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    /// The applicant's, when an amendment of the facts changes them: the public look-up
    /// reads these columns.
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
}

pub fn insert_many(conn: &mut DbConnection, rows: &[CaseRow]) -> QueryResult<()> {
    super::insert_rows!(conn, cases::table, rows, 200)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CaseRow>> {
    on_backend!(conn, c => cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(c)
        .optional())
}

pub fn find_status_by_receipt(
    conn: &mut DbConnection,
    receipt: &str,
) -> QueryResult<Option<StatusRow>> {
    on_backend!(conn, c => cases::table
        .filter(cases::receipt_number.eq(receipt))
        .select(StatusRow::as_select())
        .first(c)
        .optional())
}

/// Applies `changes` and bumps the version only if the case is still at `expected_version`.
/// Returns the case as it is now, in the same statement; `None` means someone else changed it
/// first (or it does not exist). Each action sets the same columns every time, so the statement
/// stays prepared ([`super::keep_prepared`]).
pub fn update_if_version(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    changes: &CaseChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<CaseRow>> {
    on_backend!(conn, c => diesel::update(
        cases::table
            .filter(cases::id.eq(id))
            .filter(cases::version.eq(expected_version)),
    )
    .set((
        changes,
        cases::version.eq(expected_version + 1),
        cases::updated_at.eq(at),
    ))
    .returning(CaseRow::as_returning())
    .keep_prepared()
    .get_result(c)
    .optional())
}

/// Cases already filed with any of these passport blind-index values.
pub fn with_passport_index(
    conn: &mut DbConnection,
    indexes: &[String],
) -> QueryResult<Vec<(String, String)>> {
    cases::table
        .filter(cases::passport_index.eq_any(indexes.to_vec()))
        .select((cases::passport_index, cases::receipt_number))
        .load(conn)
}

pub fn for_filing(conn: &mut DbConnection, filing_id: &str) -> QueryResult<Vec<CaseRow>> {
    cases::table
        .filter(cases::filing_id.eq(filing_id))
        .select(CaseRow::as_select())
        .order(cases::receipt_number.asc())
        .load(conn)
}

/// Every case of a project, in receipt order.
pub fn in_project(conn: &mut DbConnection, project_id: &str) -> QueryResult<Vec<CaseRow>> {
    cases::table
        .filter(cases::project_id.eq(project_id))
        .select(CaseRow::as_select())
        .order(cases::receipt_number.asc())
        .load(conn)
}

/// A queue filter; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub suggested_route: Option<String>,
    pub assignee_id: Option<String>,
    pub sponsor_ids: Option<Vec<String>>,
    /// Evidence requests past their due date (as of this day).
    pub overdue_on: Option<NaiveDate>,
    /// Every case but the evidence requests past their due date (as of this day): with
    /// `overdue_on`, the two halves of the overdue-first order.
    pub not_overdue_on: Option<NaiveDate>,
    /// Filed on or after this day.
    pub filed_from: Option<NaiveDate>,
    /// Filed on or before this day.
    pub filed_to: Option<NaiveDate>,
    /// The decided route, or the suggested one while there is no decision (reports).
    pub route_decided_or_suggested: Option<String>,
    /// Only cases with a document (its own or its project's) awaiting the desk's review.
    pub documents_awaiting_review: bool,
    /// Only cases with an overstay alert awaiting the desk's finding.
    pub overstay_open: bool,
    /// What a person typed in the search box, read every way it can mean.
    pub search: Option<CaseSearch>,
    pub project_id: Option<String>,
    pub filing_id: Option<String>,
    pub after: Option<(NaiveDateTime, String)>,
    /// The cases before this one, nearest first (the page is then in reverse order).
    pub before: Option<(NaiveDateTime, String)>,
    /// Newest first from the end, as `before` without a bound.
    pub from_end: bool,
}

impl From<super::reports::ReportFilter> for CaseFilter {
    fn from(f: super::reports::ReportFilter) -> Self {
        CaseFilter {
            filed_from: f.from,
            filed_to: f.to,
            sponsor_ids: f.sponsor_id.map(|s| vec![s]),
            assignee_id: f.officer_id,
            route_decided_or_suggested: f.route,
            ..CaseFilter::default()
        }
    }
}

/// A search: a case matches when any of these does.
#[derive(Debug, Clone, Default)]
pub struct CaseSearch {
    /// A receipt number, when the text is one (tolerantly: case, spaces and hyphens).
    pub receipt: Option<String>,
    /// An id (a filing's or a case's), when the text is a UUID.
    pub id: Option<String>,
    /// The passport's last four characters, when the text is four letters or digits.
    pub passport_last4: Option<String>,
    /// `%text%`, lower-cased, LIKE's wildcards escaped with `\`: names (romanised in either
    /// order, or Hangul), the sponsor's legal name (English or Korean), the project's name.
    pub pattern: String,
    /// `%text%`, lower-cased, without LIKE's wildcards and `\` (names hold none): the names'
    /// pattern on SQLite, whose trigram index answers `LIKE` only without an `ESCAPE`.
    pub plain_pattern: String,
    /// Two Hangul syllables: a given name, too short for trigrams (`given_name_ko`).
    pub given_name_ko: Option<String>,
}

/// The sponsors and projects whose names a search matches: read first, from their small
/// tables, so that the cases' query is an OR of index look-ups.
fn search_targets(
    conn: &mut DbConnection,
    search: &CaseSearch,
) -> QueryResult<(Vec<String>, Vec<String>)> {
    use super::schema::{projects, sponsors};
    let sponsors = sponsors::table
        .filter(
            lower(sponsors::legal_name)
                .like(search.pattern.clone())
                .escape('\\')
                .or(sponsors::legal_name_ko
                    .like(search.pattern.clone())
                    .escape('\\')),
        )
        .select(sponsors::id)
        .load(conn)?;
    let projects = projects::table
        .filter(
            lower(projects::name)
                .like(search.pattern.clone())
                .escape('\\'),
        )
        .select(projects::id)
        .load(conn)?;
    Ok((sponsors, projects))
}

diesel::define_sql_function! {
    /// SQL `lower`, on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Sets or clears a case's overstay flag (not a change of the case: no new version).
pub fn set_overstay_open(conn: &mut DbConnection, id: &str, open: bool) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set(cases::overstay_open.eq(open))
        .execute(conn)
        .map(|_| ())
}

/// The names' term of a search, through their trigram index: PostgreSQL's pg_trgm index on
/// `search_names` (backslash is its LIKE's own escape), SQLite's FTS5 trigram table
/// `cases_search` (shorter than three characters: the column itself); two Hangul syllables (a
/// given name: too short for trigrams) by the index on `given_name_ko`. Raw SQL: the two generated columns are left out of `schema.rs`, which
/// holds at most 32 columns a table.
macro_rules! names_condition {
    ($search:expr, $postgres:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::{Bool, Text};
        let search: &CaseSearch = $search;
        let (open, value, close) = match (&search.given_name_ko, $postgres) {
            (Some(given), _) => ("(cases.given_name_ko = ", given.clone(), ")"),
            (None, true) => ("(cases.search_names LIKE ", search.pattern.clone(), ")"),
            // FTS5's trigrams match nothing shorter than three characters: those (a surname)
            // are read from the column itself
            (None, false) if search.plain_pattern.trim_matches('%').chars().count() < 3 => (
                "(cases.search_names LIKE ",
                search.plain_pattern.clone(),
                ")",
            ),
            (None, false) => (
                "(cases.rowid IN (SELECT rowid FROM cases_search WHERE search_names LIKE ",
                search.plain_pattern.clone(),
                "))",
            ),
        };
        sql::<Bool>(open).bind::<Text, _>(value).sql(close)
    }};
}

/// At most this many matches of a search are collected before the page is read. Reading
/// every match costs one heap read each; walking the queue's order until a page is full costs
/// about `page size / share of cases matching` reads: the two meet near the square root of
/// page size × cases (7,000 at 50 a page and 1,000,000 cases), so matches up to 10,000 are
/// collected and more are left to the queue's order (docs/benchmarks.md, P8).
pub const SEARCH_CANDIDATES: i64 = 10_000;

/// A match's place in the queue: (created_at, id).
type QueuePlace = (NaiveDateTime, String);

/// The cases a search matches, collected from the indexes without the queue's order, when
/// there are fewer than [`SEARCH_CANDIDATES`]; `None` when there are more. A rare name at a
/// million cases is then a few index look-ups and a sort, where the queue's order would have
/// walked most of the table to fill a page; a common one (more matches) is found soon in
/// the queue's order. Each match comes with its place in the queue, so that only the page's
/// cases are read again.
fn search_candidates(
    conn: &mut DbConnection,
    search: &CaseSearch,
    sponsors: &[String],
    projects: &[String],
    postgres: bool,
) -> QueryResult<Option<Vec<QueuePlace>>> {
    // A text shorter than a trigram (a surname, or a typo'd letter) has no index to be read
    // from, and matches many: the queue's order finds a page of them soon.
    if search.given_name_ko.is_none() && search.plain_pattern.trim_matches('%').chars().count() < 3
    {
        return Ok(None);
    }
    // A Hangul given name and nothing else: its index is in the queue's order
    // (`cases_given_name_ko_idx`), so the page is read from it directly, however many match.
    if search.given_name_ko.is_some() && names_only(search, sponsors, projects) {
        return Ok(None);
    }
    let limit = SEARCH_CANDIDATES;
    let mut ids: Vec<QueuePlace> = on_backend!(conn, c => cases::table
        .filter(names_condition!(search, postgres))
        .select((cases::created_at, cases::id))
        .limit(limit)
        .load(c))?;
    if ids.len() as i64 >= limit {
        return Ok(None);
    }
    // Each exact term on its own: one index look-up each (SQLite does not answer an OR of
    // them from its indexes).
    if let Some(receipt) = &search.receipt {
        ids.extend(
            cases::table
                .filter(cases::receipt_number.eq(receipt))
                .select((cases::created_at, cases::id))
                .load::<QueuePlace>(conn)?,
        );
    }
    if let Some(last4) = &search.passport_last4 {
        ids.extend(
            cases::table
                .filter(cases::passport_last4.eq(last4))
                .select((cases::created_at, cases::id))
                .limit(limit)
                .load::<QueuePlace>(conn)?,
        );
    }
    if let Some(id) = &search.id {
        ids.extend(
            cases::table
                .filter(cases::id.eq(id))
                .select((cases::created_at, cases::id))
                .load::<QueuePlace>(conn)?,
        );
        ids.extend(
            cases::table
                .filter(cases::filing_id.eq(id))
                .select((cases::created_at, cases::id))
                .limit(limit)
                .load::<QueuePlace>(conn)?,
        );
    }
    for (column_is_sponsor, targets) in [(true, sponsors), (false, projects)] {
        if ids.len() as i64 >= limit {
            break;
        }
        if targets.is_empty() {
            continue;
        }
        let query = cases::table
            .select((cases::created_at, cases::id))
            .limit(limit)
            .into_boxed();
        let query = if column_is_sponsor {
            query.filter(cases::sponsor_id.eq_any(targets.to_vec()))
        } else {
            query.filter(cases::project_id.eq_any(targets.to_vec()))
        };
        ids.extend(query.load::<QueuePlace>(conn)?);
    }
    if ids.len() as i64 >= limit {
        return Ok(None);
    }
    ids.sort();
    ids.dedup();
    Ok(Some(ids))
}

/// Whether the text can only be a name: no sponsor or project name holds it, and it is no
/// receipt number, passport ending or id.
fn names_only(search: &CaseSearch, sponsors: &[String], projects: &[String]) -> bool {
    sponsors.is_empty()
        && projects.is_empty()
        && search.receipt.is_none()
        && search.passport_last4.is_none()
        && search.id.is_none()
}

/// Whether each term the text can mean may have an index in the queue's order: the names
/// (when [`name_keys`] finds few enough; never for a Hangul given name, which
/// [`search_candidates`] answers), a receipt number, a passport's last four. A sponsor's or
/// project's name, or an id, has none.
fn in_queue_order(search: &CaseSearch, sponsors: &[String], projects: &[String]) -> bool {
    sponsors.is_empty() && projects.is_empty() && search.id.is_none()
}

/// At most this many distinct names are read one by one in the queue's order; a text that
/// more names contain is answered from the trigram index as before.
pub const NAME_KEYS: usize = 16;

/// The distinct names (`case_names`) that contain the search's text, when at most
/// [`NAME_KEYS`] do; `None` when more do, or when the text is not one a trigram index answers
/// (a Hangul given name, or shorter than three characters).
fn name_keys(
    conn: &mut DbConnection,
    search: &CaseSearch,
    postgres: bool,
) -> QueryResult<Option<Vec<String>>> {
    use super::schema::case_names;
    if search.given_name_ko.is_some() || search.plain_pattern.trim_matches('%').chars().count() < 3
    {
        return Ok(None);
    }
    // As in `names_condition!`: backslash is PostgreSQL's LIKE escape; SQLite's pattern holds
    // no wildcard to escape.
    let pattern = if postgres {
        search.pattern.clone()
    } else {
        search.plain_pattern.clone()
    };
    let keys: Vec<String> = case_names::table
        .filter(case_names::search_names.like(pattern))
        .select(case_names::search_names)
        .limit(NAME_KEYS as i64 + 1)
        .load(conn)?;
    Ok((keys.len() <= NAME_KEYS).then_some(keys))
}

/// How a page's query finds the cases a search matches.
#[derive(Clone)]
enum ReadBy {
    /// Every term the text can mean, as conditions.
    Terms,
    /// These cases (collected before).
    Ids(Vec<String>),
    /// The cases of one distinct name (`search_names`), in the queue's order from its index.
    Name(String),
    /// The case with this receipt number.
    Receipt(String),
    /// The cases with this passport ending, in the queue's order from its index.
    PassportLast4(String),
}

/// One page in (created_at, id) order: oldest first, as a queue is worked.
pub fn page(
    conn: &mut DbConnection,
    filter: &CaseFilter,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let targets = match &filter.search {
        Some(search) => Some(search_targets(conn, search)?),
        None => None,
    };
    let postgres = super::is_postgres(conn);
    let (by_terms, candidates) = match (&filter.search, &targets) {
        (Some(search), Some((sponsors, projects))) => {
            let terms = if in_queue_order(search, sponsors, projects) {
                name_keys(conn, search, postgres)?.map(|keys| {
                    let mut terms: Vec<ReadBy> = keys.into_iter().map(ReadBy::Name).collect();
                    terms.extend(search.receipt.clone().map(ReadBy::Receipt));
                    terms.extend(search.passport_last4.clone().map(ReadBy::PassportLast4));
                    terms
                })
            } else {
                None
            };
            match terms {
                Some(terms) => (Some(terms), None),
                None => (
                    None,
                    search_candidates(conn, search, sponsors, projects, postgres)?,
                ),
            }
        }
        _ => (None, None),
    };
    // Built once per backend (see `on_backend!`): the same query, typed for each. `$read`: how
    // the search's matches are found (a [`ReadBy`]).
    macro_rules! query {
        ($read:expr) => {{
            let mut query = if filter.before.is_some() || filter.from_end {
                cases::table
                    .select(QueueRow::as_select())
                    .order((cases::created_at.desc(), cases::id.desc()))
                    .into_boxed()
            } else {
                cases::table
                    .select(QueueRow::as_select())
                    .order((cases::created_at.asc(), cases::id.asc()))
                    .into_boxed()
            };
            if let Some(status) = &filter.status {
                query = query.filter(cases::status.eq(status.clone()));
            }
            if let Some(route) = &filter.suggested_route {
                query = query.filter(cases::suggested_route.eq(route.clone()));
            }
            if let Some(assignee) = &filter.assignee_id {
                query = query.filter(cases::assignee_id.eq(assignee.clone()));
            }
            match filter.sponsor_ids.as_deref() {
                // `=` lets (sponsor_id, created_at, id) deliver rows in page order; an IN
                // list of several sponsors (a prime and its subcontractors) makes SQLite
                // sort them.
                Some([one]) => query = query.filter(cases::sponsor_id.eq(one.clone())),
                Some(several) => query = query.filter(cases::sponsor_id.eq_any(several.to_vec())),
                None => {}
            }
            if let Some(day) = filter.overdue_on {
                query = query
                    .filter(cases::status.eq("evidence_requested"))
                    .filter(cases::evidence_due.lt(day));
            }
            if let Some(day) = filter.not_overdue_on {
                query = query.filter(
                    cases::status
                        .ne("evidence_requested")
                        .or(cases::evidence_due.is_null())
                        .or(cases::evidence_due.ge(day)),
                );
            }
            if let Some(route) = &filter.route_decided_or_suggested {
                query = query.filter(
                    cases::decision_route
                        .eq(route.clone())
                        .or(cases::decision_route
                            .is_null()
                            .and(cases::suggested_route.eq(route.clone()))),
                );
            }
            if let Some(day) = filter.filed_from {
                query = query.filter(cases::filing_date.ge(day));
            }
            if let Some(day) = filter.filed_to {
                query = query.filter(cases::filing_date.le(day));
            }
            if filter.overstay_open {
                query = query.filter(cases::overstay_open.eq(true));
            }
            if filter.documents_awaiting_review {
                use super::schema::documents;
                let submitted = documents::table
                    .filter(documents::status.eq("submitted"))
                    .filter(documents::case_id.is_not_null())
                    .select(documents::case_id.assume_not_null());
                let project_submitted = documents::table
                    .filter(documents::status.eq("submitted"))
                    .filter(documents::case_id.is_null())
                    .select(documents::project_id);
                query = query.filter(
                    cases::id
                        .eq_any(submitted)
                        .or(cases::project_id.eq_any(project_submitted)),
                );
            }
            if let Some(project) = &filter.project_id {
                query = query.filter(cases::project_id.eq(project.clone()));
            }
            if let Some(filing) = &filter.filing_id {
                query = query.filter(cases::filing_id.eq(filing.clone()));
            }
            if let (Some(search), Some((sponsor_match, project_match))) = (&filter.search, &targets)
            {
                use diesel::sql_types::Bool;
                // A search is answered from indexes (docs/benchmarks.md, P8): one distinct name
                // at a time in the queue's order (`by_names`); or its matches collected first
                // when they are few (`candidates`); or, when they are many, they are dense and
                // the queue's own order finds a page of them soon.
                let read: ReadBy = $read;
                let by_name = match read {
                    ReadBy::Ids(ids) => Box::new(cases::id.eq_any(ids))
                        as Box<dyn BoxableExpression<cases::table, _, SqlType = Bool>>,
                    ReadBy::Name(key) => Box::new(
                        diesel::dsl::sql::<Bool>("(cases.search_names = ")
                            .bind::<diesel::sql_types::Text, _>(key)
                            .sql(")"),
                    ),
                    ReadBy::Receipt(receipt) => Box::new(cases::receipt_number.eq(receipt)),
                    ReadBy::PassportLast4(last4) => Box::new(cases::passport_last4.eq(last4)),
                    // Only the terms the text can mean: a name alone (the usual search) is
                    // then one condition, which an index in the queue's order can answer.
                    ReadBy::Terms => {
                        let mut any: Box<dyn BoxableExpression<cases::table, _, SqlType = Bool>> =
                            Box::new(names_condition!(search, postgres));
                        if !sponsor_match.is_empty() {
                            any = Box::new(any.or(cases::sponsor_id.eq_any(sponsor_match.clone())));
                        }
                        if !project_match.is_empty() {
                            any = Box::new(any.or(cases::project_id.eq_any(project_match.clone())));
                        }
                        if let Some(receipt) = &search.receipt {
                            any = Box::new(any.or(cases::receipt_number.eq(receipt.clone())));
                        }
                        if let Some(last4) = &search.passport_last4 {
                            any = Box::new(any.or(cases::passport_last4.eq(last4.clone())));
                        }
                        if let Some(id) = &search.id {
                            any = Box::new(
                                any.or(cases::filing_id.eq(id.clone()))
                                    .or(cases::id.eq(id.clone())),
                            );
                        }
                        any
                    }
                };
                query = query.filter(by_name);
            }
            if let Some((at, id)) = &filter.before {
                query = query
                    .filter(cases::created_at.le(*at))
                    .filter(cases::created_at.lt(*at).or(cases::id.lt(id.clone())));
            }
            if let Some((at, id)) = &filter.after {
                // `created_at >= at` is the range an index can seek to; the OR then skips
                // the rows of that same instant already shown.
                query = query
                    .filter(cases::created_at.ge(*at))
                    .filter(cases::created_at.gt(*at).or(cases::id.gt(id.clone())));
            }
            query
        }};
    }
    let newest_first = filter.before.is_some() || filter.from_end;
    if let Some(terms) = by_terms {
        // Each term's page from its own index in the queue's order, merged: at most a page a
        // term, however many cases each matches.
        let mut rows: Vec<QueueRow> = Vec::new();
        for term in terms {
            rows.extend(on_backend!(conn, c => query!(term.clone()).limit_literal(limit).load::<QueueRow>(c))?);
        }
        // A case matched by two terms (a name and its passport ending) is listed once.
        rows.sort_unstable_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        rows.dedup_by(|a, b| a.id == b.id);
        if newest_first {
            rows.reverse();
        }
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        return Ok(rows);
    }
    let Some(mut found) = candidates else {
        return on_backend!(conn, c => query!(ReadBy::Terms).limit_literal(limit).load(c));
    };
    // The matches in the page's order, from the keyset on; then the page's cases are read a
    // few at a time (the other filters may leave some out), in that order.
    found.sort_unstable();
    if newest_first {
        found.reverse();
    }
    found.retain(|(at, id)| {
        filter.after.as_ref().is_none_or(|(a, i)| (at, id) > (a, i))
            && filter
                .before
                .as_ref()
                .is_none_or(|(b, i)| (at, id) < (b, i))
    });
    let wanted = usize::try_from(limit).unwrap_or(0);
    let mut rows: Vec<QueueRow> = Vec::with_capacity(wanted);
    let mut rest = found.as_slice();
    let mut chunk = (wanted * 2).max(16);
    while rows.len() < wanted && !rest.is_empty() {
        let (next, tail) = rest.split_at(chunk.min(rest.len()));
        rest = tail;
        let ids: Vec<String> = next.iter().map(|(_, id)| id.clone()).collect();
        let more = (wanted - rows.len()) as i64;
        rows.extend(on_backend!(conn, c => query!(ReadBy::Ids(ids.clone())).limit_literal(more).load::<QueueRow>(c))?);
        chunk = chunk.saturating_mul(4);
    }
    Ok(rows)
}

/// Number of cases in each status, limited to some sponsors if given.
pub fn count_by_status(
    conn: &mut DbConnection,
    sponsor_ids: Option<&[String]>,
) -> QueryResult<Vec<(String, i64)>> {
    let mut query = cases::table
        .group_by(cases::status)
        .select((cases::status, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(ids) = sponsor_ids {
        query = query.filter(cases::sponsor_id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}

/// Records the route a re-evaluation suggests. Not a change of the case by anyone, so the
/// version (and so the If-Match of people working on it) stays.
pub fn set_suggested_route(
    conn: &mut DbConnection,
    id: &str,
    route: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(cases::table.find(id))
        .set(cases::suggested_route.eq(route))
        .execute(conn)
}

/// A project's cases in the given states.
pub fn open_in_project(
    conn: &mut DbConnection,
    project_id: &str,
    statuses: &[&str],
) -> QueryResult<Vec<CaseRow>> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
    cases::table
        .filter(cases::project_id.eq(project_id))
        .filter(cases::status.eq_any(statuses))
        .select(CaseRow::as_select())
        .order(cases::id.asc())
        .load(conn)
}
