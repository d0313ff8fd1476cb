//! What each fact of the facts schema (v2) is called, in English and in Korean: the case
//! page's facts section, the desk's amend-a-fact form and the note an amendment leaves all
//! name a fact the same way. A fact's path is its dotted place in the facts document
//! (`applicant.passport_expiry`).

/// The part of the facts document a fact belongs to, as the case page groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactGroup {
    Assignment,
    Qualifications,
    History,
    Employer,
}

impl FactGroup {
    pub const ALL: [FactGroup; 4] = [
        FactGroup::Assignment,
        FactGroup::Qualifications,
        FactGroup::History,
        FactGroup::Employer,
    ];

    /// The page catalog's key for the group's heading.
    pub fn title_key(self) -> &'static str {
        match self {
            FactGroup::Assignment => "facts.assignment",
            FactGroup::Qualifications => "facts.qualifications",
            FactGroup::History => "facts.history",
            FactGroup::Employer => "facts.employer",
        }
    }
}

/// What kind of value a fact holds, so that a form can read it as people write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// Yes or no (`domain::text::yes_no`).
    YesNo,
    /// A number: a count, a wage in dollars, a share in percent.
    Number,
    /// A date as YYYY-MM-DD.
    Date,
    /// One code of a vocabulary (`installer`, `bachelor`, `foreign`).
    Code,
    /// Several codes (activities, country codes).
    Codes,
    /// Trips, as the batch file writes them (`IR:2015-03-01:2015-03-20; …`).
    Trips,
}

/// One fact the desk can read and amend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactName {
    pub path: &'static str,
    pub group: FactGroup,
    pub kind: FactKind,
    pub en: &'static str,
    pub ko: &'static str,
}

const fn fact(
    path: &'static str,
    group: FactGroup,
    en: &'static str,
    ko: &'static str,
) -> FactName {
    FactName {
        path,
        group,
        kind: kind_of(path),
        en,
        ko,
    }
}

/// The kind of the fact at `path`, by the facts schema (`domain::facts`); the table's test
/// amends each fact with a value of its kind.
const fn kind_of(path: &str) -> FactKind {
    match path.as_bytes() {
        b"assignment.activities" | b"applicant.other_nationalities" => FactKind::Codes,
        b"applicant.travel_since_2011" => FactKind::Trips,
        b"assignment.planned_entry" | b"assignment.planned_exit" | b"applicant.passport_expiry" => {
            FactKind::Date
        }
        b"assignment.pay_source"
        | b"applicant.role"
        | b"applicant.education"
        | b"employer.qualifying_relationship" => FactKind::Code,
        b"assignment.offered_wage_usd"
        | b"assignment.prevailing_wage_usd"
        | b"assignment.actual_wage_usd"
        | b"applicant.years_experience"
        | b"applicant.months_employed_by_sponsor_last_3y"
        | b"employer.korean_ownership_pct" => FactKind::Number,
        _ => FactKind::YesNo,
    }
}

use FactGroup::{Assignment, Employer, History, Qualifications};

