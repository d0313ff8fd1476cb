//! The training ledger of a case: the sessions in which the case's worker trained U.S.
//! workers, entered one by one or imported from a spreadsheet.
//!
//! - Reading: whoever reads the case (its sponsor's employer users, the prime, the desk;
//!   another sponsor 404, admins 403).
//! - Recording: the case's own sponsor (its employer users with the right to file, or the prime
//!   that files for it) and the desk; only once the case is approved, its visa issued or ESTA
//!   travel advised (training happens after the visa: 409 `not_after_visa` before). A session
//!   is dated from the day of the desk's decision (Seoul) to today, never in the future.
//! - Every session writes an audit row (`case.training_recorded`).
//!
//! Reports over many cases are `training_report`'s.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::cases::load_visible;
use super::spreadsheet::{Table, TableRow};
use super::{access, audit, AppContext, FieldErrors, ServiceError};
use crate::db::cases::CaseRow;
use crate::db::training::{self, TrainingRow};
use crate::db::{self as database, DbConnection};
use crate::domain::training::{hours, SessionLength};
use crate::domain::{text, time, CaseStatus};

/// Most U.S. workers one session trains.
pub const MAX_TRAINEES: i64 = 500;
/// Longest skill and equipment texts.
pub const MAX_TEXT: usize = 200;
/// Most sessions one imported file holds.
pub const MAX_IMPORT: usize = 2000;

/// `POST /api/v1/cases/{id}/training-sessions`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrainingSession {
    /// The day of the session (YYYY-MM-DD), not in the future.
    pub date: NaiveDate,
    /// Its length in hours, in tenths (7.5) or quarters (1.25) of an hour; more than 0, at
    /// most 24.
    #[schema(exclusive_minimum = 0, maximum = 24)]
    pub hours: f64,
    /// U.S. workers trained in the session, 1 to 500.
    #[schema(minimum = 1, maximum = 500)]
    pub us_workers_trained: i64,
    /// The skill or task taught (one line, at most 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub skill: String,
    /// The equipment trained on (at most 200 characters).
    #[schema(max_length = 200)]
    pub equipment: Option<String>,
}

