//! Reading posted forms, and the worker fields shared by the filing form and the
//! eligibility pre-check.

use crate::domain::worker::{ACTIVITIES, EDUCATION, JOB_ROLES, PAY_SOURCES};
use crate::service::filing::{AssignmentInput, WorkerInput};
use crate::service::FieldError;

/// A posted `application/x-www-form-urlencoded` body as name/value pairs (a name may
/// repeat, as checkboxes do).
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// How one worker field is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Email,
    Date,
    Number,
    Select(&'static [&'static str]),
    Check,
    Many(&'static [&'static str]),
}

/// The worker fields in form order: (name, kind, required).
pub const WORKER_FIELDS: &[(&str, Kind, bool)] = &[
    ("given_name", Kind::Text, true),
    ("family_name", Kind::Text, true),
    ("name_ko", Kind::Text, false),
    ("email", Kind::Email, true),
    ("date_of_birth", Kind::Date, true),
    ("nationality", Kind::Text, true),
    ("passport_number", Kind::Text, true),
    ("passport_expiry", Kind::Date, true),
    ("education", Kind::Select(EDUCATION), true),
    ("degree_in_specialty", Kind::Check, false),
    ("years_experience", Kind::Number, true),
    ("months_employed_by_sponsor_last_3y", Kind::Number, true),
    ("role", Kind::Select(JOB_ROLES), true),
    ("specialized_knowledge", Kind::Check, false),
    ("prior_us_violation", Kind::Check, false),
    ("previously_detained_2025", Kind::Check, false),
    ("other_nationalities", Kind::Text, false),
    ("degree_equivalent", Kind::Check, false),
    ("tenure_continuous", Kind::Check, false),
    ("prior_visa_refusal", Kind::Check, false),
    ("prior_esta_denial", Kind::Check, false),
    ("travel_since_2011", Kind::Text, false),
    ("e4_initial", Kind::Check, false),
    ("activities", Kind::Many(ACTIVITIES), true),
    ("planned_entry", Kind::Date, true),
    ("planned_exit", Kind::Date, true),
    ("pay_source", Kind::Select(PAY_SOURCES), true),
    ("specialty_occupation", Kind::Check, false),
    ("offered_wage_usd", Kind::Number, false),
    ("prevailing_wage_usd", Kind::Number, false),
    ("actual_wage_usd", Kind::Number, false),
    ("worker_employed_by_seller", Kind::Check, false),
    ("worksite_controlled_by_group", Kind::Check, false),
];

/// One field of one worker block, ready for the template.
pub struct FieldView {
    /// The input's name and id: `w{block}.{field}`.
    pub input: String,
    pub label_key: String,
    pub kind: &'static str,
    pub options: Vec<&'static str>,
    /// The catalog prefix that names the options in the reader's language (`education.`).
    pub option_prefix: &'static str,
    pub value: String,
    pub selected: Vec<String>,
    pub required: bool,
    pub error: Option<String>,
}

impl FieldView {
    pub fn is_selected(&self, option: &&str) -> bool {
        self.selected.iter().any(|s| s == option) || self.value == *option
    }
}

/// The catalog prefix of a field's vocabulary: its values are shown as words, not codes
/// (`education.high_school` is "고등학교 졸업"); "" for a field without one.
pub fn vocabulary_prefix(field: &str) -> &'static str {
    match field {
        "education" => "education.",
        "role" => "role.",
        "pay_source" => "pay_source.",
        "activities" => "activity.",
        "sector" => "sector.",
        "qualifying_relationship" => "relationship.",
        _ => "",
    }
}

pub struct WorkerBlock {
    pub number: usize,
    pub fields: Vec<FieldView>,
}

/// Worker blocks for a form, filled from what was posted (if anything) with the errors of
/// each field. `errors` are keyed by block index and field name.
pub fn worker_blocks(
    count: usize,
    form: Option<&FormData>,
    errors: &[(usize, String, String)],
    required_blocks: usize,
) -> Vec<WorkerBlock> {
    (0..count)
        .map(|b| WorkerBlock {
            number: b + 1,
            fields: WORKER_FIELDS
                .iter()
                .map(|(name, kind, required)| {
                    let input = format!("w{b}.{name}");
                    let (kind_name, options) = match kind {
                        Kind::Text => ("text", Vec::new()),
                        Kind::Email => ("email", Vec::new()),
                        Kind::Date => ("date", Vec::new()),
                        Kind::Number => ("number", Vec::new()),
                        Kind::Select(o) => ("select", o.to_vec()),
                        Kind::Check => ("check", Vec::new()),
                        Kind::Many(o) => ("many", o.to_vec()),
                    };
                    let value = match (form, kind) {
                        (Some(f), Kind::Check) => {
                            if f.checked(&input) {
                                "on".into()
                            } else {
                                String::new()
                            }
                        }
                        (Some(f), _) => f.get(&input).to_owned(),
                        (None, Kind::Text) if *name == "nationality" => "KR".into(),
                        (None, _) => String::new(),
                    };
                    let selected = form.map(|f| f.all(&input)).unwrap_or_default();
                    let error = errors
                        .iter()
                        .filter(|(i, f, _)| *i == b && f == name)
                        .map(|(_, _, m)| m.clone())
                        .reduce(|a, m| format!("{a}; {m}"));
                    FieldView {
                        label_key: format!("worker.{name}"),
                        input,
                        kind: kind_name,
                        options,
                        option_prefix: vocabulary_prefix(name),
                        value,
                        selected,
                        required: *required && b < required_blocks,
                        error,
                    }
                })
                .collect(),
        })
        .collect()
}