/// Every fact the rules read and the desk may amend, in the order the case page shows them.
/// The applicant's identity (name, date of birth, nationality, passport number) is not here:
/// it is the filing's, shown in the worker's panel, and a correction is a new filing.
pub const AMENDABLE: &[FactName] = &[
    fact(
        "assignment.activities",
        Assignment,
        "Activities",
        "업무 내용",
    ),
    fact(
        "assignment.planned_entry",
        Assignment,
        "Planned entry",
        "입국 예정일",
    ),
    fact(
        "assignment.planned_exit",
        Assignment,
        "Planned exit",
        "출국 예정일",
    ),
    fact(
        "assignment.pay_source",
        Assignment,
        "Pay source",
        "급여 지급처",
    ),
    fact(
        "assignment.equipment_purchased_abroad",
        Assignment,
        "Equipment purchased from abroad",
        "해외에서 구매한 장비",
    ),
    fact(
        "assignment.contract_requires_seller_services",
        Assignment,
        "Sales contract requires the seller's services",
        "판매 계약상 판매자의 설치·서비스 의무",
    ),
    fact(
        "assignment.worker_employed_by_seller",
        Assignment,
        "Employed by the equipment's seller (or its subcontractor)",
        "장비 판매사(또는 그 협력사) 소속",
    ),
    fact(
        "assignment.worksite_controlled_by_group",
        Assignment,
        "Worksite under the group's control",
        "근무지가 그룹 관리하에 있음",
    ),
    fact(
        "assignment.specialty_occupation",
        Assignment,
        "Specialty occupation",
        "전문 직종",
    ),
    fact(
        "assignment.offered_wage_usd",
        Assignment,
        "Offered yearly wage",
        "제시 연봉",
    ),
    fact(
        "assignment.prevailing_wage_usd",
        Assignment,
        "Prevailing yearly wage",
        "현행 임금",
    ),
    fact(
        "assignment.actual_wage_usd",
        Assignment,
        "Actual wage paid to others in the job",
        "동일 직무 실지급 임금",
    ),
    fact("applicant.role", Qualifications, "Job role", "직무"),
    fact("applicant.education", Qualifications, "Education", "학력"),
    fact(
        "applicant.degree_in_specialty",
        Qualifications,
        "Degree in the specialty",
        "전공 학위",
    ),
    fact(
        "applicant.degree_equivalent",
        Qualifications,
        "Credential evaluation shows an equivalent degree",
        "학력 평가상 동등 학위 인정",
    ),
    fact(
        "applicant.years_experience",
        Qualifications,
        "Years of experience",
        "경력 (년)",
    ),
    fact(
        "applicant.months_employed_by_sponsor_last_3y",
        Qualifications,
        "Months with the company (last 3 years)",
        "최근 3년간 재직 개월 수",
    ),
    fact(
        "applicant.tenure_continuous",
        Qualifications,
        "Those months were continuous",
        "해당 재직 기간이 연속됨",
    ),
    fact(
        "applicant.specialized_knowledge",
        Qualifications,
        "Specialized knowledge",
        "전문 지식",
    ),
    fact(
        "applicant.e4_initial",
        Qualifications,
        "First E-4 application (not a renewal)",
        "E-4 최초 신청 (연장 아님)",
    ),
    fact(
        "applicant.passport_expiry",
        History,
        "Passport expiry",
        "여권 만료일",
    ),
    fact(
        "applicant.other_nationalities",
        History,
        "Other nationalities",
        "다른 국적",
    ),
    fact(
        "applicant.prior_us_violation",
        History,
        "Prior U.S. immigration violation",
        "미국 이민법 위반 이력",
    ),
    fact(
        "applicant.previously_detained_2025",
        History,
        "Detained in 2025",
        "2025년 구금 이력",
    ),
    fact(
        "applicant.prior_visa_refusal",
        History,
        "Prior U.S. visa refusal",
        "미국 비자 거절 이력",
    ),
    fact(
        "applicant.prior_esta_denial",
        History,
        "Prior ESTA denial",
        "ESTA 거부 이력",
    ),
    fact(
        "applicant.travel_since_2011",
        History,
        "Travel since 2011 to a country the visa waiver excludes",
        "2011년 이후 비자 면제 제외 국가 방문",
    ),
    fact(
        "employer.korean_ownership_pct",
        Employer,
        "Korean ownership",
        "한국인 지분율",
    ),
    fact(
        "employer.treaty_investor",
        Employer,
        "Treaty investor (E-2)",
        "조약 투자자 (E-2)",
    ),
    fact(
        "employer.qualifying_relationship",
        Employer,
        "Relationship to the U.S. company",
        "미국 회사와의 관계",
    ),
    fact(
        "employer.labor_attestation_filed",
        Employer,
        "Labor condition attestation filed (E-4)",
        "노동 조건 확인서 제출 (E-4)",
    ),
    fact(
        "employer.strike_or_lockout",
        Employer,
        "Strike or lockout at the worksite",
        "근무지 파업 또는 직장 폐쇄",
    ),
];

