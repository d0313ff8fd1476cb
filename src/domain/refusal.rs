//! The legal grounds an officer refuses a visa on, as a consular refusal letter states them:
//! the section of the Immigration and Nationality Act (with its U.S. Code section) and what it
//! means, in English and Korean. A dated list: checked against the statute as published by
//! the Office of the Law Revision Counsel (uscode.house.gov, Title 8) on the date below.
//!
//! Sources: INA 214(b) = 8 U.S.C. 1184(b); INA 221(g) = 8 U.S.C. 1201(g); INA 212(a)(6)(C)(i)
//! = 8 U.S.C. 1182(a)(6)(C)(i); INA 212(a)(9)(B)(i) = 8 U.S.C. 1182(a)(9)(B)(i); INA
//! 212(a)(7)(B)(i)(I) = 8 U.S.C. 1182(a)(7)(B)(i)(I); INA 222(g) = 8 U.S.C. 1202(g). The
//! consular guidance on each is in 9 FAM 302 (ineligibilities) and 9 FAM 403.10 (214(b));
//! those pinpoints are not quoted in letters.

use std::fmt;

/// The day the list was last checked against the statute.
pub const GROUNDS_CHECKED_ON: &str = "2026-11-30";

/// One ground of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalGround {
    /// The id the API takes: the INA section as written, e.g. `214(b)`.
    pub id: &'static str,
    /// `INA 214(b) (8 U.S.C. 1184(b))`.
    pub citation: &'static str,
    pub title_en: &'static str,
    pub title_ko: &'static str,
    /// What the letter says about it.
    pub explanation_en: &'static str,
    pub explanation_ko: &'static str,
    /// The ineligibility outlasts this application (a bar, or permanent unless waived).
    pub lasting: bool,
}

impl fmt::Display for RefusalGround {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.citation)
    }
}

pub const GROUNDS: &[RefusalGround] = &[
    RefusalGround {
        id: "214(b)",
        citation: "INA 214(b) (8 U.S.C. 1184(b))",
        title_en: "Not shown to qualify for the visa applied for",
        title_ko: "신청한 비자의 요건을 갖추었음을 입증하지 못함",
        explanation_en: "You did not establish that you qualify for the nonimmigrant visa you applied for, including that you will leave the United States at the end of your authorized stay. You may apply again when your circumstances have changed or you can show more.",
        explanation_ko: "신청한 비이민 비자의 요건, 특히 허가된 체류 기간이 끝나면 미국을 떠날 것임을 입증하지 못했습니다. 사정이 달라지거나 더 많은 자료를 제시할 수 있을 때 다시 신청할 수 있습니다.",
        lasting: false,
    },
    RefusalGround {
        id: "221(g)",
        citation: "INA 221(g) (8 U.S.C. 1201(g))",
        title_en: "Application incomplete or further administrative processing needed",
        title_ko: "신청 서류 미비 또는 추가 행정 처리 필요",
        explanation_en: "The visa cannot be issued now because the application is incomplete or needs further administrative processing. If you are asked for documents, send them within one year and the application will be considered again without a new fee.",
        explanation_ko: "신청 서류가 완전하지 않거나 추가 행정 처리가 필요하여 지금은 비자를 발급할 수 없습니다. 서류 제출을 요청받았다면 1년 안에 제출하면 추가 수수료 없이 다시 검토합니다.",
        lasting: false,
    },
    RefusalGround {
        id: "212(a)(6)(C)(i)",
        citation: "INA 212(a)(6)(C)(i) (8 U.S.C. 1182(a)(6)(C)(i))",
        title_en: "Fraud or willful misrepresentation of a material fact",
        title_ko: "중요한 사실에 대한 사기 또는 고의적 허위 진술",
        explanation_en: "You sought a visa by fraud or by willfully misrepresenting a material fact. This ineligibility is permanent unless a waiver is granted.",
        explanation_ko: "사기 또는 중요한 사실에 대한 고의적 허위 진술로 비자를 받으려 했습니다. 면제(waiver)를 받지 않는 한 이 결격 사유는 영구적으로 적용됩니다.",
        lasting: true,
    },
    RefusalGround {
        id: "212(a)(9)(B)",
        citation: "INA 212(a)(9)(B)(i) (8 U.S.C. 1182(a)(9)(B)(i))",
        title_en: "Unlawful presence in the United States",
        title_ko: "미국 내 불법 체류",
        explanation_en: "You were unlawfully present in the United States for more than 180 days and then left: you may not be admitted for 3 years after leaving (10 years after one year or more of unlawful presence), unless a waiver is granted.",
        explanation_ko: "미국에 180일을 넘게 불법 체류한 뒤 출국했습니다. 면제(waiver)를 받지 않는 한 출국일로부터 3년(불법 체류가 1년 이상이면 10년) 동안 입국할 수 없습니다.",
        lasting: true,
    },
    RefusalGround {
        id: "212(a)(7)(B)(i)(I)",
        citation: "INA 212(a)(7)(B)(i)(I) (8 U.S.C. 1182(a)(7)(B)(i)(I))",
        title_en: "Passport not valid for the required period",
        title_ko: "여권 유효기간 부족",
        explanation_en: "Your passport is not valid for the period the law requires for this stay. Apply again with a passport that is.",
        explanation_ko: "여권의 유효기간이 이번 체류에 법이 요구하는 기간에 미치지 못합니다. 유효기간이 충분한 여권으로 다시 신청해 주십시오.",
        lasting: false,
    },
    RefusalGround {
        id: "222(g)",
        citation: "INA 222(g) (8 U.S.C. 1202(g))",
        title_en: "Earlier visa void after a stay beyond the authorized period",
        title_ko: "허가 기간을 넘긴 체류로 이전 비자 무효",
        explanation_en: "You stayed beyond the period authorized on an earlier visa, which made that visa void. You must apply in your country of nationality unless extraordinary circumstances are found.",
        explanation_ko: "이전 비자로 허가된 기간을 넘겨 체류하여 그 비자는 무효가 되었습니다. 특별한 사정이 인정되지 않는 한 국적국에서 신청해야 합니다.",
        lasting: false,
    },
];

/// The ground named by `id` (`214(b)`; `INA 214(b)` and spaces are accepted).
pub fn ground(id: &str) -> Result<&'static RefusalGround, super::InvalidValue> {
    let wanted: String = id
        .trim()
        .trim_start_matches("INA")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    GROUNDS.iter().find(|g| g.id == wanted).ok_or_else(|| {
        super::InvalidValue::new(format!(
            "must be one of {}",
            GROUNDS.iter().map(|g| g.id).collect::<Vec<_>>().join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grounds_are_found_by_their_section_and_cite_the_code() {
        assert_eq!(
            ground("214(b)").unwrap().citation,
            "INA 214(b) (8 U.S.C. 1184(b))"
        );
        assert_eq!(ground(" INA 221(g) ").unwrap().id, "221(g)");
        assert!(ground("212(a)(6)(C)(i)").is_ok());
        assert!(ground("999").unwrap_err().message.contains("214(b)"));
        for g in GROUNDS {
            assert!(
                g.citation.starts_with(&format!("INA {}", &g.id[..3])),
                "{g:?}"
            );
            assert!(g.citation.contains("8 U.S.C."));
            assert!(!g.title_ko.is_empty() && !g.explanation_ko.is_empty());
        }
        assert!(GROUNDS_CHECKED_ON.parse::<chrono::NaiveDate>().is_ok());
    }
}
