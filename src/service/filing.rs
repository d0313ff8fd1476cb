//! Batch filing: an employer files a batch of workers for one project. All or nothing: one
//! bad worker rejects the whole batch, naming every failing field; a repeated
//! Idempotency-Key replays the first answer.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::accounts::AuthUser;
use super::spreadsheet::{Table, TableRow};
use super::{access, audit, passports, FieldErrors, ServiceError};
use crate::db::cases::{self, CaseRow};
use crate::db::filings::{self, FilingRow};
use crate::db::{self as database, projects, receipts, sponsors, DbConnection};
use crate::domain::facts::Trip;
use crate::domain::receipt::{fiscal_year, ReceiptNumber};
use crate::domain::worker::{one_of, ACTIVITIES, EDUCATION, JOB_ROLES, PAY_SOURCES};
use crate::domain::{time, CaseStatus, EmailAddress, FactsV2, Role};

/// Largest batch in one filing. Large investors file hundreds at once; beyond this, split the
/// batch (each part is still all-or-nothing).
pub const MAX_BATCH: usize = 500;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerInput {
    pub given_name: String,
    pub family_name: String,
    #[serde(default)]
    pub name_ko: Option<String>,
    pub email: String,
    pub date_of_birth: String,
    pub nationality: String,
    pub passport_number: String,
    pub passport_expiry: String,
    pub education: String,
    pub degree_in_specialty: bool,
    pub years_experience: i64,
    pub months_employed_by_sponsor_last_3y: i64,
    pub role: String,
    pub specialized_knowledge: bool,
    pub prior_us_violation: bool,
    pub previously_detained_2025: bool,
    /// Facts v2, each optional so that v1 clients keep working: a fact left out shows as
    /// `error` on the rules that read it, and the desk asks for it on the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_nationalities: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree_equivalent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenure_continuous: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_visa_refusal: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_esta_denial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_since_2011: Option<Vec<Trip>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e4_initial: Option<bool>,
    pub assignment: AssignmentInput,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub activities: Vec<String>,
    pub planned_entry: String,
    pub planned_exit: String,
    pub pay_source: String,
    pub specialty_occupation: bool,
    #[serde(default)]
    pub offered_wage_usd: Option<f64>,
    #[serde(default)]
    pub prevailing_wage_usd: Option<f64>,
    /// Facts v2 (optional, as above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_wage_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_employed_by_seller: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worksite_controlled_by_group: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingInput {
    pub project_id: String,
    pub workers: Vec<WorkerInput>,
}

/// A worker that passed every check.
#[derive(Debug, Clone)]
pub struct ValidWorker {
    pub input: WorkerInput,
    pub email: EmailAddress,
    pub date_of_birth: NaiveDate,
    pub passport_expiry: NaiveDate,
    pub planned_entry: NaiveDate,
    pub planned_exit: NaiveDate,
}

fn parse_date(errors: &mut FieldErrors, field: String, raw: &str) -> Option<NaiveDate> {
    errors.check(
        field,
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| "must be a date as YYYY-MM-DD"),
    )
}

fn check_name(errors: &mut FieldErrors, field: String, value: &str) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.add(field, "is required");
    } else if n > 100 {
        errors.add(field, "must be at most 100 characters");
    }
}

