//! The batch template an employer fills in: an Excel workbook (or a CSV) whose header row names
//! each column in Korean and English with its code, a guide sheet with what each column takes,
//! and drop-down lists where the values are a vocabulary. The headers read back through
//! `service::spreadsheet::header_name`, so a filled-in template files as it is.
//!
//! Authorization: any signed-in user (it holds no data).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use rust_xlsxwriter::{DataValidation, Format, Workbook};
use serde::Deserialize;

use super::pages::{forms::vocabulary_prefix, Lang};
use crate::domain::worker::{ACTIVITIES, EDUCATION, JOB_ROLES, PAY_SOURCES};
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::filing::{CSV_COLUMNS, OPTIONAL_CSV_COLUMNS};
use crate::service::ServiceError;

/// Rows the workbook's drop-down lists cover (a batch holds at most 500 workers).
const DATA_ROWS: u32 = 500;

const BOOLEANS: &[&str] = &[
    "degree_in_specialty",
    "specialized_knowledge",
    "prior_us_violation",
    "previously_detained_2025",
    "specialty_occupation",
    "degree_equivalent",
    "tenure_continuous",
    "prior_visa_refusal",
    "prior_esta_denial",
    "e4_initial",
    "worker_employed_by_seller",
    "worksite_controlled_by_group",
];

const DATES: &[&str] = &[
    "date_of_birth",
    "passport_expiry",
    "planned_entry",
    "planned_exit",
];

/// A column's header cell: `한글 이름 / Name in Korean (name_ko)`.
pub fn header(code: &str) -> String {
    format!(
        "{} / {} ({code})",
        Lang::Ko.label("worker.", code),
        Lang::En.label("worker.", code)
    )
}

/// A column's vocabulary, when it has one.
fn vocabulary(code: &str) -> Option<&'static [&'static str]> {
    match code {
        "education" => Some(EDUCATION),
        "role" => Some(JOB_ROLES),
        "pay_source" => Some(PAY_SOURCES),
        "activities" => Some(ACTIVITIES),
        _ => None,
    }
}