/// One session as text, as a page form or a spreadsheet line gives it.
#[derive(Debug, Clone, Default)]
pub struct SessionText {
    pub date: String,
    pub hours: String,
    pub us_workers_trained: String,
    pub skill: String,
    pub equipment: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingSessionView {
    pub id: String,
    pub case_id: String,
    pub date: NaiveDate,
    pub hours: f64,
    pub us_workers_trained: i64,
    pub skill: String,
    pub equipment: Option<String>,
    /// `entered` or `csv_import`.
    pub source: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/cases/{id}/training-sessions`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingList {
    /// Earliest first.
    pub items: Vec<TrainingSessionView>,
    /// Hours of all the sessions.
    pub hours: f64,
    /// Trainee places: the sum over the sessions (a U.S. worker trained twice counts twice).
    pub us_workers_trained: i64,
}

/// `POST /api/v1/cases/{id}/training-sessions/import`: what was recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingImport {
    pub imported: usize,
    pub items: Vec<TrainingSessionView>,
}

/// A session checked, before it is stored.
#[derive(Debug, Clone)]
struct SessionData {
    date: NaiveDate,
    length: SessionLength,
    us_workers_trained: i32,
    skill: String,
    equipment: Option<String>,
}

/// The days a session of this case may fall on.
#[derive(Debug, Clone, Copy)]
struct Days {
    /// The day of the desk's decision, in Seoul.
    first: NaiveDate,
    today: NaiveDate,
}

/// Statuses after the visa: the worker may be at the worksite, training.
pub fn after_visa(status: &str) -> bool {
    matches!(
        status.parse::<CaseStatus>(),
        Ok(CaseStatus::Approved | CaseStatus::VisaIssued | CaseStatus::EstaAdvised)
    )
}

fn check_date(field: &str, date: NaiveDate, days: Days, errors: &mut FieldErrors) {
    if date > days.today {
        errors.add(
            field,
            "a session is recorded once it has taken place (not in the future)",
        );
    } else if date < days.first {
        errors.add(
            field,
            format!(
                "must be on or after {}, the day the desk decided the case",
                days.first
            ),
        );
    }
}

fn check_trainees(field: &str, n: i64, errors: &mut FieldErrors) -> Option<i32> {
    if (1..=MAX_TRAINEES).contains(&n) {
        i32::try_from(n).ok()
    } else {
        errors.add(field, format!("must be between 1 and {MAX_TRAINEES}"));
        None
    }
}

fn check_texts(
    prefix: &str,
    skill: &str,
    equipment: Option<&str>,
    errors: &mut FieldErrors,
) -> (Option<String>, Option<String>) {
    let skill = errors.check(format!("{prefix}skill"), text::check_line(skill, MAX_TEXT));
    let equipment = equipment.map(text::one_line).filter(|e| !e.is_empty());
    if equipment
        .as_ref()
        .is_some_and(|e| e.chars().count() > MAX_TEXT)
    {
        errors.add(
            format!("{prefix}equipment"),
            format!("must be at most {MAX_TEXT} characters"),
        );
    }
    (skill, equipment)
}

fn read_json(input: &NewTrainingSession, days: Days) -> Result<SessionData, ServiceError> {
    let mut errors = FieldErrors::new();
    check_date("date", input.date, days, &mut errors);
    let length = errors.check("hours", SessionLength::from_hours(input.hours));
    let trained = check_trainees("us_workers_trained", input.us_workers_trained, &mut errors);
    let (skill, equipment) = check_texts("", &input.skill, input.equipment.as_deref(), &mut errors);
    errors.finish()?;
    match (length, trained, skill) {
        (Some(length), Some(us_workers_trained), Some(skill)) => Ok(SessionData {
            date: input.date,
            length,
            us_workers_trained,
            skill,
            equipment,
        }),
        _ => Err(ServiceError::Internal(
            "session checked without error".into(),
        )),
    }
}

/// A day as people write it: `2026-11-03`, `2026.11.03`, `2026. 11. 3.`, `2026/11/03`.
fn parse_day(raw: &str) -> Option<NaiveDate> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.trim_end_matches('.');
    ["%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(compact, f).ok())
}

/// One session's text fields, checked; errors under `prefix` (`lines[3].` for a file).
fn read_text(
    prefix: &str,
    input: &SessionText,
    days: Days,
    errors: &mut FieldErrors,
) -> Option<SessionData> {
    let date = match input.date.trim() {
        "" => {
            errors.add(format!("{prefix}date"), "is required");
            None
        }
        raw => {
            let day = parse_day(raw);
            match day {
                Some(day) => check_date(&format!("{prefix}date"), day, days, errors),
                None => errors.add(format!("{prefix}date"), "must be a date such as 2026-11-03"),
            }
            day
        }
    };
    let length = errors.check(format!("{prefix}hours"), SessionLength::parse(&input.hours));
    let trained = match input.us_workers_trained.trim().parse::<i64>() {
        Ok(n) => check_trainees(&format!("{prefix}us_workers_trained"), n, errors),
        Err(_) => {
            errors.add(
                format!("{prefix}us_workers_trained"),
                "must be a whole number",
            );
            None
        }
    };
    let (skill, equipment) =
        check_texts(prefix, &input.skill, Some(input.equipment.as_str()), errors);
    Some(SessionData {
        date: date?,
        length: length?,
        us_workers_trained: trained?,
        skill: skill?,
        equipment,
    })
}

/// May `user` record sessions on `row`? The desk, or the case's sponsor (or its prime).
fn may_record(conn: &mut DbConnection, user: &AuthUser, row: &CaseRow) -> Result<(), ServiceError> {
    if access::may_record_for(conn, user, &row.sponsor_id)? {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "training sessions are recorded by the case's sponsor or the desk".into(),
        ))
    }
}

/// The case, if `user` may record on it now, and the days its sessions may fall on.
fn recordable(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<(CaseRow, Days), ServiceError> {
    let row = load_visible(conn, user, case_id)?;
    may_record(conn, user, &row)?;
    if !after_visa(&row.status) {
        return Err(ServiceError::conflict(
            "not_after_visa",
            "training is recorded once the case is approved, its visa issued or ESTA travel advised",
        ));
    }
    let today = ctx.today();
    let decided = row
        .decided_at
        .map(|at| time::desk_time(time::from_stored(at)).date())
        .unwrap_or(today);
    Ok((
        row,
        Days {
            first: decided.min(today),
            today,
        },
    ))
}

fn view(row: TrainingRow) -> TrainingSessionView {
    TrainingSessionView {
        hours: hours(i64::from(row.minutes)),
        id: row.id,
        case_id: row.case_id,
        date: row.session_date,
        us_workers_trained: i64::from(row.us_workers_trained),
        skill: row.skill,
        equipment: row.equipment,
        source: row.source,
        created_at: time::from_stored(row.created_at),
    }
}

fn insert(
    conn: &mut DbConnection,
    user: &AuthUser,
    case: &CaseRow,
    data: SessionData,
    source: &str,
) -> Result<TrainingRow, ServiceError> {
    let row = TrainingRow {
        id: Uuid::now_v7().to_string(),
        case_id: case.id.clone(),
        sponsor_id: case.sponsor_id.clone(),
        project_id: case.project_id.clone(),
        passport_index: case.passport_index.clone(),
        session_date: data.date,
        minutes: data.length.minutes(),
        us_workers_trained: data.us_workers_trained,
        skill: data.skill,
        equipment: data.equipment,
        source: source.to_owned(),
        created_by: user.id.clone(),
        created_at: time::now(),
    };
    training::insert(conn, &row)?;
    database::audit::append(
        conn,
        &[audit::entry(
            Some(user),
            "case.training_recorded",
            Some(&case.id),
            Some(&row.id),
            json!({"date": row.session_date, "minutes": row.minutes,
                   "us_workers_trained": row.us_workers_trained, "source": source}),
        )],
    )?;
    Ok(row)
}

/// Records one session on a case (the API's JSON).
pub fn record(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    input: NewTrainingSession,
) -> Result<TrainingSessionView, ServiceError> {
    database::write_tx(conn, |conn| {
        let (row, days) = recordable(conn, ctx, user, case_id)?;
        let data = read_json(&input, days)?;
        Ok(view(insert(conn, user, &row, data, "entered")?))
    })
}

/// Records one session on a case from a page form's text fields.
pub fn record_text(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    input: SessionText,
) -> Result<TrainingSessionView, ServiceError> {
    database::write_tx(conn, |conn| {
        let (row, days) = recordable(conn, ctx, user, case_id)?;
        let mut errors = FieldErrors::new();
        let data = read_text("", &input, days, &mut errors);
        errors.finish()?;
        let data = data.ok_or_else(|| ServiceError::Internal("session unread".into()))?;
        Ok(view(insert(conn, user, &row, data, "entered")?))
    })
}

/// The sessions recorded on a case, for whoever reads it.
pub fn list(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
) -> Result<TrainingList, ServiceError> {
    let row = load_visible(conn, user, case_id)?;
    let rows = training::for_case(conn, &row.id)?;
    let minutes: i64 = rows.iter().map(|r| i64::from(r.minutes)).sum();
    let items: Vec<TrainingSessionView> = rows.into_iter().map(view).collect();
    Ok(TrainingList {
        hours: hours(minutes),
        us_workers_trained: items.iter().map(|s| s.us_workers_trained).sum(),
        items,
    })
}

/// The column of a ledger file that holds `field`: its code (`hours`, or a bilingual header
/// ending in `(hours)`), or one of the names a Korean HR sheet gives it.
fn column_of(table: &Table, field: &str) -> Option<usize> {
    let names: &[&str] = match field {
        "date" => &[
            "date",
            "session_date",
            "날짜",
            "교육 일자",
            "교육일자",
            "교육일",
            "일자",
        ],
        "hours" => &["hours", "시간", "교육 시간", "교육시간"],
        "us_workers_trained" => &[
            "us_workers_trained",
            "교육인원",
            "교육 인원",
            "교육받은 미국 근로자 수",
            "미국 근로자 수",
            "인원",
        ],
        "skill" => &[
            "skill",
            "기술",
            "기술/직무",
            "직무",
            "교육 내용",
            "교육내용",
        ],
        "equipment" => &["equipment", "장비"],
        _ => &[],
    };
    table.headers.iter().position(|h| {
        let h = h.trim().to_lowercase();
        names.iter().any(|n| h == *n)
    })
}

/// The header a ledger file needs, for messages and the page's hint.
pub const IMPORT_HEADER: &str = "date,hours,us_workers_trained,skill,equipment";

/// An empty ledger sheet for Excel: UTF-8 with a byte-order mark (so that Excel reads the
/// Hangul), and the header in Korean and English with each column's code in parentheses, which
/// the import reads back (`service::spreadsheet::header_name`).
pub fn ledger_template() -> String {
    let header = [
        "교육 일자 / Date (date)",
        "교육 시간 / Hours (hours)",
        "교육받은 미국 근로자 수 / U.S. workers trained (us_workers_trained)",
        "기술/직무 / Skill or task (skill)",
        "장비 / Equipment (equipment)",
    ];
    format!("\u{feff}{}\r\n", header.join(","))
}

fn cell(table_row: &TableRow, column: Option<usize>) -> String {
    column
        .and_then(|c| table_row.cells.get(c))
        .map(|c| c.trim().to_owned())
        .unwrap_or_default()
}

/// Reads a ledger file into sessions, all or none: errors name each line (`lines[3].hours`,
/// the line as the spreadsheet numbers it, the header being line 1). Empty lines are skipped.
fn sessions_from_table(table: &Table, days: Days) -> Result<Vec<SessionData>, ServiceError> {
    let columns =
        ["date", "hours", "us_workers_trained", "skill", "equipment"].map(|f| column_of(table, f));
    let [date, hours_col, trained, skill, equipment] = columns;
    if date.is_none() || hours_col.is_none() || trained.is_none() || skill.is_none() {
        return Err(ServiceError::validation(
            "csv",
            format!("the header line must name the columns: {IMPORT_HEADER} (equipment may be left out)"),
        ));
    }
    let rows: Vec<&TableRow> = table
        .rows
        .iter()
        .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(ServiceError::validation("csv", "no sessions in the file"));
    }
    if rows.len() > MAX_IMPORT {
        return Err(ServiceError::validation(
            "csv",
            format!("at most {MAX_IMPORT} sessions in one file"),
        ));
    }
    let mut errors = FieldErrors::new();
    let mut sessions = Vec::with_capacity(rows.len());
    for r in rows {
        let input = SessionText {
            date: cell(r, date),
            hours: cell(r, hours_col),
            us_workers_trained: cell(r, trained),
            skill: cell(r, skill),
            equipment: cell(r, equipment),
        };
        if let Some(data) = read_text(&format!("lines[{}].", r.line), &input, days, &mut errors) {
            sessions.push(data);
        }
    }
    errors.finish()?;
    Ok(sessions)
}

/// Imports a ledger file onto a case: all its sessions, or none.
pub fn import(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    table: &Table,
) -> Result<TrainingImport, ServiceError> {
    database::write_tx(conn, |conn| {
        let (row, days) = recordable(conn, ctx, user, case_id)?;
        let sessions = sessions_from_table(table, days)?;
        let mut items = Vec::with_capacity(sessions.len());
        for data in sessions {
            items.push(view(insert(conn, user, &row, data, "csv_import")?));
        }
        Ok(TrainingImport {
            imported: items.len(),
            items,
        })
    })
}

/// May `user` record sessions on the case `row` now (for a page to offer the forms)?
pub fn may_record_now(
    conn: &mut DbConnection,
    user: &AuthUser,
    row_sponsor: &str,
    status: &str,
) -> Result<bool, ServiceError> {
    if !after_visa(status) {
        return Ok(false);
    }
    match access::may_record_for(conn, user, row_sponsor) {
        Ok(may) => Ok(may),
        Err(ServiceError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn table(csv: &str) -> Table {
        crate::service::spreadsheet::read_table(csv.as_bytes()).unwrap()
    }

    /// Decided on 1 September 2026; today is 30 November.
    fn days() -> Days {
        Days {
            first: d("2026-09-01"),
            today: d("2026-11-30"),
        }
    }

    #[test]
    fn a_korean_ledger_sheet_reads_with_its_own_headers() {
        let csv = "\u{feff}날짜,시간,교육인원,기술/직무,장비\n\
                   2026. 11. 3.,7.5,12,전극 코팅 설비 운전,Coater line 2\n\
                   ,,,,\n\
                   2026-11-04,1.25,3,Calendering safety,\n";
        let sessions = sessions_from_table(&table(csv), days()).unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0].date, d("2026-11-03"));
        assert_eq!(sessions[0].length.minutes(), 450);
        assert_eq!(sessions[0].us_workers_trained, 12);
        assert_eq!(sessions[0].skill, "전극 코팅 설비 운전");
        assert_eq!(sessions[0].equipment.as_deref(), Some("Coater line 2"));
        assert_eq!(sessions[1].equipment, None);
    }

    #[test]
    fn the_ledger_template_reads_back_as_the_import_columns() {
        let sheet = format!(
            "{}2026-11-03,7.5,12,Coating,Coater line 2\r\n",
            ledger_template()
        );
        let sessions = sessions_from_table(&table(&sheet), days()).unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].us_workers_trained, 12);
        assert_eq!(sessions[0].equipment.as_deref(), Some("Coater line 2"));
    }

    #[test]
    fn a_ledger_file_with_bad_lines_names_each_of_them() {
        let csv = "date,hours,us_workers_trained,skill\n\
                   2026-11-03,7.5,12,Coating\n\
                   2026-12-25,30,0,\n\
                   yesterday,7.55,many,Winding\n\
                   2026-08-31,2,1,Before the decision\n";
        let Err(ServiceError::Validation(errors)) = sessions_from_table(&table(csv), days()) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lines[3].date",
                "lines[3].hours",
                "lines[3].us_workers_trained",
                "lines[3].skill",
                "lines[4].date",
                "lines[4].hours",
                "lines[4].us_workers_trained",
                "lines[5].date",
            ]
        );
        assert!(sessions_from_table(&table("when,where\n1,2\n"), days()).is_err());
    }
}