/// Checks one worker; failing fields are recorded as `{prefix}.{field}`.
pub fn validate_worker(
    errors: &mut FieldErrors,
    prefix: &str,
    w: &WorkerInput,
    today: NaiveDate,
) -> Option<ValidWorker> {
    let before = errors.len();
    let f = |name: &str| format!("{prefix}.{name}");
    check_name(errors, f("given_name"), &w.given_name);
    check_name(errors, f("family_name"), &w.family_name);
    if let Some(ko) = &w.name_ko {
        if ko.chars().count() > 100 {
            errors.add(f("name_ko"), "must be at most 100 characters");
        }
    }
    let email = errors.check(f("email"), EmailAddress::parse(&w.email));
    let dob = parse_date(errors, f("date_of_birth"), &w.date_of_birth);
    if let Some(dob) = dob {
        let age_years = (today - dob).num_days() / 365;
        if dob >= today {
            errors.add(f("date_of_birth"), "must be in the past");
        } else if !(16..=100).contains(&age_years) {
            errors.add(
                f("date_of_birth"),
                "the worker must be between 16 and 100 years old",
            );
        }
    }
    let nat = w.nationality.trim();
    if nat.len() != 2 || !nat.chars().all(|c| c.is_ascii_uppercase()) {
        errors.add(
            f("nationality"),
            "must be an ISO 3166-1 alpha-2 country code such as KR",
        );
    }
    let passport = crate::domain::worker::normalize_passport(&w.passport_number);
    if !(5..=20).contains(&passport.len()) {
        errors.add(f("passport_number"), "must be 5 to 20 letters and digits");
    }
    let expiry = parse_date(errors, f("passport_expiry"), &w.passport_expiry);
    if expiry.is_some_and(|e| e <= today) {
        errors.add(f("passport_expiry"), "the passport has expired");
    } else if expiry.is_some_and(|e| e > today + Duration::days(20 * 366)) {
        // no passport is issued for longer (docs/security.md, "implausible dates")
        errors.add(f("passport_expiry"), "must be within 20 years from today");
    }
    errors.check(f("education"), one_of(&w.education, EDUCATION));
    errors.check(f("role"), one_of(&w.role, JOB_ROLES));
    if !(0..=60).contains(&w.years_experience) {
        errors.add(f("years_experience"), "must be between 0 and 60");
    }
    if !(0..=36).contains(&w.months_employed_by_sponsor_last_3y) {
        errors.add(
            f("months_employed_by_sponsor_last_3y"),
            "must be between 0 and 36",
        );
    }
    let a = &w.assignment;
    if a.activities.is_empty() {
        errors.add(f("assignment.activities"), "name at least one activity");
    }
    for (i, activity) in a.activities.iter().enumerate() {
        if let Err(m) = one_of(activity, ACTIVITIES) {
            errors.add(f(&format!("assignment.activities[{i}]")), m);
        } else if a.activities[..i].contains(activity) {
            errors.add(f(&format!("assignment.activities[{i}]")), "is listed twice");
        }
    }
    let entry = parse_date(errors, f("assignment.planned_entry"), &a.planned_entry);
    let exit = parse_date(errors, f("assignment.planned_exit"), &a.planned_exit);
    if let (Some(entry), Some(exit)) = (entry, exit) {
        if exit < entry {
            errors.add(
                f("assignment.planned_exit"),
                "must be on or after planned_entry",
            );
        }
        if entry < today - Duration::days(365) {
            errors.add(
                f("assignment.planned_entry"),
                "must be at most a year before filing",
            );
        }
        if entry > today + Duration::days(2 * 365) {
            errors.add(
                f("assignment.planned_entry"),
                "must be within two years of filing",
            );
        }
        if (exit - entry).num_days() > 5 * 366 {
            errors.add(
                f("assignment.planned_exit"),
                "the stay must be at most five years",
            );
        }
    }
    errors.check(
        f("assignment.pay_source"),
        one_of(&a.pay_source, PAY_SOURCES),
    );
    for (name, wage) in [
        ("assignment.offered_wage_usd", a.offered_wage_usd),
        ("assignment.prevailing_wage_usd", a.prevailing_wage_usd),
        ("assignment.actual_wage_usd", a.actual_wage_usd),
    ] {
        if wage.is_some_and(|v| !v.is_finite() || !(0.0..=10_000_000.0).contains(&v)) {
            errors.add(
                f(name),
                "must be a yearly wage in dollars between 0 and 10,000,000",
            );
        }
    }
    if errors.len() > before {
        return None;
    }
    // The v2 facts' own checks (nationalities, trips), on the document a filing would store.
    let probe = FactsV2 {
        facts_version: crate::domain::facts::FACTS_VERSION,
        filing_date: today,
        applicant: crate::domain::facts::Applicant {
            other_nationalities: w.other_nationalities.clone().map(|list| {
                list.iter()
                    .map(|n| crate::domain::worker::normalize_country(n))
                    .collect()
            }),
            travel_since_2011: w.travel_since_2011.clone().map(|trips| {
                trips
                    .into_iter()
                    .map(|mut t| {
                        t.country = crate::domain::worker::normalize_country(&t.country);
                        t
                    })
                    .collect()
            }),
            ..Default::default()
        },
        assignment: Default::default(),
        employer: Default::default(),
    };
    for problem in probe.check(today) {
        let field = problem.field.trim_start_matches("applicant.");
        errors.add(f(field), problem.message);
    }
    if errors.len() > before {
        return None;
    }
    Some(ValidWorker {
        input: w.clone(),
        email: email?,
        date_of_birth: dob?,
        passport_expiry: expiry?,
        planned_entry: entry?,
        planned_exit: exit?,
    })
}

