//! Documents: their kinds (what evidence rules name), the file types the desk accepts, told by
//! content and never by name, and file names made safe to show and to send back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// The kinds of document (docs/domain.md, "Document kinds").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The seller's obligation to install, service or train.
    SalesContract,
    /// The employer, role, tenure and pay source.
    EmploymentLetter,
    TrainingPlan,
    SpecializedKnowledgeStatement,
    DegreeOrEquivalency,
    TreatyInvestorRegistration,
    LaborConditionApplication,
    PassportBioPage,
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 9] = [
        DocumentKind::SalesContract,
        DocumentKind::EmploymentLetter,
        DocumentKind::TrainingPlan,
        DocumentKind::SpecializedKnowledgeStatement,
        DocumentKind::DegreeOrEquivalency,
        DocumentKind::TreatyInvestorRegistration,
        DocumentKind::LaborConditionApplication,
        DocumentKind::PassportBioPage,
        DocumentKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::SalesContract => "sales_contract",
            DocumentKind::EmploymentLetter => "employment_letter",
            DocumentKind::TrainingPlan => "training_plan",
            DocumentKind::SpecializedKnowledgeStatement => "specialized_knowledge_statement",
            DocumentKind::DegreeOrEquivalency => "degree_or_equivalency",
            DocumentKind::TreatyInvestorRegistration => "treaty_investor_registration",
            DocumentKind::LaborConditionApplication => "labor_condition_application",
            DocumentKind::PassportBioPage => "passport_bio_page",
            DocumentKind::Other => "other",
        }
    }

    /// (English, Korean) names, as a person reads them.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            DocumentKind::SalesContract => ("sales contract", "판매 계약서"),
            DocumentKind::EmploymentLetter => ("employment letter", "재직 증명서"),
            DocumentKind::TrainingPlan => ("training plan", "교육 계획서"),
            DocumentKind::SpecializedKnowledgeStatement => {
                ("specialized knowledge statement", "전문 지식 소명서")
            }
            DocumentKind::DegreeOrEquivalency => {
                ("degree or credential evaluation", "학위증 또는 학력 평가서")
            }
            DocumentKind::TreatyInvestorRegistration => {
                ("treaty investor registration", "조약 투자자 등록 서류")
            }
            DocumentKind::LaborConditionApplication => {
                ("labor condition application", "노동 조건 신청서(LCA)")
            }
            DocumentKind::PassportBioPage => ("passport bio page", "여권 인적 사항 면"),
            DocumentKind::Other => ("other document", "기타 서류"),
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "must be one of {}",
                    DocumentKind::ALL.map(|k| k.as_str()).join(", ")
                ))
            })
    }
}

/// The file types the desk accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileType> {
        [FileType::Pdf, FileType::Jpeg, FileType::Png]
            .into_iter()
            .find(|t| t.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }
}

/// Bytes a file must start with to be told apart (the longest signature).
pub const SNIFF_BYTES: usize = 8;

/// The type of a file told from its first bytes (its signature), whatever its name or the
/// type its sender claimed: an executable renamed `.pdf` is no PDF.
pub fn sniff(head: &[u8]) -> Option<FileType> {
    if head.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileType::Png)
    } else {
        None
    }
}

/// Longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 120;

/// A file name safe to store, show and send back in `Content-Disposition`: the last path
/// component only, letters (Hangul included), digits, `.`, `-`, `_` and spaces; anything else
/// becomes `_`; no leading dots; at most 120 characters with the extension kept; never empty.
pub fn sanitize_filename(raw: &str, file_type: FileType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 8 => {
            (stem.to_owned(), ext.to_ascii_lowercase())
        }
        _ => (cleaned.clone(), String::new()),
    };
    let ext = if ext.is_empty() {
        file_type.extension().to_owned()
    } else {
        ext
    };
    let room = MAX_FILENAME_CHARS.saturating_sub(ext.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    let stem = stem.trim();
    if stem.is_empty() {
        format!("document.{ext}")
    } else {
        format!("{stem}.{ext}")
    }
}

/// Where a file of a filing's ZIP goes, told by its name (docs/documents.md, "A ZIP at
/// filing"): `row12_passport_bio_page.pdf` is the worker on line 12 of the spreadsheet (the
/// header is line 1), `project_sales_contract.pdf` is the project's. After the kind, anything
/// separated by `_`, `-`, `.` or a space may follow (`row12_other_2.pdf`); case does not matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleTarget {
    /// The worker on this line of the spreadsheet.
    Row(u32, DocumentKind),
    /// The project (shared by every worker filed under it).
    Project(DocumentKind),
}

/// Why a ZIP file's name says nowhere to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleNameProblem {
    /// Neither `rowN_…` nor `project_…`.
    BadName,
    /// `rowN_` or `project_` but no document kind after it.
    UnknownKind,
}