/// The fact at `path`, if the desk may amend it.
pub fn find(path: &str) -> Option<&'static FactName> {
    AMENDABLE.iter().find(|f| f.path == path)
}

/// Names for a list of paths, (English, Korean), joined with commas; a path not in the table
/// is written as it is.
pub fn names_of(paths: &[String]) -> (String, String) {
    let name = |p: &String, ko: bool| match find(p) {
        Some(f) if ko => f.ko.to_owned(),
        Some(f) => f.en.to_owned(),
        None => p.clone(),
    };
    let join = |ko: bool| {
        paths
            .iter()
            .map(|p| name(p, ko))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (join(false), join(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_amendable_fact_is_in_the_facts_schema() {
        // No fact of the table takes free text: text in its place is refused as the wrong
        // type of value, where a path the schema lacks is refused as an unknown field.
        let facts = crate::domain::FactsV2::from_value(serde_json::json!({
            "facts_version": 2, "filing_date": "2026-12-01",
            "applicant": {}, "assignment": {}, "employer": {}
        }))
        .expect("an empty facts document parses");
        let refusal = |path: &str| {
            let mut patch = serde_json::json!("not a value");
            for key in path.rsplit('.') {
                patch = serde_json::json!({ key: patch });
            }
            match facts.amended(&patch) {
                Err(problem) => {
                    assert_eq!(problem.field, format!("facts.{path}"));
                    problem.message
                }
                Ok(_) => panic!("{path} took text"),
            }
        };
        for f in AMENDABLE {
            let message = refusal(f.path);
            assert!(!message.contains("unknown field"), "{}: {message}", f.path);
        }
        assert!(refusal("applicant.shoe_size").contains("unknown field"));
    }

    #[test]
    fn every_fact_takes_a_value_of_its_kind() {
        let facts = crate::domain::FactsV2::from_value(serde_json::json!({
            "facts_version": 2, "filing_date": "2026-12-01",
            "applicant": {}, "assignment": {}, "employer": {}
        }))
        .unwrap();
        for f in AMENDABLE {
            let mut patch = match (f.kind, f.path) {
                (FactKind::YesNo, _) => serde_json::json!(true),
                (FactKind::Number, _) => serde_json::json!(12),
                (FactKind::Date, _) => serde_json::json!("2027-01-04"),
                (FactKind::Trips, _) => {
                    serde_json::json!([{"country": "IR", "from": "2015-03-01"}])
                }
                (FactKind::Codes, "assignment.activities") => serde_json::json!(["install"]),
                (FactKind::Codes, _) => serde_json::json!(["JP"]),
                (FactKind::Code, "assignment.pay_source") => serde_json::json!("foreign"),
                (FactKind::Code, "applicant.role") => serde_json::json!("installer"),
                (FactKind::Code, "applicant.education") => serde_json::json!("bachelor"),
                (FactKind::Code, _) => serde_json::json!("affiliate"),
            };
            for key in f.path.rsplit('.') {
                patch = serde_json::json!({ key: patch });
            }
            let result = facts.amended(&patch);
            assert!(result.is_ok(), "{}: {:?}", f.path, result.err());
        }
    }

    #[test]
    fn paths_are_named_in_both_languages() {
        let (en, ko) = names_of(&["applicant.other_nationalities".into(), "x.y".into()]);
        assert_eq!(en, "Other nationalities, x.y");
        assert_eq!(ko, "다른 국적, x.y");
        let mut paths: Vec<_> = AMENDABLE.iter().map(|f| f.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), AMENDABLE.len(), "a path is named twice");
    }
}