/// The facts v2 document the rules engine reads (docs/domain.md), from the worker, the
/// project and the sponsor as filed. Facts the filing left out stay missing.
pub fn facts_v2(
    w: &ValidWorker,
    project: &projects::ProjectRow,
    sponsor: &sponsors::SponsorRow,
    filing_date: NaiveDate,
) -> Result<FactsV2, ServiceError> {
    let i = &w.input;
    let a = &i.assignment;
    let document = json!({
        "facts_version": crate::domain::facts::FACTS_VERSION,
        "filing_date": filing_date.to_string(),
        "applicant": {
            "nationality": i.nationality.trim(),
            "date_of_birth": w.date_of_birth.to_string(),
            "passport_expiry": w.passport_expiry.to_string(),
            "education": i.education,
            "degree_in_specialty": i.degree_in_specialty,
            "years_experience": i.years_experience,
            "months_employed_by_sponsor_last_3y": i.months_employed_by_sponsor_last_3y,
            "role": i.role,
            "specialized_knowledge": i.specialized_knowledge,
            "prior_us_violation": i.prior_us_violation,
            "previously_detained_2025": i.previously_detained_2025,
            "other_nationalities": i.other_nationalities,
            "degree_equivalent": i.degree_equivalent,
            "tenure_continuous": i.tenure_continuous,
            "prior_visa_refusal": i.prior_visa_refusal,
            "prior_esta_denial": i.prior_esta_denial,
            "travel_since_2011": i.travel_since_2011,
            "e4_initial": i.e4_initial,
        },
        "assignment": {
            "activities": a.activities,
            "planned_entry": w.planned_entry.to_string(),
            "planned_exit": w.planned_exit.to_string(),
            "pay_source": a.pay_source,
            "equipment_purchased_abroad": project.equipment_purchased_abroad,
            "contract_requires_seller_services": project.contract_requires_seller_services,
            "specialty_occupation": a.specialty_occupation,
            "offered_wage_usd": a.offered_wage_usd,
            "prevailing_wage_usd": a.prevailing_wage_usd,
            "actual_wage_usd": a.actual_wage_usd,
            "worker_employed_by_seller": a.worker_employed_by_seller,
            "worksite_controlled_by_group": a.worksite_controlled_by_group,
        },
        "employer": {
            "korean_ownership_pct": sponsor.korean_ownership_pct,
            "treaty_investor": sponsor.treaty_investor,
            "qualifying_relationship": sponsor.qualifying_relationship,
            "labor_attestation_filed": sponsor.labor_attestation_filed,
            "strike_or_lockout": sponsor.strike_or_lockout,
        }
    });
    // `null` is "not given": drop it so that the fact is missing, not ill-typed.
    FactsV2::from_value(without_nulls(document))
        .map_err(|p| ServiceError::Internal(format!("facts of a validated worker: {p:?}")))
}

fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