/// What a column takes, in (Korean, English).
fn takes(code: &str) -> (String, String) {
    if let Some(values) = vocabulary(code) {
        let prefix = vocabulary_prefix(code);
        let list = |lang: Lang| {
            values
                .iter()
                .map(|v| format!("{v} = {}", lang.label(prefix, v)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let many = code == "activities";
        return (
            format!(
                "{}{}",
                if many {
                    "여러 개는 ; 로 구분: "
                } else {
                    ""
                },
                list(Lang::Ko)
            ),
            format!(
                "{}{}",
                if many { "several separated by ;: " } else { "" },
                list(Lang::En)
            ),
        );
    }
    let (ko, en) = if BOOLEANS.contains(&code) {
        (
            "예 또는 아니오 (true/false, yes/no, 1/0도 가능)",
            "true or false (yes/no, 1/0)",
        )
    } else if DATES.contains(&code) {
        (
            "날짜 YYYY-MM-DD (예: 2026-12-14)",
            "a date as YYYY-MM-DD (e.g. 2026-12-14)",
        )
    } else {
        match code {
            "nationality" => ("국가 코드 2자리 (예: KR)", "a two-letter country code (e.g. KR)"),
            "other_nationalities" => (
                "국가 코드, 여러 개는 ; 로 구분 (예: JP; US)",
                "country codes separated by ; (e.g. JP; US)",
            ),
            "years_experience" | "months_employed_by_sponsor_last_3y" => {
                ("정수 (예: 9)", "a whole number (e.g. 9)")
            }
            "offered_wage_usd" | "prevailing_wage_usd" | "actual_wage_usd" => {
                ("연간 금액, 미국 달러 (예: 68000)", "a yearly amount in U.S. dollars (e.g. 68000)")
            }
            "travel_since_2011" => (
                "국가:시작일:종료일[:official], 여러 번은 ; 로 구분 (예: IR:2015-03-01:2015-03-20; IQ:2019-05-02::official)",
                "COUNTRY:FROM:TO[:official], trips separated by ; (e.g. IR:2015-03-01:2015-03-20; IQ:2019-05-02::official)",
            ),
            "email" => ("근로자 본인의 이메일", "the worker's own e-mail"),
            "name_ko" => ("한글 이름 (예: 김민준)", "the name in Hangul (e.g. 김민준)"),
            "given_name" | "family_name" => (
                "여권에 적힌 영문 그대로",
                "as the passport spells it",
            ),
            _ => ("", ""),
        }
    };
    (ko.to_owned(), en.to_owned())
}

fn required(code: &str) -> bool {
    !OPTIONAL_CSV_COLUMNS.contains(&code)
}

/// The workbook: sheet 1 to fill in (headers, widths, drop-downs), sheet 2 the guide.
pub fn workbook() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("DDE7F0");
    let optional_head = Format::new().set_text_wrap().set_background_color("F2F2F2");
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("근로자 Workers")?;
    sheet.set_row_height(0, 48)?;
    sheet.set_freeze_panes(1, 0)?;
    for (c, code) in CSV_COLUMNS.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        let format = if required(code) {
            &head
        } else {
            &optional_head
        };
        sheet.write_string_with_format(0, col, header(code), format)?;
        sheet.set_column_width(col, 22)?;
        // Passport numbers, dates and codes stay text: Excel must not turn them into numbers.
        if !matches!(
            *code,
            "years_experience"
                | "months_employed_by_sponsor_last_3y"
                | "offered_wage_usd"
                | "prevailing_wage_usd"
                | "actual_wage_usd"
        ) {
            sheet.set_column_format(col, &text)?;
        }
        let list: Option<Vec<&str>> = if BOOLEANS.contains(code) {
            // what `domain::text::yes_no` reads, in the words a Korean HR manager picks
            Some(vec!["예", "아니오", "true", "false"])
        } else if *code == "activities" {
            None
        } else {
            vocabulary(code).map(<[&str]>::to_vec)
        };
        if let Some(list) = list {
            let validation = DataValidation::new()
                .allow_list_strings(&list)?
                .set_error_title("허용되지 않는 값 / Not allowed")?
                .set_error_message(format!("{} / choose from the list", list.join(", ")))?;
            sheet.add_data_validation(1, col, DATA_ROWS, col, &validation)?;
        }
    }
    let guide = book.add_worksheet();
    guide.set_name("안내 Guide")?;
    let titles = [
        "열 Column",
        "한국어",
        "English",
        "필수 Required",
        "입력 방법",
        "How to fill it in",
    ];
    for (c, title) in titles.iter().enumerate() {
        guide.write_string_with_format(0, u16::try_from(c).unwrap_or(0), *title, &head)?;
    }
    for (r, code) in CSV_COLUMNS.iter().enumerate() {
        let row = u32::try_from(r).unwrap_or(u32::MAX) + 1;
        let (ko, en) = takes(code);
        guide.write_string(row, 0, *code)?;
        guide.write_string(row, 1, Lang::Ko.label("worker.", code))?;
        guide.write_string(row, 2, Lang::En.label("worker.", code))?;
        guide.write_string(
            row,
            3,
            if required(code) {
                "필수 required"
            } else {
                "선택 optional"
            },
        )?;
        guide.write_string(row, 4, ko)?;
        guide.write_string(row, 5, en)?;
    }
    guide.set_column_width(0, 34)?;
    guide.set_column_width(1, 30)?;
    guide.set_column_width(2, 34)?;
    guide.set_column_width(4, 60)?;
    guide.set_column_width(5, 60)?;
    let note = CSV_COLUMNS.len() as u32 + 2;
    guide.write_string(
        note,
        0,
        "한 행에 근로자 한 명. 서류 ZIP의 파일 이름은 이 시트가 아닌 '근로자 Workers' 시트의 행 번호(머리글이 1행)를 씁니다. 예: row2_passport_bio_page.pdf",
    )?;
    guide.write_string(
        note + 1,
        0,
        "One worker per row. The files of a ZIP of documents use the row numbers of the 'Workers' sheet (the header is row 1), e.g. row2_passport_bio_page.pdf",
    )?;
    book.save_to_buffer()
}

/// The CSV template: the bilingual header row, UTF-8 with a byte-order mark (so that Excel
/// opens the Korean right).
pub fn csv() -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let headers: Vec<String> = CSV_COLUMNS.iter().map(|c| header(c)).collect();
    if writer.write_record(&headers).is_ok() {
        out.extend(writer.into_inner().unwrap_or_default());
    }
    out
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// `xlsx` (the default) or `csv`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/filings/template", tag = "cases", security(("bearer" = []), ("cookie" = [])),
    params(TemplateQuery),
    responses((status = 200, description = "The batch template: headers in Korean and English with each column's code; the workbook adds a guide sheet and drop-down lists", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "An unknown query parameter", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 422, description = "A format other than xlsx or csv", content_type = "application/problem+json", body = crate::error::Problem)))]
/// `GET /api/v1/filings/template?format=xlsx|csv`.
pub async fn download(
    _user: AuthUser,
    query: web::Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let (body, content_type, name) = match query.into_inner().format.as_deref() {
        None | Some("xlsx") => (
            web::block(workbook)
                .await
                .map_err(|e| ServiceError::Internal(format!("template: {e}")))?
                .map_err(|e| ServiceError::Internal(format!("template: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "kitdesk-batch-template.xlsx",
        ),
        Some("csv") => (
            csv(),
            "text/csv; charset=utf-8",
            "kitdesk-batch-template.csv",
        ),
        Some(_) => {
            return Err(ServiceError::validation("format", "must be xlsx or csv").into());
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::spreadsheet::read_table;

    #[test]
    fn the_templates_read_back_as_the_batch_columns() {
        let expected: Vec<String> = CSV_COLUMNS.iter().map(|c| c.to_string()).collect();
        let book = read_table(&workbook().unwrap()).unwrap();
        assert_eq!(book.headers, expected);
        assert!(book.rows.is_empty());
        let csv = read_table(&csv()).unwrap();
        assert_eq!(csv.headers, expected);
        assert_eq!(header("name_ko"), "한글 이름 / Name in Korean (name_ko)");
    }
}