impl BundleTarget {
    /// Reads a file's name (its last path component; the extension is ignored: the content
    /// decides the type).
    pub fn from_file_name(name: &str) -> Result<BundleTarget, BundleNameProblem> {
        let base = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let (line, rest) = if let Some(rest) = base.strip_prefix("project") {
            (None, rest)
        } else if let Some(rest) = base.strip_prefix("row") {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let line: u32 = rest[..digits]
                .parse()
                .map_err(|_| BundleNameProblem::BadName)?;
            (Some(line), &rest[digits..])
        } else {
            return Err(BundleNameProblem::BadName);
        };
        let rest = rest
            .strip_prefix(['_', '-', ' '])
            .ok_or(BundleNameProblem::BadName)?;
        let kind = DocumentKind::ALL
            .into_iter()
            .filter(|k| {
                rest.strip_prefix(k.as_str()).is_some_and(|after| {
                    after.is_empty() || after.starts_with(['_', '-', '.', ' '])
                })
            })
            .max_by_key(|k| k.as_str().len())
            .ok_or(BundleNameProblem::UnknownKind)?;
        Ok(match line {
            Some(line) => BundleTarget::Row(line, kind),
            None => BundleTarget::Project(kind),
        })
    }
}

/// Files a ZIP holds that are no one's document: folders, macOS's resource forks and hidden
/// files such as `.DS_Store` or `Thumbs.db`. They are passed over, not reported.
pub fn is_archive_clutter(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    name.ends_with('/')
        || name.starts_with("__MACOSX/")
        || base.starts_with('.')
        || base.eq_ignore_ascii_case("thumbs.db")
        || base.eq_ignore_ascii_case("desktop.ini")
}

/// Where a document stands with the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Submitted,
    Confirmed,
    Rejected,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Submitted => "submitted",
            DocumentStatus::Confirmed => "confirmed",
            DocumentStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentStatus> {
        [
            DocumentStatus::Submitted,
            DocumentStatus::Confirmed,
            DocumentStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_file_names_say_which_worker_and_kind() {
        use BundleTarget::*;
        let read = BundleTarget::from_file_name;
        assert_eq!(
            read("row12_passport_bio_page.pdf"),
            Ok(Row(12, DocumentKind::PassportBioPage))
        );
        assert_eq!(
            read("docs/ROW3-Employment_Letter.PDF"),
            Ok(Row(3, DocumentKind::EmploymentLetter))
        );
        assert_eq!(read("row7_other_2.jpg"), Ok(Row(7, DocumentKind::Other)));
        assert_eq!(read("row7_other"), Ok(Row(7, DocumentKind::Other)));
        assert_eq!(
            read("project_sales_contract.pdf"),
            Ok(Project(DocumentKind::SalesContract))
        );
        assert_eq!(
            read("row12_passport.pdf"),
            Err(BundleNameProblem::UnknownKind)
        );
        assert_eq!(
            read("row12_sales_contractor.pdf"),
            Err(BundleNameProblem::UnknownKind)
        );
        assert_eq!(
            read("row_passport_bio_page.pdf"),
            Err(BundleNameProblem::BadName)
        );
        assert_eq!(
            read("row12passport_bio_page.pdf"),
            Err(BundleNameProblem::BadName)
        );
        assert_eq!(read("김민수 여권.pdf"), Err(BundleNameProblem::BadName));
        assert_eq!(
            read("row99999999999_other.pdf"),
            Err(BundleNameProblem::BadName)
        );
        assert!(is_archive_clutter("__MACOSX/._row1_other.pdf"));
        assert!(is_archive_clutter("scans/.DS_Store"));
        assert!(is_archive_clutter("scans/"));
        assert!(!is_archive_clutter("scans/row1_other.pdf"));
    }

    #[test]
    fn files_are_told_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(FileType::Jpeg)
        );
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some(FileType::Png)
        );
        // an ELF executable or a Windows one renamed .pdf
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), None);
        assert_eq!(sniff(b"MZ\x90\x00\x03"), None);
        assert_eq!(sniff(b"%PD"), None);
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(
            sanitize_filename("../../etc/passwd", FileType::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            sanitize_filename("C:\\Users\\kim\\계약서 2025.PDF", FileType::Pdf),
            "계약서 2025.pdf"
        );
        assert_eq!(
            sanitize_filename("a\r\nContent-Type: x\".pdf", FileType::Pdf),
            "a__Content-Type_ x_.pdf"
        );
        assert_eq!(sanitize_filename("", FileType::Png), "document.png");
        assert_eq!(sanitize_filename(".hidden", FileType::Jpeg), "hidden.jpg");
        let long = "가".repeat(300) + ".pdf";
        let safe = sanitize_filename(&long, FileType::Pdf);
        assert_eq!(safe.chars().count(), MAX_FILENAME_CHARS);
        assert!(safe.ends_with(".pdf"));
    }

    #[test]
    fn kinds_round_trip() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>().unwrap(), kind);
        }
        assert!("invoice".parse::<DocumentKind>().is_err());
    }
}