pub use crate::domain::time::desk_today;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FiledCase {
    pub id: String,
    pub receipt_number: String,
    /// The worker's name, romanised as in the passport (family name first).
    #[serde(default)]
    pub name: String,
    /// The worker's name in Hangul, when given.
    #[serde(default)]
    pub name_ko: Option<String>,
    pub status: String,
    /// Desk only: left out of answers to employers.
    #[schema(required = false)]
    pub duplicate_passport: bool,
    /// The route the rules suggest (eligible, else needing review), if any.
    pub suggested_route: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FilingResult {
    pub id: String,
    pub project_id: String,
    pub sponsor_id: String,
    pub filing_date: NaiveDate,
    pub cases: Vec<FiledCase>,
}

/// What the handler answers: a new filing (201) or the replay of an earlier one (200).
pub struct FilingOutcome {
    pub result: FilingResult,
    pub replayed: bool,
}

/// SHA-256 of the request as parsed, so that formatting differences do not count as a
/// different body.
pub fn request_hash(input: &FilingInput) -> String {
    let canonical = serde_json::to_vec(input).unwrap_or_default();
    hex::encode(Sha256::digest(canonical))
}

/// Validates every worker; all field errors at once.
pub fn validate_batch(
    input: &FilingInput,
    today: NaiveDate,
) -> Result<Vec<ValidWorker>, ServiceError> {
    let mut errors = FieldErrors::new();
    if input.workers.is_empty() {
        errors.add("workers", "name at least one worker");
    }
    if input.workers.len() > MAX_BATCH {
        errors.add(
            "workers",
            format!("a batch holds at most {MAX_BATCH} workers; split it"),
        );
        return Err(ServiceError::Validation(errors.into_vec()));
    }
    if Uuid::parse_str(input.project_id.trim()).is_err() {
        errors.add("project_id", "must be a project id (UUID)");
    }
    let valid: Vec<ValidWorker> = input
        .workers
        .iter()
        .enumerate()
        .filter_map(|(i, w)| validate_worker(&mut errors, &format!("workers[{i}]"), w, today))
        .collect();
    errors.finish()?;
    Ok(valid)
}

/// A ZIP of documents staged for the batch (`service::bundles`), and the spreadsheet line of
/// each worker (in the order of `FilingInput::workers`), which its file names refer to.
#[derive(Debug, Clone)]
pub struct FilingDocuments {
    pub bundle_id: String,
    pub lines: Vec<u32>,
}

/// Files a batch. Employers only, for their own sponsor or a subcontractor's project; the
/// sponsor must be verified.
pub fn file_batch(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    input: FilingInput,
    idempotency_key: Option<String>,
) -> Result<FilingOutcome, ServiceError> {
    file_batch_with_documents(conn, ctx, user, input, idempotency_key, None)
}

/// Files a batch with its ZIP of documents, in one transaction: the cases and every file of
/// the ZIP become documents together, or nothing is filed.
pub fn file_batch_with_documents(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    input: FilingInput,
    idempotency_key: Option<String>,
    documents: Option<FilingDocuments>,
) -> Result<FilingOutcome, ServiceError> {
    if user.role != Role::Employer {
        return Err(ServiceError::Forbidden(
            "batches are filed by the sponsor's employer users".into(),
        ));
    }
    if let Some(key) = &idempotency_key {
        if key.is_empty() || key.len() > 200 {
            return Err(ServiceError::validation(
                "Idempotency-Key",
                "must be 1 to 200 characters",
            ));
        }
    }
    let filing_date = ctx.today();
    let workers = validate_batch(&input, filing_date)?;
    let hash = request_hash(&input);
    let attempt = database::write_tx(conn, |conn| {
        file_in_tx(
            conn,
            ctx,
            user,
            &input,
            &workers,
            idempotency_key.as_deref(),
            &hash,
            filing_date,
            documents.as_ref(),
        )
    });
    match attempt {
        // Two requests with one key raced: the loser's insert hit the unique key. Answer as
        // the replay it would have been a moment later.
        Err(ServiceError::Conflict {
            code: "duplicate", ..
        }) if idempotency_key.is_some() => {
            let key = idempotency_key.unwrap_or_default();
            replay(conn, user, &key, &hash)?.ok_or_else(|| {
                ServiceError::conflict("duplicate", "the filing clashed with another; retry")
            })
        }
        other => other,
    }
}

fn replay(
    conn: &mut DbConnection,
    user: &AuthUser,
    key: &str,
    hash: &str,
) -> Result<Option<FilingOutcome>, ServiceError> {
    let Some(existing) = filings::find_by_key(conn, &user.id, key)? else {
        return Ok(None);
    };
    if existing.request_hash != hash {
        return Err(ServiceError::Validation(vec![super::FieldError {
            field: "Idempotency-Key".into(),
            message: "was already used for a different request; use a new key for a new filing"
                .into(),
        }]));
    }
    let result: FilingResult = serde_json::from_str(&existing.response_json)
        .map_err(|e| ServiceError::Internal(format!("stored filing answer unreadable: {e}")))?;
    Ok(Some(FilingOutcome {
        result,
        replayed: true,
    }))
}

#[allow(clippy::too_many_arguments)]
fn file_in_tx(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    input: &FilingInput,
    workers: &[ValidWorker],
    key: Option<&str>,
    hash: &str,
    filing_date: NaiveDate,
    documents: Option<&FilingDocuments>,
) -> Result<FilingOutcome, ServiceError> {
    if let Some(key) = key {
        if let Some(previous) = replay(conn, user, key, hash)? {
            return Ok(previous);
        }
    }
    let project_id = input.project_id.trim().to_lowercase();
    let project = projects::find(conn, &project_id)?
        .ok_or_else(|| ServiceError::validation("project_id", "no such project"))?;
    if !access::may_file_for(conn, user, &project.sponsor_id)? {
        return Err(ServiceError::validation("project_id", "no such project"));
    }
    let sponsor =
        sponsors::find(conn, &project.sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    if sponsor.status != "verified" {
        return Err(ServiceError::Conflict {
            code: "sponsor_not_verified",
            message: "the sponsor has not been verified by the desk yet; filings open once it is"
                .into(),
            details: Some(json!({"sponsor_id": sponsor.id, "sponsor_status": sponsor.status})),
        });
    }

    let indexes: Vec<String> = workers
        .iter()
        .map(|w| passports::blind_index(&ctx.secrets, &w.input.passport_number))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, _) in cases::with_passport_index(conn, &indexes)? {
        *seen.entry(index).or_default() += 1;
    }
    for index in &indexes {
        *seen.entry(index.clone()).or_default() += 1;
    }

    let now = time::now();
    let filing_id = Uuid::now_v7().to_string();
    let mut rows = Vec::with_capacity(workers.len());
    let mut filed = Vec::with_capacity(workers.len());
    for (w, index) in workers.iter().zip(&indexes) {
        let id = Uuid::now_v7().to_string();
        let duplicate = seen.get(index).copied().unwrap_or(0) > 1;
        let facts = facts_v2(w, &project, &sponsor, filing_date)?;
        rows.push(CaseRow {
            id: id.clone(),
            receipt_number: String::new(), // reserved below, once the rest is ready
            filing_id: filing_id.clone(),
            sponsor_id: sponsor.id.clone(),
            project_id: project.id.clone(),
            status: CaseStatus::Filed.as_str().into(),
            version: 1,
            assignee_id: None,
            given_name: w.input.given_name.trim().into(),
            family_name: w.input.family_name.trim().into(),
            name_ko: w
                .input
                .name_ko
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            email: w.email.to_string(),
            date_of_birth: w.date_of_birth,
            nationality: w.input.nationality.trim().into(),
            passport_ciphertext: passports::encrypt(&ctx.secrets, &id, &w.input.passport_number)?,
            passport_last4: passports::last4(&w.input.passport_number),
            passport_index: index.clone(),
            duplicate_passport: duplicate,
            facts_json: facts.to_json(),
            filing_date,
            suggested_route: None,
            evidence_due: None,
            interview_at: None,
            decision_route: None,
            decision_reason: None,
            annotation: None,
            decided_by: None,
            decided_at: None,
            created_at: now,
            updated_at: now,
        });
        filed.push(FiledCase {
            id,
            receipt_number: String::new(),
            name: format!(
                "{} {}",
                w.input.family_name.trim(),
                w.input.given_name.trim()
            ),
            name_ko: w
                .input
                .name_ko
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            status: CaseStatus::Filed.as_str().into(),
            duplicate_passport: duplicate,
            suggested_route: None,
        });
    }
    let mut result = FilingResult {
        id: filing_id.clone(),
        project_id: project.id.clone(),
        sponsor_id: sponsor.id.clone(),
        filing_date,
        cases: filed,
    };
    let evaluations = super::eligibility::evaluate_new_cases(conn, ctx, &mut rows)?;
    let sponsor_users = crate::db::users::active_of_sponsor(conn, &sponsor.id)?;

    // The receipt numbers last: the counter's row stays locked from here to the commit (that
    // is what keeps the numbers gapless), so every other filing waits for this window. The
    // duplicate check, the rule evaluation and every read above stay outside it.
    let fy = fiscal_year(filing_date);
    let first = receipts::reserve(conn, fy, workers.len() as i64)?;
    let mut entries = Vec::with_capacity(workers.len() + 1);
    entries.push(audit::entry(
        Some(user),
        "filing.created",
        None,
        Some(&filing_id),
        json!({"project_id": project.id, "sponsor_id": sponsor.id, "workers": workers.len()}),
    ));
    for (n, (case, row)) in result.cases.iter_mut().zip(rows.iter_mut()).enumerate() {
        let sequence = u32::try_from(first + n as i64)
            .map_err(|_| ServiceError::Internal("receipt sequence overflow".into()))?;
        let receipt = ReceiptNumber::new(fy, sequence)
            .map_err(|e| ServiceError::Internal(format!("receipt: {e}")))?;
        row.receipt_number = receipt.to_string();
        case.receipt_number = receipt.to_string();
        case.suggested_route = row.suggested_route.clone();
        entries.push(audit::entry(
            Some(user),
            "case.filed",
            Some(&row.id),
            Some(&filing_id),
            json!({"after": {"status": "filed", "receipt_number": receipt.as_str()}, "duplicate_passport": row.duplicate_passport}),
        ));
    }
    let response_json = serde_json::to_string(&result)
        .map_err(|e| ServiceError::Internal(format!("filing answer: {e}")))?;
    filings::insert(
        conn,
        &FilingRow {
            id: filing_id.clone(),
            sponsor_id: sponsor.id.clone(),
            project_id: project.id.clone(),
            filed_by: user.id.clone(),
            idempotency_key: key.map(str::to_owned),
            request_hash: hash.to_owned(),
            response_json,
            worker_count: i32::try_from(workers.len()).unwrap_or(i32::MAX),
            created_at: now,
        },
    )?;
    cases::insert_many(conn, &rows)?;
    if let Some(documents) = documents {
        if documents.lines.len() != rows.len() {
            return Err(ServiceError::Internal(
                "the ZIP's line numbers do not match the batch".into(),
            ));
        }
        let by_line = documents
            .lines
            .iter()
            .zip(&rows)
            .map(|(line, row)| (*line, row.id.clone()))
            .collect();
        super::bundles::attach_in_tx(
            conn,
            user,
            &documents.bundle_id,
            &project.id,
            &sponsor.id,
            &by_line,
            ctx.settings.documents,
        )?;
    }
    crate::db::rules::insert_evaluations(conn, &evaluations)?;
    crate::notify::enqueue::filing_received(
        conn,
        crate::notify::enqueue::FiledBatch {
            sponsor: &sponsor,
            sponsor_users: &sponsor_users,
            project: &project,
            filing_id: &filing_id,
            cases: &rows,
            filer_email: &user.email,
        },
        crate::notify::enqueue::Links(&ctx.settings.public_url),
    )?;
    database::audit::append(conn, &entries)?;
    Ok(FilingOutcome {
        result,
        replayed: false,
    })
}

/// Columns of the CSV form of a batch: the JSON fields flattened, `activities` separated by
/// `;`. The header row is required; column order is free.
pub const CSV_COLUMNS: &[&str] = &[
    "given_name",
    "family_name",
    "name_ko",
    "email",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_expiry",
    "education",
    "degree_in_specialty",
    "years_experience",
    "months_employed_by_sponsor_last_3y",
    "role",
    "specialized_knowledge",
    "prior_us_violation",
    "previously_detained_2025",
    "activities",
    "planned_entry",
    "planned_exit",
    "pay_source",
    "specialty_occupation",
    "offered_wage_usd",
    "prevailing_wage_usd",
    // Facts v2 (optional columns; an empty cell leaves the fact missing).
    "other_nationalities",
    "degree_equivalent",
    "tenure_continuous",
    "prior_visa_refusal",
    "prior_esta_denial",
    "travel_since_2011",
    "e4_initial",
    "worker_employed_by_seller",
    "worksite_controlled_by_group",
    "actual_wage_usd",
];

/// Columns a CSV may leave out.
pub const OPTIONAL_CSV_COLUMNS: &[&str] = &[
    "name_ko",
    "offered_wage_usd",
    "prevailing_wage_usd",
    "other_nationalities",
    "degree_equivalent",
    "tenure_continuous",
    "prior_visa_refusal",
    "prior_esta_denial",
    "travel_since_2011",
    "e4_initial",
    "worker_employed_by_seller",
    "worksite_controlled_by_group",
    "actual_wage_usd",
];

/// Parses the CSV form of `travel_since_2011`: trips separated by `;`, each
/// `COUNTRY:FROM[:TO][:official]`, e.g. `IR:2015-03-01:2015-03-20; IQ:2019-05-02::official`.
pub fn parse_trips(cell: &str) -> Result<Vec<Trip>, String> {
    let date = |text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| format!("`{text}` is not a date as YYYY-MM-DD"))
    };
    cell.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|trip| {
            let parts: Vec<&str> = trip.split(':').map(str::trim).collect();
            let (country, from, to, official) = match parts.as_slice() {
                [c, f] => (c, f, None, false),
                [c, f, t] => (c, f, Some(t), false),
                [c, f, t, flag] if flag.eq_ignore_ascii_case("official") => (c, f, Some(t), true),
                _ => {
                    return Err(format!(
                        "`{trip}`: write each trip as COUNTRY:FROM[:TO][:official]"
                    ))
                }
            };
            Ok(Trip {
                country: crate::domain::worker::normalize_country(country),
                from: date(from)?,
                to: match to {
                    Some(t) if !t.is_empty() => Some(date(t)?),
                    _ => None,
                },
                official_duty: official,
            })
        })
        .collect()
}

