//! Facts v2: the one shape the filing, the dry run, amendments and the rules engine read
//! (docs/domain.md, "Facts v2"). Parsed once at the edge; a v1 document is upgraded on the way
//! in (every fact new in v2 is then missing, and the rules that read it say so as `error`).
//!
//! Every fact is optional: a missing fact is never a silent false, it is an `error` on the
//! rules that read it, and the employer is asked for it on the case (`amend_facts`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::worker::normalize_country;

/// The facts version this build writes.
pub const FACTS_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    None,
    HighSchool,
    Vocational,
    Associate,
    Bachelor,
    Master,
    Doctorate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobRole {
    Installer,
    Technician,
    Engineer,
    Trainer,
    Supervisor,
    Manager,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaySource {
    Foreign,
    Us,
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Parent,
    Branch,
    Subsidiary,
    Affiliate,
    None,
}

/// Activities (v2 adds the business visitor's: negotiate_contracts, consult, conference,
/// site_visit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Install,
    Service,
    Repair,
    TrainUsWorkers,
    SuperviseConstruction,
    Meetings,
    NegotiateContracts,
    Consult,
    Conference,
    SiteVisit,
    ConstructionLabor,
    ProductiveWork,
}

impl Activity {
    pub const ALL: [Activity; 12] = [
        Activity::Install,
        Activity::Service,
        Activity::Repair,
        Activity::TrainUsWorkers,
        Activity::SuperviseConstruction,
        Activity::Meetings,
        Activity::NegotiateContracts,
        Activity::Consult,
        Activity::Conference,
        Activity::SiteVisit,
        Activity::ConstructionLabor,
        Activity::ProductiveWork,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Install => "install",
            Activity::Service => "service",
            Activity::Repair => "repair",
            Activity::TrainUsWorkers => "train_us_workers",
            Activity::SuperviseConstruction => "supervise_construction",
            Activity::Meetings => "meetings",
            Activity::NegotiateContracts => "negotiate_contracts",
            Activity::Consult => "consult",
            Activity::Conference => "conference",
            Activity::SiteVisit => "site_visit",
            Activity::ConstructionLabor => "construction_labor",
            Activity::ProductiveWork => "productive_work",
        }
    }

    pub fn parse(text: &str) -> Option<Activity> {
        Activity::ALL
            .into_iter()
            .find(|a| a.as_str() == text.trim())
    }
}

/// A stay abroad since 2011 (the Visa Waiver travel bars read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Trip {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub from: NaiveDate,
    /// Last day present; the same day as `from` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// On official or military duty for a Visa Waiver country's government.
    #[serde(default)]
    pub official_duty: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// v2: further nationalities (the Visa Waiver dual-nationality bar reads them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_nationalities: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_expiry: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<Education>,
    /// The degree's field is the job's specialty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree_in_specialty: Option<bool>,
    /// v2: a credential evaluation shows equivalence to a U.S. degree in the specialty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree_equivalent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years_experience: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_employed_by_sponsor_last_3y: Option<i64>,
    /// v2: those months were continuous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenure_continuous: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<JobRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialized_knowledge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_us_violation: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previously_detained_2025: Option<bool>,
    /// v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_visa_refusal: Option<bool>,
    /// v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_esta_denial: Option<bool>,
    /// v2: stays abroad since 2011-03-01 in any country the Visa Waiver bars could concern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_since_2011: Option<Vec<Trip>>,
    /// v2: a first E-4 application (renewals do not count against the cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e4_initial: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<Vec<Activity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_entry: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_exit: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_source: Option<PaySource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equipment_purchased_abroad: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_requires_seller_services: Option<bool>,
    /// v2: employed by the seller of the equipment (or its subcontractor under the contract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_employed_by_seller: Option<bool>,
    /// v2: the worksite stays under the sponsor group's control (L-1 placement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worksite_controlled_by_group: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty_occupation: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_wage_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevailing_wage_usd: Option<f64>,
    /// v2: the wage the employer pays others in the same job (INA 212(t)(1)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_wage_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Employer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub korean_ownership_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treaty_investor: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifying_relationship: Option<Relationship>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labor_attestation_filed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strike_or_lockout: Option<bool>,
}

/// A facts document, v2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsV2 {
    /// Always 2 once parsed (a v1 document, without it or with 1, is upgraded).
    #[serde(default = "facts_version")]
    pub facts_version: u32,
    pub filing_date: NaiveDate,
    #[serde(default)]
    pub applicant: Applicant,
    #[serde(default)]
    pub assignment: Assignment,
    #[serde(default)]
    pub employer: Employer,
}

fn facts_version() -> u32 {
    FACTS_VERSION
}

/// A facts document that could not be read: the field (dotted path) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactsProblem {
    pub field: String,
    pub message: String,
}

