//! CSV for spreadsheets: every cell is neutralised against formula injection before it is
//! written, so that text typed by an employer (a company name) cannot run as a formula when
//! a supervisor opens the export (OWASP, "CSV Injection").

use std::borrow::Cow;

use super::ServiceError;

/// A cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR) is
/// prefixed with `'`, which spreadsheets show as text and do not evaluate.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV document whose records are neutralised cell by cell; the only way exports are
/// written.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvExport {
    fn default() -> Self {
        CsvExport {
            writer: csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(Vec::new()),
        }
    }
}

impl CsvExport {
    pub fn record<I, S>(&mut self, cells: I) -> Result<(), ServiceError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&cells).map_err(fail)
    }

    pub fn finish(self) -> Result<String, ServiceError> {
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| ServiceError::Internal(format!("csv export: {e}")))?;
        String::from_utf8(bytes).map_err(|e| ServiceError::Internal(format!("csv export: {e}")))
    }
}

fn fail(e: csv::Error) -> ServiceError {
    ServiceError::Internal(format!("csv export: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_become_text() {
        for bad in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        assert_eq!(neutralise("Hanbit"), "Hanbit");
        assert_eq!(neutralise(""), "");
        let mut csv = CsvExport::default();
        csv.record(["=HYPERLINK(\"http://x\",\"y\")", "ok"])
            .unwrap();
        assert_eq!(
            csv.finish().unwrap(),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",ok\n"
        );
    }
}