/// One row of a batch's preview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    /// The row's line in the spreadsheet (the header is line 1): what the ZIP's file names use.
    pub line: u32,
    /// Family and given name as the row spells them.
    pub name: String,
    /// The row's problems, named `workers[i].field` as a filing would name them.
    pub errors: Vec<super::FieldError>,
    /// The files of the batch's ZIP that go to this worker.
    pub documents: Vec<super::bundles::BundleFile>,
    /// The route the rules would suggest today (eligible first, else needing review), when
    /// the row could be evaluated.
    pub predicted_route: Option<String>,
    /// True when the row was evaluated and no route in force can take the worker: filing is
    /// allowed, but the desk will refuse unless the facts change.
    pub no_route: bool,
    /// When the romanised names do not read as the Hangul name (a warning, never an error).
    pub name_check: Option<NameCheck>,
}

/// Which romanised name does not read as the Hangul name (Revised Romanization and the
/// passport spellings of `src/domain/korean-surnames.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NameCheck {
    pub family_name: bool,
    pub given_name: bool,
}

impl NameCheck {
    /// Compares a worker's Hangul name with its passport's romanisation.
    pub fn of(name_ko: &str, family: &str, given: &str) -> Option<NameCheck> {
        crate::domain::romanization::check(name_ko, family, given).map(|m| NameCheck {
            family_name: m.family,
            given_name: m.given,
        })
    }
}