impl FactsV2 {
    /// Parses a v1 or v2 document. Unknown keys and ill-typed values are refused, naming
    /// the field; missing facts are kept missing.
    pub fn from_value(value: Value) -> Result<FactsV2, FactsProblem> {
        match value.get("facts_version") {
            None | Some(Value::Null) => {}
            Some(v) if v.as_u64().is_some_and(|n| n == 1 || n == 2) => {}
            Some(_) => {
                return Err(FactsProblem {
                    field: "facts_version".into(),
                    message: "must be 1 or 2".into(),
                })
            }
        }
        let mut facts: FactsV2 = serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            let message = e.inner().to_string();
            FactsProblem {
                field: if field == "." { "facts".into() } else { field },
                message,
            }
        })?;
        facts.facts_version = FACTS_VERSION;
        facts.normalize();
        Ok(facts)
    }

    /// Reads stored facts (written by this type, or v1 documents written before it).
    pub fn from_stored(text: &str) -> Result<FactsV2, FactsProblem> {
        let value: Value = serde_json::from_str(text).map_err(|e| FactsProblem {
            field: "facts".into(),
            message: e.to_string(),
        })?;
        Self::from_value(value)
    }

    /// The JSON document the rules engine reads: missing facts stay absent.
    pub fn to_value(&self) -> Value {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    fn normalize(&mut self) {
        let a = &mut self.applicant;
        if let Some(n) = &a.nationality {
            a.nationality = Some(normalize_country(n));
        }
        if let Some(others) = &mut a.other_nationalities {
            for n in others.iter_mut() {
                *n = normalize_country(n);
            }
        }
        if let Some(trips) = &mut a.travel_since_2011 {
            for t in trips.iter_mut() {
                t.country = normalize_country(&t.country);
            }
        }
    }

    /// Applies a partial document (`amend_facts`): objects merge key by key, any other value
    /// replaces, `null` removes the fact. Returns the amended facts and the changed paths.
    pub fn amended(&self, patch: &Value) -> Result<(FactsV2, Vec<String>), FactsProblem> {
        let Value::Object(patch_map) = patch else {
            return Err(FactsProblem {
                field: "facts".into(),
                message: "must be an object with the facts to change".into(),
            });
        };
        for fixed in ["filing_date", "facts_version"] {
            if patch_map.contains_key(fixed) {
                return Err(FactsProblem {
                    field: format!("facts.{fixed}"),
                    message: "cannot be amended".into(),
                });
            }
        }
        if patch_map.is_empty() {
            return Err(FactsProblem {
                field: "facts".into(),
                message: "name at least one fact to change".into(),
            });
        }
        let before = self.to_value();
        let mut after = before.clone();
        merge(&mut after, patch);
        let amended = FactsV2::from_value(after).map_err(|p| FactsProblem {
            field: format!("facts.{}", p.field),
            message: p.message,
        })?;
        let mut changed = Vec::new();
        diff_paths("", &before, &amended.to_value(), &mut changed);
        Ok((amended, changed))
    }

    /// Plausibility of the facts a person typed (dates in range, codes well formed), as
    /// field errors `prefix.path`.
    pub fn check(&self, today: NaiveDate) -> Vec<FactsProblem> {
        let mut out = Vec::new();
        let mut add = |field: &str, message: &str| {
            out.push(FactsProblem {
                field: field.to_string(),
                message: message.to_string(),
            })
        };
        let a = &self.applicant;
        let country_ok = |c: &str| c.len() == 2 && c.chars().all(|c| c.is_ascii_uppercase());
        if a.nationality.as_deref().is_some_and(|n| !country_ok(n)) {
            add(
                "applicant.nationality",
                "must be an ISO 3166-1 alpha-2 country code such as KR",
            );
        }
        if let Some(others) = &a.other_nationalities {
            if others.len() > 5 {
                add("applicant.other_nationalities", "at most 5 nationalities");
            }
            for (i, n) in others.iter().enumerate() {
                if !country_ok(n) {
                    add(
                        &format!("applicant.other_nationalities[{i}]"),
                        "must be an ISO 3166-1 alpha-2 country code",
                    );
                }
            }
        }
        if let Some(trips) = &a.travel_since_2011 {
            if trips.len() > 100 {
                add("applicant.travel_since_2011", "at most 100 trips");
            }
            let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(today);
            for (i, t) in trips.iter().enumerate() {
                let field = format!("applicant.travel_since_2011[{i}]");
                if !country_ok(&t.country) {
                    add(
                        &format!("{field}.country"),
                        "must be an ISO 3166-1 alpha-2 country code",
                    );
                }
                if t.from < earliest || t.from > today {
                    add(&format!("{field}.from"), "must be a past date");
                }
                if t.to.is_some_and(|to| to < t.from || to > today) {
                    add(
                        &format!("{field}.to"),
                        "must be on or after `from` and not in the future",
                    );
                }
            }
        }
        if a.years_experience.is_some_and(|y| !(0..=60).contains(&y)) {
            add("applicant.years_experience", "must be between 0 and 60");
        }
        if a.months_employed_by_sponsor_last_3y
            .is_some_and(|m| !(0..=36).contains(&m))
        {
            add(
                "applicant.months_employed_by_sponsor_last_3y",
                "must be between 0 and 36",
            );
        }
        let s = &self.assignment;
        if let (Some(entry), Some(exit)) = (s.planned_entry, s.planned_exit) {
            if exit < entry {
                add(
                    "assignment.planned_exit",
                    "must be on or after planned_entry",
                );
            }
        }
        if let Some(activities) = &s.activities {
            for (i, activity) in activities.iter().enumerate() {
                if activities[..i].contains(activity) {
                    add(&format!("assignment.activities[{i}]"), "is listed twice");
                }
            }
        }
        for (name, wage) in [
            ("assignment.offered_wage_usd", s.offered_wage_usd),
            ("assignment.prevailing_wage_usd", s.prevailing_wage_usd),
            ("assignment.actual_wage_usd", s.actual_wage_usd),
        ] {
            if wage.is_some_and(|v| !v.is_finite() || !(0.0..=10_000_000.0).contains(&v)) {
                add(
                    name,
                    "must be a yearly wage in dollars between 0 and 10,000,000",
                );
            }
        }
        if self
            .employer
            .korean_ownership_pct
            .is_some_and(|p| !p.is_finite() || !(0.0..=100.0).contains(&p))
        {
            add("employer.korean_ownership_pct", "must be between 0 and 100");
        }
        out
    }
}

fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn diff_paths(prefix: &str, before: &Value, after: &Value, out: &mut Vec<String>) {
    let empty = Map::new();
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                diff_paths(
                    &path,
                    b.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Object(b), Value::Null) | (Value::Null, Value::Object(b)) => diff_paths(
            prefix,
            &Value::Object(b.clone()),
            &Value::Object(empty),
            out,
        ),
        (b, a) if b != a => out.push(prefix.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v1() -> Value {
        json!({
            "filing_date": "2026-02-02",
            "applicant": {"nationality": "kr", "education": "bachelor", "degree_in_specialty": false},
            "assignment": {"activities": ["install"], "planned_entry": "2026-03-02", "pay_source": "foreign"},
            "employer": {"korean_ownership_pct": 100}
        })
    }

    #[test]
    fn a_v1_document_is_upgraded_with_the_new_facts_missing() {
        let facts = FactsV2::from_value(v1()).unwrap();
        assert_eq!(facts.facts_version, 2);
        assert_eq!(facts.applicant.nationality.as_deref(), Some("KR"));
        assert_eq!(facts.applicant.tenure_continuous, None);
        let value = facts.to_value();
        assert!(value["applicant"].get("travel_since_2011").is_none());
        assert_eq!(value["facts_version"], 2);
    }

    #[test]
    fn ill_typed_and_unknown_facts_name_the_field() {
        let mut doc = v1();
        doc["assignment"]["activities"] = json!(["install", "welding"]);
        let e = FactsV2::from_value(doc).unwrap_err();
        assert_eq!(e.field, "assignment.activities[1]");
        let mut doc = v1();
        doc["applicant"]["tenure_continous"] = json!(true);
        let e = FactsV2::from_value(doc).unwrap_err();
        assert!(e.message.contains("tenure_continous"), "{e:?}");
        let mut doc = v1();
        doc["facts_version"] = json!(3);
        assert_eq!(FactsV2::from_value(doc).unwrap_err().field, "facts_version");
    }

    #[test]
    fn an_amendment_merges_and_lists_the_changed_paths() {
        let facts = FactsV2::from_value(v1()).unwrap();
        let (amended, changed) = facts
            .amended(
                &json!({"applicant": {"tenure_continuous": true, "education": "master"},
                              "assignment": {"pay_source": null}}),
            )
            .unwrap();
        assert_eq!(amended.applicant.tenure_continuous, Some(true));
        assert_eq!(amended.applicant.education, Some(Education::Master));
        assert_eq!(amended.assignment.pay_source, None);
        assert_eq!(
            changed,
            vec![
                "applicant.education",
                "applicant.tenure_continuous",
                "assignment.pay_source"
            ]
        );
        let e = facts
            .amended(&json!({"filing_date": "2027-01-01"}))
            .unwrap_err();
        assert_eq!(e.field, "facts.filing_date");
        let e = facts
            .amended(&json!({"applicant": {"role": "welder"}}))
            .unwrap_err();
        assert_eq!(e.field, "facts.applicant.role");
    }

    #[test]
    fn implausible_trips_are_refused() {
        let mut facts = FactsV2::from_value(v1()).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        facts.applicant.travel_since_2011 = Some(vec![Trip {
            country: "IR".into(),
            from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            to: None,
            official_duty: false,
        }]);
        let problems = facts.check(today);
        assert_eq!(problems[0].field, "applicant.travel_since_2011[0].from");
    }
}
