//! A batch as a spreadsheet: the one decoder of the files employers send, for the API and the
//! pages alike. Korean HR departments work in Excel, which saves CSV in the Windows code page
//! (CP949) unless told otherwise, so a file is read as:
//!
//! - an Excel workbook (`.xlsx`, and the older `.xls`), its first sheet;
//! - or text: UTF-8 (with or without a byte-order mark), UTF-16 with its mark (Excel's "Unicode
//!   text", tab-separated), or CP949/EUC-KR. Text that is none of these is refused with a
//!   clear message: a replacement character is never stored in place of a name.
//!
//! The result is a [`Table`]: the header row and each data row with its row number as Excel
//! shows it (the header is 1; a cell with a line break inside is still one row), which the
//! preview shows and a ZIP of documents refers to.

use std::io::Cursor;

use calamine::{Data, Reader};
use serde::{Deserialize, Serialize};

use super::ServiceError;

/// A batch as rows of text cells, each with its spreadsheet line (the header is line 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Column names as the header row names them, normalised (see [`header_name`]).
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    /// The row's line in the spreadsheet (the header is line 1).
    pub line: u32,
    pub cells: Vec<String>,
}

impl Table {
    /// The column named `name`, if the header has it.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// A row's cell in the column named `name` ("" when absent).
    pub fn cell<'a>(&self, row: &'a TableRow, name: &str) -> &'a str {
        self.column(name)
            .and_then(|c| row.cells.get(c))
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn file_error(message: impl Into<String>) -> ServiceError {
    ServiceError::validation("csv", message)
}

/// Reads a batch file: a workbook, or CSV text in any encoding Excel writes.
pub fn read_table(bytes: &[u8]) -> Result<Table, ServiceError> {
    // ZIP (xlsx, ods) or OLE compound file (xls)
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return read_workbook(bytes);
    }
    let text = decode_text(bytes)?;
    read_csv(&text)
}

/// Text in UTF-8 (BOM or not), UTF-16 (with its BOM) or CP949/EUC-KR, as a string.
pub fn decode_text(bytes: &[u8]) -> Result<String, ServiceError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(undecodable());
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    // EUC_KR in the Encoding Standard is Windows-949 (CP949), the superset Excel writes.
    encoding_rs::EUC_KR
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(undecodable)
}

fn undecodable() -> ServiceError {
    file_error(
        "the file's characters cannot be read: it is neither UTF-8 nor CP949 (EUC-KR) text. \
         Save it from Excel as \"CSV UTF-8\" or as an Excel workbook (.xlsx) / \
         파일의 문자를 읽을 수 없습니다(UTF-8도 CP949(EUC-KR)도 아님). \
         Excel에서 \"CSV UTF-8\" 또는 Excel 통합 문서(.xlsx)로 저장해 주세요.",
    )
}

/// A header cell as a column name: `given_name`, or the name in the last parentheses of a
/// bilingual header such as `영문 이름 / Given name (given_name)` (the template's).
pub fn header_name(cell: &str) -> String {
    let cell = cell.trim().trim_start_matches('\u{feff}').trim();
    if let Some(inner) = cell
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once('(').map(|(_, inner)| inner.trim()))
    {
        if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return inner.to_owned();
        }
    }
    cell.to_owned()
}

fn read_csv(text: &str) -> Result<Table, ServiceError> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| file_error(format!("unreadable header row: {e}")))?
        .iter()
        .map(header_name)
        .collect();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                rows.push(TableRow {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    cells: record.iter().map(str::to_owned).collect(),
                });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(file_error(format!("line {line} cannot be read: {e}")));
            }
        }
    }
    Ok(Table { headers, rows })
}

fn read_workbook(bytes: &[u8]) -> Result<Table, ServiceError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| {
            file_error(format!(
                "the workbook cannot be read ({e}): save it again as .xlsx / 통합 문서를 읽을 수 없습니다. .xlsx로 다시 저장해 주세요"
            ))
        })?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| file_error("the workbook has no sheet"))?
        .map_err(|e| file_error(format!("the first sheet cannot be read: {e}")))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let line = first_row + u32::try_from(i).unwrap_or(u32::MAX) + 1;
        (line, cells.iter().map(cell_text).collect::<Vec<String>>())
    });
    let headers: Vec<String> = match rows.next() {
        Some((_, cells)) => cells.iter().map(|c| header_name(c)).collect(),
        None => return Err(file_error("the first sheet is empty")),
    };
    let width = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    let rows = rows
        // rows Excel keeps for their formatting only
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .map(|(line, mut cells)| {
            cells.truncate(width);
            TableRow { line, cells }
        })
        .collect();
    let mut headers = headers;
    headers.truncate(width);
    Ok(Table { headers, rows })
}

/// A workbook cell as the text a CSV would hold: dates as YYYY-MM-DD, whole numbers without
/// a decimal point, booleans as true/false.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.date().to_string(),
            Some(at) => at.to_string(),
            None => dt.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.split('T').next().unwrap_or(s).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_text_is_read_in_every_encoding_excel_writes() {
        let text = "family_name,given_name,name_ko\nKim,Minjun,김민준\n";
        let utf8 = read_table(text.as_bytes()).unwrap();
        assert_eq!(utf8.rows[0].cells[2], "김민준");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(read_table(&bom).unwrap(), utf8);
        let (cp949, _, _) = encoding_rs::EUC_KR.encode(text);
        assert_ne!(&cp949[..], text.as_bytes());
        assert_eq!(read_table(&cp949).unwrap(), utf8);
        // Excel's "Unicode text": UTF-16LE with its mark, tab-separated
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.replace(',', "\t").encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(read_table(&utf16).unwrap(), utf8);
        // bytes that are no text in either: refused, in both languages
        let err = read_table(b"family_name\n\xff\xfe\xfd\x80\n").unwrap_err();
        let ServiceError::Validation(errors) = err else {
            panic!("validation")
        };
        assert!(errors[0].message.contains("CP949") && errors[0].message.contains("저장해"));
    }

    #[test]
    fn bilingual_headers_name_their_column() {
        assert_eq!(
            header_name("영문 이름 / Given name (given_name)"),
            "given_name"
        );
        assert_eq!(header_name("\u{feff}given_name"), "given_name");
        assert_eq!(header_name("비고 (참고용)"), "비고 (참고용)");
    }

    #[test]
    fn lines_are_the_spreadsheets_own() {
        // as Excel numbers rows: a cell with a line break is still one row; a blank row counts
        let table = read_table(b"a,b\n1,\"two\nlines\"\n\n3,4\n").unwrap();
        let lines: Vec<u32> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn a_workbook_reads_like_its_csv() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .write_string(0, 0, "영문 이름 / Given name (given_name)")
            .unwrap();
        sheet.write_string(0, 1, "date_of_birth").unwrap();
        sheet.write_string(0, 2, "years_experience").unwrap();
        sheet.write_string(1, 0, "Minjun").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1988, 4, 12).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(1, 1, &date, &format)
            .unwrap();
        sheet.write_number(1, 2, 9.0).unwrap();
        // a blank row, then another worker on line 4
        sheet.write_string(3, 0, "Seoyeon").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let table = read_table(&bytes).unwrap();
        assert_eq!(
            table.headers,
            ["given_name", "date_of_birth", "years_experience"]
        );
        assert_eq!(table.rows[0].cells, ["Minjun", "1988-04-12", "9"]);
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[1].line, 4);
    }
}