/// What filing a CSV batch (and its ZIP of documents) would do, without filing it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingPreview {
    /// True when filing would succeed: no row has an error and every file of the ZIP goes to
    /// a worker or to the project.
    pub valid: bool,
    /// How many rows have errors.
    pub rows_with_errors: usize,
    /// How many valid rows no route in force can take (filing them is allowed).
    pub rows_without_route: usize,
    pub rows: Vec<PreviewRow>,
    /// Problems of the whole file (a missing column, an unreadable header).
    pub errors: Vec<super::FieldError>,
    /// The staged ZIP (name it as `bundle_id` when filing), with the files that go nowhere.
    pub documents: Option<super::bundles::BundleView>,
}

impl FilingPreview {
    /// Adds each row's predicted route (see [`predict_routes`]).
    pub fn with_predictions(mut self, predictions: Vec<Option<Option<String>>>) -> FilingPreview {
        for (row, prediction) in self.rows.iter_mut().zip(predictions) {
            if let Some(route) = prediction {
                row.no_route = route.is_none();
                row.predicted_route = route;
            }
        }
        self.rows_without_route = self.rows.iter().filter(|r| r.no_route).count();
        self
    }

    /// Adds the staged ZIP: each row gets its files.
    pub fn with_documents(mut self, bundle: super::bundles::BundleView) -> FilingPreview {
        for row in &mut self.rows {
            row.documents = bundle.for_line(row.line).cloned().collect();
        }
        self.valid = self.valid && bundle.unmatched == 0;
        self.documents = Some(bundle);
        self
    }
}

/// The row a field path such as `workers[3].email` belongs to.
fn worker_index(field: &str) -> Option<usize> {
    field
        .strip_prefix("workers[")?
        .split_once(']')?
        .0
        .parse()
        .ok()
}

/// A row's name as a person reads it: romanised, and the Hangul beside it.
fn row_name(table: &Table, row: &TableRow) -> String {
    let romanised = format!(
        "{} {}",
        table.cell(row, "family_name"),
        table.cell(row, "given_name")
    );
    let hangul = table.cell(row, "name_ko");
    if hangul.is_empty() {
        romanised.trim().to_owned()
    } else {
        format!("{} ({hangul})", romanised.trim())
    }
}