/// Is worker block `b` left empty (then it is skipped)?
pub fn block_is_empty(form: &FormData, b: usize) -> bool {
    ["given_name", "family_name", "passport_number", "email"]
        .iter()
        .all(|f| form.get(&format!("w{b}.{f}")).trim().is_empty())
}

/// Reads worker block `b`. Numbers that do not parse are reported as errors of the block.
pub fn read_worker(
    form: &FormData,
    b: usize,
    errors: &mut Vec<(usize, String, String)>,
) -> WorkerInput {
    let f = |name: &str| form.get(&format!("w{b}.{name}")).trim().to_owned();
    let check = |name: &str| form.checked(&format!("w{b}.{name}"));
    let mut integer = |name: &str| -> i64 {
        f(name).parse().unwrap_or_else(|_| {
            errors.push((b, name.to_owned(), "must be a whole number".into()));
            0
        })
    };
    let years = integer("years_experience");
    let months = integer("months_employed_by_sponsor_last_3y");
    let mut wage = |name: &str| -> Option<f64> {
        let raw = f(name).replace(',', "");
        if raw.is_empty() {
            return None;
        }
        raw.parse().map(Some).unwrap_or_else(|_| {
            errors.push((b, name.to_owned(), "must be a number".into()));
            None
        })
    };
    let offered = wage("offered_wage_usd");
    let prevailing = wage("prevailing_wage_usd");
    let actual = wage("actual_wage_usd");
    let name_ko = f("name_ko");
    let others = f("other_nationalities");
    let travel = f("travel_since_2011");
    let travel_since_2011 = match crate::service::filing::parse_trips(&travel) {
        Ok(trips) => Some(trips),
        Err(m) => {
            errors.push((b, "travel_since_2011".to_owned(), m));
            None
        }
    };
    WorkerInput {
        given_name: f("given_name"),
        family_name: f("family_name"),
        name_ko: (!name_ko.is_empty()).then_some(name_ko),
        email: f("email"),
        date_of_birth: f("date_of_birth"),
        nationality: f("nationality").to_ascii_uppercase(),
        passport_number: f("passport_number"),
        passport_expiry: f("passport_expiry"),
        education: f("education"),
        degree_in_specialty: check("degree_in_specialty"),
        years_experience: years,
        months_employed_by_sponsor_last_3y: months,
        role: f("role"),
        specialized_knowledge: check("specialized_knowledge"),
        prior_us_violation: check("prior_us_violation"),
        previously_detained_2025: check("previously_detained_2025"),
        // The form asks every v2 question: an unticked box is a "no", not a missing fact.
        other_nationalities: Some(
            others
                .split([',', ';', ' '])
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        degree_equivalent: Some(check("degree_equivalent")),
        tenure_continuous: Some(check("tenure_continuous")),
        prior_visa_refusal: Some(check("prior_visa_refusal")),
        prior_esta_denial: Some(check("prior_esta_denial")),
        travel_since_2011,
        e4_initial: Some(check("e4_initial")),
        assignment: AssignmentInput {
            activities: form.all(&format!("w{b}.activities")),
            planned_entry: f("planned_entry"),
            planned_exit: f("planned_exit"),
            pay_source: f("pay_source"),
            specialty_occupation: check("specialty_occupation"),
            offered_wage_usd: offered,
            prevailing_wage_usd: prevailing,
            actual_wage_usd: actual,
            worker_employed_by_seller: Some(check("worker_employed_by_seller")),
            worksite_controlled_by_group: Some(check("worksite_controlled_by_group")),
        },
    }
}

/// Splits `workers[3].assignment.planned_entry` into (3, "planned_entry").
pub fn worker_field(field: &str) -> Option<(usize, String)> {
    let rest = field.strip_prefix("workers[")?;
    let (index, rest) = rest.split_once(']')?;
    let index = index.parse().ok()?;
    let name = rest.trim_start_matches('.');
    let name = name.strip_prefix("assignment.").unwrap_or(name);
    // activities[2] → activities
    let name = name.split('[').next().unwrap_or(name);
    Some((index, name.to_owned()))
}

/// Field errors of a batch grouped by row: (row index, field, message); errors not about
/// one worker come back with `None`.
pub fn by_worker(errors: &[FieldError]) -> (Vec<(usize, String, String)>, Vec<FieldError>) {
    let mut rows = Vec::new();
    let mut general = Vec::new();
    for e in errors {
        match worker_field(&e.field) {
            Some((i, name)) => rows.push((i, name, e.message.clone())),
            None => general.push(e.clone()),
        }
    }
    (rows, general)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_fields_are_named_like_the_form() {
        assert_eq!(
            worker_field("workers[3].assignment.planned_entry"),
            Some((3, "planned_entry".into()))
        );
        assert_eq!(
            worker_field("workers[0].assignment.activities[1]"),
            Some((0, "activities".into()))
        );
        assert_eq!(
            worker_field("workers[12].email"),
            Some((12, "email".into()))
        );
        assert_eq!(worker_field("project_id"), None);
    }
}
