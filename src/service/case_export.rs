//! The case list as a spreadsheet (CSV or Excel), for the employer's own records and the
//! desk's: the same filters as the list, every page of it (at most [`MAX_ROWS`]), headers in
//! Korean and English, every text cell neutralised against formula injection.
//!
//! Authorization: as the list (`cases::queue`): employers their own sponsor's cases (a prime
//! also its subcontractors'), the desk all.

use std::collections::BTreeMap;

use super::accounts::AuthUser;
use super::cases::{self, CaseSummary, QueueQuery};
use super::csv_export::{neutralise, CsvExport};
use super::ServiceError;
use crate::db::{projects, DbConnection};

/// Most rows one export holds.
pub const MAX_ROWS: usize = super::cases::MAX_MATCHING;

const HEADERS: [&str; 9] = [
    "접수번호 / Receipt number",
    "성 / Family name",
    "이름 / Given name",
    "상태 / Status",
    "추천 경로 / Suggested route",
    "서류 제출 기한 / Evidence due",
    "신청일 / Filed on",
    "프로젝트 / Project",
    "여권 끝 4자리 / Passport (last 4)",
];

/// The cases the list shows with `query`'s filters, every page.
pub fn rows(
    conn: &mut DbConnection,
    user: &AuthUser,
    mut query: QueueQuery,
) -> Result<(Vec<CaseSummary>, BTreeMap<String, String>), ServiceError> {
    query.limit = Some(cases::MAX_PAGE);
    query.cursor = None;
    let mut out = Vec::new();
    loop {
        let page = cases::queue(conn, user, query.clone())?;
        out.extend(page.items);
        match page.next_cursor {
            Some(next) if out.len() < MAX_ROWS => query.cursor = Some(next),
            _ => break,
        }
    }
    out.truncate(MAX_ROWS);
    let names = project_names(conn, &out)?;
    Ok((out, names))
}

/// The names of the rows' projects, by id.
pub fn project_names(
    conn: &mut DbConnection,
    rows: &[CaseSummary],
) -> Result<BTreeMap<String, String>, ServiceError> {
    let mut names = BTreeMap::new();
    for case in rows {
        if !names.contains_key(&case.project_id) {
            if let Some(project) = projects::find(conn, &case.project_id)? {
                names.insert(case.project_id.clone(), project.name);
            }
        }
    }
    Ok(names)
}

fn cells(case: &CaseSummary, projects: &BTreeMap<String, String>) -> [String; 9] {
    [
        case.receipt_number.clone(),
        case.family_name.clone(),
        case.given_name.clone(),
        case.status.clone(),
        case.suggested_route.clone().unwrap_or_default(),
        case.evidence_due.map(|d| d.to_string()).unwrap_or_default(),
        case.filing_date.to_string(),
        projects.get(&case.project_id).cloned().unwrap_or_default(),
        case.passport_last4.clone(),
    ]
}

/// As CSV (UTF-8 with a byte-order mark, so that Excel opens the Korean headers right).
pub fn csv(
    rows: &[CaseSummary],
    projects: &BTreeMap<String, String>,
) -> Result<Vec<u8>, ServiceError> {
    let mut export = CsvExport::default();
    export.record(HEADERS)?;
    for case in rows {
        export.record(cells(case, projects))?;
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(export.finish()?.into_bytes());
    Ok(out)
}

/// As an Excel workbook.
pub fn xlsx(
    rows: &[CaseSummary],
    projects: &BTreeMap<String, String>,
) -> Result<Vec<u8>, ServiceError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("export: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let head = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("신청 건 Cases").map_err(fail)?;
    for (c, title) in HEADERS.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(0);
        sheet
            .write_string_with_format(0, col, *title, &head)
            .map_err(fail)?;
        sheet.set_column_width(col, 20).map_err(fail)?;
    }
    for (r, case) in rows.iter().enumerate() {
        let row = u32::try_from(r).unwrap_or(u32::MAX - 1) + 1;
        for (c, value) in cells(case, projects).iter().enumerate() {
            sheet
                .write_string(row, u16::try_from(c).unwrap_or(0), neutralise(value))
                .map_err(fail)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}