/// Validates a batch's table without filing it.
pub fn preview_table(project_id: &str, table: &Table, today: NaiveDate) -> FilingPreview {
    let errors = match workers_from_table(table) {
        Ok(workers) => {
            let input = FilingInput {
                project_id: project_id.to_owned(),
                workers,
            };
            match validate_batch(&input, today) {
                Ok(_) => Vec::new(),
                Err(ServiceError::Validation(e)) => e,
                Err(e) => vec![super::FieldError {
                    field: "csv".into(),
                    message: e.to_string(),
                }],
            }
        }
        Err(ServiceError::Validation(e)) => e,
        Err(e) => vec![super::FieldError {
            field: "csv".into(),
            message: e.to_string(),
        }],
    };
    let mut rows: Vec<PreviewRow> = table
        .rows
        .iter()
        .map(|row| PreviewRow {
            line: row.line,
            name: row_name(table, row),
            errors: Vec::new(),
            documents: Vec::new(),
            predicted_route: None,
            no_route: false,
            name_check: NameCheck::of(
                table.cell(row, "name_ko"),
                table.cell(row, "family_name"),
                table.cell(row, "given_name"),
            ),
        })
        .collect();
    let mut general = Vec::new();
    for error in errors {
        match worker_index(&error.field).and_then(|i| rows.get_mut(i)) {
            Some(row) => row.errors.push(error),
            None => general.push(error),
        }
    }
    if table.rows.is_empty() && general.is_empty() {
        general.push(super::FieldError {
            field: "csv".into(),
            message: "the file has no worker rows".into(),
        });
    }
    let rows_with_errors = rows.iter().filter(|r| !r.errors.is_empty()).count();
    FilingPreview {
        valid: general.is_empty() && rows_with_errors == 0 && !rows.is_empty(),
        rows_with_errors,
        rows_without_route: 0,
        rows,
        errors: general,
        documents: None,
    }
}

/// Reads workers from a batch's table (`super::spreadsheet` read it once, at the edge). Cell
/// errors are reported like JSON ones, as `workers[i].field` (i counts data rows from 0), all
/// at once.
pub fn workers_from_table(table: &Table) -> Result<Vec<WorkerInput>, ServiceError> {
    let headers = &table.headers;
    let mut errors = FieldErrors::new();
    for required in CSV_COLUMNS
        .iter()
        .filter(|c| !OPTIONAL_CSV_COLUMNS.contains(c))
    {
        if !headers.iter().any(|h| h == required) {
            errors.add("csv", format!("missing column {required}"));
        }
    }
    for h in headers {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            errors.add("csv", format!("unknown column {h}"));
        }
    }
    errors.finish()?;
    if table.rows.len() > MAX_BATCH {
        return Err(ServiceError::validation(
            "workers",
            format!("a batch holds at most {MAX_BATCH} workers; split it"),
        ));
    }
    let mut errors = FieldErrors::new();
    let mut workers = Vec::new();
    for (i, record) in table.rows.iter().enumerate() {
        if record.cells.len() != headers.len() {
            errors.add(
                format!("workers[{i}]"),
                format!(
                    "line {} has {} cells; the header row has {}",
                    record.line,
                    record.cells.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let cell = |name: &str| table.cell(record, name).to_owned();
        let prefix = format!("workers[{i}]");
        let boolean = |name: &str, errors: &mut FieldErrors| -> bool {
            crate::domain::text::yes_no(&cell(name)).unwrap_or_else(|| {
                errors.add(format!("{prefix}.{name}"), "must be true or false");
                false
            })
        };
        let degree = boolean("degree_in_specialty", &mut errors);
        let specialized = boolean("specialized_knowledge", &mut errors);
        let violation = boolean("prior_us_violation", &mut errors);
        let detained = boolean("previously_detained_2025", &mut errors);
        let specialty = boolean("specialty_occupation", &mut errors);
        let integer = |name: &str, errors: &mut FieldErrors| -> i64 {
            cell(name).parse().unwrap_or_else(|_| {
                errors.add(format!("{prefix}.{name}"), "must be a whole number");
                0
            })
        };
        let years = integer("years_experience", &mut errors);
        let months = integer("months_employed_by_sponsor_last_3y", &mut errors);
        let wage = |name: &str, errors: &mut FieldErrors| -> Option<f64> {
            let raw = cell(name).replace(',', "");
            if raw.is_empty() {
                return None;
            }
            raw.parse().map(Some).unwrap_or_else(|_| {
                errors.add(format!("{prefix}.assignment.{name}"), "must be a number");
                None
            })
        };
        let offered = wage("offered_wage_usd", &mut errors);
        let prevailing = wage("prevailing_wage_usd", &mut errors);
        let actual = wage("actual_wage_usd", &mut errors);
        // v2 columns: an empty cell (or a missing column) leaves the fact missing.
        let optional_bool = |name: &str, errors: &mut FieldErrors| -> Option<bool> {
            let text = cell(name);
            if text.trim().is_empty() {
                return None;
            }
            let answer = crate::domain::text::yes_no(&text);
            if answer.is_none() {
                errors.add(format!("{prefix}.{name}"), "must be true or false");
            }
            answer
        };
        let degree_equivalent = optional_bool("degree_equivalent", &mut errors);
        let tenure_continuous = optional_bool("tenure_continuous", &mut errors);
        let prior_visa_refusal = optional_bool("prior_visa_refusal", &mut errors);
        let prior_esta_denial = optional_bool("prior_esta_denial", &mut errors);
        let e4_initial = optional_bool("e4_initial", &mut errors);
        let by_seller = optional_bool("worker_employed_by_seller", &mut errors);
        let controlled = optional_bool("worksite_controlled_by_group", &mut errors);
        let others = cell("other_nationalities");
        let other_nationalities = (!others.trim().is_empty()).then(|| {
            others
                .split([';', ',', '|'])
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        });
        let travel = cell("travel_since_2011");
        let travel_since_2011 = if travel.trim().is_empty() {
            None
        } else {
            match parse_trips(&travel) {
                Ok(trips) => Some(trips),
                Err(m) => {
                    errors.add(format!("{prefix}.travel_since_2011"), m);
                    None
                }
            }
        };
        let name_ko = cell("name_ko");
        workers.push(WorkerInput {
            given_name: cell("given_name"),
            family_name: cell("family_name"),
            name_ko: (!name_ko.is_empty()).then_some(name_ko),
            email: cell("email"),
            date_of_birth: cell("date_of_birth"),
            nationality: cell("nationality"),
            passport_number: cell("passport_number"),
            passport_expiry: cell("passport_expiry"),
            education: cell("education"),
            degree_in_specialty: degree,
            years_experience: years,
            months_employed_by_sponsor_last_3y: months,
            role: cell("role"),
            specialized_knowledge: specialized,
            prior_us_violation: violation,
            previously_detained_2025: detained,
            other_nationalities,
            degree_equivalent,
            tenure_continuous,
            prior_visa_refusal,
            prior_esta_denial,
            travel_since_2011,
            e4_initial,
            assignment: AssignmentInput {
                activities: cell("activities")
                    .split([';', '|'])
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                planned_entry: cell("planned_entry"),
                planned_exit: cell("planned_exit"),
                pay_source: cell("pay_source"),
                specialty_occupation: specialty,
                offered_wage_usd: offered,
                prevailing_wage_usd: prevailing,
                actual_wage_usd: actual,
                worker_employed_by_seller: by_seller,
                worksite_controlled_by_group: controlled,
            },
        });
    }
    errors.finish()?;
    Ok(workers)
}

/// The route each row of a batch would be suggested, before anything is filed: for a table
/// that parses, each valid row is evaluated with the facts a filing would store (`None` for a
/// row that cannot be evaluated; `Some(None)` for one no route can take, in force today).
pub fn predict_routes(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    project_id: &str,
    table: &Table,
) -> Result<Vec<Option<Option<String>>>, ServiceError> {
    let Ok(workers) = workers_from_table(table) else {
        return Ok(vec![None; table.rows.len()]);
    };
    let Some(project) = projects::find(conn, project_id)? else {
        return Ok(vec![None; table.rows.len()]);
    };
    let sponsor =
        sponsors::find(conn, &project.sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    let today = ctx.today();
    let book = ctx.rules.refresh(conn)?;
    let context = super::eligibility::context_for(conn, today, Vec::new())?;
    workers
        .iter()
        .map(|w| {
            let mut errors = FieldErrors::new();
            let Some(valid) = validate_worker(&mut errors, "", w, today) else {
                return Ok(None);
            };
            let document = facts_v2(&valid, &project, &sponsor, today)?.to_value();
            let evaluation = book
                .evaluate(&document, &context)
                .map_err(|e| ServiceError::Internal(format!("evaluation failed: {e}")))?;
            Ok(Some(
                super::eligibility::summarize(&evaluation).suggested_route(),
            ))
        })
        .collect()
}

/// The eligibility pre-check of one worker for one project, before filing: the worker is
/// validated like a filed one and evaluated on every route with the facts a filing would
/// store. Employers only, for projects they may file for; nothing is stored.
pub fn precheck_worker(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    project_id: &str,
    worker: &WorkerInput,
) -> Result<super::eligibility::Explanation, ServiceError> {
    if user.role != Role::Employer {
        return Err(ServiceError::Forbidden(
            "the pre-check of a worker is for the sponsor's employer users".into(),
        ));
    }
    let today = ctx.today();
    let mut errors = FieldErrors::new();
    let valid = validate_worker(&mut errors, "workers[0]", worker, today);
    errors.finish()?;
    let valid = valid.ok_or_else(|| ServiceError::Internal("validated worker missing".into()))?;
    let project = projects::find(conn, project_id)?.ok_or(ServiceError::NotFound("project"))?;
    if !access::may_file_for(conn, user, &project.sponsor_id)? {
        return Err(ServiceError::NotFound("project"));
    }
    let sponsor =
        sponsors::find(conn, &project.sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    let facts = facts_v2(&valid, &project, &sponsor, today)?;
    super::eligibility::evaluate_document(conn, ctx, user, &facts, None, None)
}
