//! Eligibility: evaluating cases against every visa route (the rules engine in
//! `crate::rules`), storing what was decided with which rule-set versions, replaying it,
//! publishing new rule-set versions, dry runs of drafts, and the E-4 cap ledger.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Digest;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::{audit, ServiceError};
use crate::db::cases::CaseRow;
use crate::db::rules::{self as store, EvaluationRow, PublishedRuleSet, ReevaluationRun};
use crate::db::{self as database, DbConnection};
use crate::domain::presence::{self, Stay};
use crate::domain::receipt::fiscal_year;
use crate::domain::{time, FactsV2, Role, VisaRoute};
use crate::rules::{
    DryRunCase, EvalContext, Evaluation, Outcome, RuleBook, RuleKind, RuleSet, RuleSetRef,
    RuleSetStatus, RuleStatus, ValidationReport, COMMON_ROUTE, DAYS_IN_US_LAST_365,
};

/// The rule book in force in this process, replaced whole when a version is published.
pub struct Rules {
    book: RwLock<Arc<RuleBook>>,
    /// How many published versions the book includes; compared with the database to pick up
    /// versions another instance published.
    published: RwLock<i64>,
}

impl Rules {
    /// The shipped rule sets plus every version published in the database.
    pub fn load(conn: &mut DbConnection) -> Result<Rules, ServiceError> {
        let (book, count) = build_book(conn)?;
        Ok(Rules {
            book: RwLock::new(Arc::new(book)),
            published: RwLock::new(count),
        })
    }

    pub fn book(&self) -> Arc<RuleBook> {
        match self.book.read() {
            Ok(b) => b.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, book: RuleBook, count: i64) {
        if let Ok(mut b) = self.book.write() {
            *b = Arc::new(book);
        }
        if let Ok(mut c) = self.published.write() {
            *c = count;
        }
    }

    /// Reloads when another instance has published since (one COUNT query).
    pub fn refresh(&self, conn: &mut DbConnection) -> Result<Arc<RuleBook>, ServiceError> {
        let in_db = store::published_count(conn)?;
        let known = self.published.read().map(|c| *c).unwrap_or(-1);
        if in_db != known {
            let (book, count) = build_book(conn)?;
            self.replace(book, count);
        }
        Ok(self.book())
    }
}

fn build_book(conn: &mut DbConnection) -> Result<(RuleBook, i64), ServiceError> {
    let mut book = RuleBook::builtin()
        .map_err(|r| ServiceError::Internal(format!("shipped rule sets are invalid: {r:?}")))?;
    let published = store::all_published(conn)?;
    let count = published.len() as i64;
    for row in published {
        book = book.with_published(&row.source).map_err(|r| {
            ServiceError::Internal(format!(
                "stored rule set {} v{} no longer validates: {r:?}",
                row.route, row.version
            ))
        })?;
    }
    Ok((book, count))
}

/// Ledger values and case state an evaluation reads: the E-4 principals approved in the fiscal
/// year of the evaluation date, the evidence confirmed on the case, and the date itself.
pub fn context_for(
    conn: &mut DbConnection,
    on: NaiveDate,
    confirmed: Vec<String>,
) -> Result<EvalContext, ServiceError> {
    let used = store::cap_usage(conn, VisaRoute::E4Pwk.id(), fiscal_year(on))?
        .map(|(_, used)| used)
        .unwrap_or(0);
    Ok(EvalContext::new()
        .with_e4_cap_used(u64::try_from(used).unwrap_or(0))
        .with_confirmed(confirmed)
        .on(on))
}

/// Adds the worker's presence for the planned stay of `document` (`ctx.days_in_us_last_365`,
/// `ctx.esta_admission_days`): derived from the trips recorded for the passport on every case,
/// whatever the sponsor (the desk's count), as known on `today`. Never declared: a worker with no
/// trips has 0. An employer's view of the rules never shows these values
/// (`Explanation::for_viewer` leaves out every `ctx.*`).
pub fn with_presence(
    conn: &mut DbConnection,
    context: EvalContext,
    passport_index: Option<&str>,
    document: &Value,
    today: NaiveDate,
) -> Result<EvalContext, ServiceError> {
    let stays: Vec<Stay> = match passport_index {
        Some(index) if !index.is_empty() => crate::db::trips::for_passport(conn, index)?
            .iter()
            .filter_map(super::trips::stay_of)
            .collect(),
        _ => Vec::new(),
    };
    Ok(with_stays(context, &stays, document, today))
}

/// The recorded stays of many workers, by passport index, in one query: for evaluating a
/// page of cases without a query per case.
pub fn stays_by_passport(
    conn: &mut DbConnection,
    passport_indexes: &[String],
) -> Result<HashMap<String, Vec<Stay>>, ServiceError> {
    let mut wanted: Vec<String> = passport_indexes
        .iter()
        .filter(|i| !i.is_empty())
        .cloned()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut stays: HashMap<String, Vec<Stay>> = HashMap::new();
    for trip in crate::db::trips::for_passports(conn, &wanted)? {
        if let Some(stay) = super::trips::stay_of(&trip) {
            stays.entry(trip.passport_index).or_default().push(stay);
        }
    }
    Ok(stays)
}

/// [`with_presence`] with the worker's stays already read.
pub fn with_stays(
    context: EvalContext,
    stays: &[Stay],
    document: &Value,
    today: NaiveDate,
) -> EvalContext {
    let date = |name: &str| {
        document["assignment"][name]
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let (days, esta) = match (date("planned_entry"), date("planned_exit")) {
        (Some(entry), Some(exit)) if exit >= entry => {
            let p = presence::for_planned_stay(stays, today, entry, exit);
            (p.days_before_stay, p.esta_admission_days)
        }
        // No usable planned stay (its rules are then in error): the last 365 days.
        _ => (presence::last_365(stays, today).days, 0),
    };
    context.with_presence(
        u64::try_from(days).unwrap_or(0),
        u64::try_from(esta).unwrap_or(0),
    )
}

/// A rule-set version as recorded with an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VersionRef {
    pub id: String,
    pub version: u32,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub status: Option<RuleSetStatus>,
}

/// One route of a stored evaluation: its outcome, the versions used and the rules that
/// decide it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RouteSummary {
    pub route: String,
    #[schema(value_type = String)]
    pub outcome: Outcome,
    pub ruleset: Option<VersionRef>,
    pub common: Option<VersionRef>,
    #[serde(default)]
    pub failed: Vec<String>,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmed: Vec<String>,
}

/// Compact record of an evaluation: per route, outcome, versions, hashes and the ids of the
/// rules that decide it. Enough to replay and to compare; the full explanation is recomputed
/// on demand from the same versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvaluationSummary {
    pub filing_date: NaiveDate,
    /// The date versions and parameters were chosen by (absent in evaluations made before
    /// rules v2: the filing date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_date: Option<NaiveDate>,
    pub routes: Vec<RouteSummary>,
}

impl EvaluationSummary {
    pub fn route(&self, route: &str) -> Option<&RouteSummary> {
        self.routes.iter().find(|r| r.route == route)
    }

    /// The route to suggest for the queue: the first in-force route that is eligible, else
    /// the first that needs review. Sandbox routes (the proposed E-4) are never suggested.
    pub fn suggested_route(&self) -> Option<String> {
        let in_force = || {
            self.routes.iter().filter(|r| {
                r.ruleset
                    .as_ref()
                    .is_some_and(|v| v.status == Some(RuleSetStatus::InForce))
            })
        };
        in_force()
            .find(|r| r.outcome == Outcome::Eligible)
            .or_else(|| in_force().find(|r| r.outcome == Outcome::NeedsReview))
            .map(|r| r.route.clone())
    }
}

fn version_ref(r: &RuleSetRef<'_>) -> VersionRef {
    VersionRef {
        id: r.id.to_owned(),
        version: r.version,
        hash: r.hash.to_owned(),
        status: Some(r.status),
    }
}

pub fn summarize(evaluation: &Evaluation<'_>) -> EvaluationSummary {
    let ids = |r: &crate::rules::RouteResult<'_>, s: RuleStatus| -> Vec<String> {
        r.ids_with(s).into_iter().map(str::to_owned).collect()
    };
    EvaluationSummary {
        filing_date: evaluation.filing_date,
        evaluation_date: Some(evaluation.evaluation_date),
        routes: evaluation
            .routes
            .iter()
            .map(|r| RouteSummary {
                route: r.route.to_owned(),
                outcome: r.outcome,
                ruleset: r.ruleset.as_ref().map(version_ref),
                common: r.common.as_ref().map(|c| VersionRef {
                    status: None,
                    ..version_ref(c)
                }),
                failed: ids(r, RuleStatus::Failed),
                errors: ids(r, RuleStatus::Error),
                flagged: ids(r, RuleStatus::Flagged),
                unconfirmed: ids(r, RuleStatus::Unconfirmed),
                confirmed: ids(r, RuleStatus::Confirmed),
            })
            .collect(),
    }
}

fn read_summary(row: &EvaluationRow) -> Result<EvaluationSummary, ServiceError> {
    serde_json::from_str(&row.summary_json).map_err(|e| {
        ServiceError::Internal(format!("stored evaluation {} unreadable: {e}", row.id))
    })
}

fn stored_facts(case: &CaseRow) -> Result<FactsV2, ServiceError> {
    FactsV2::from_stored(&case.facts_json).map_err(|p| {
        ServiceError::Internal(format!(
            "stored facts of case {} unreadable at {}: {}",
            case.id, p.field, p.message
        ))
    })
}

/// Evaluates one case's facts on `on` and returns the row to store and its summary.
fn evaluate_row(
    conn: &mut DbConnection,
    book: &RuleBook,
    case_id: &str,
    facts: &FactsV2,
    on: NaiveDate,
    trigger: &str,
) -> Result<(EvaluationRow, EvaluationSummary), ServiceError> {
    let confirmed = store::confirmed_rules(conn, case_id)?;
    let document = facts.to_value();
    let passport = crate::db::trips::passport_of_case(conn, case_id)?;
    let context = context_for(conn, on, confirmed)?;
    let context = with_presence(conn, context, passport.as_deref(), &document, on)?;
    let evaluation = book
        .evaluate(&document, &context)
        .map_err(|e| ServiceError::Internal(format!("evaluation failed: {e}")))?;
    let summary = summarize(&evaluation);
    let row = EvaluationRow {
        id: Uuid::now_v7().to_string(),
        case_id: case_id.to_owned(),
        evaluated_at: time::now(),
        trigger: trigger.to_owned(),
        context_json: serde_json::to_string(&context).unwrap_or_default(),
        summary_json: serde_json::to_string(&summary).unwrap_or_default(),
    };
    Ok((row, summary))
}

/// Evaluates cases about to be filed (on the filing date): sets each row's suggested route
/// and returns the evaluation rows to store once the cases exist.
pub fn evaluate_new_cases(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    rows: &mut [CaseRow],
) -> Result<Vec<EvaluationRow>, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut contexts: BTreeMap<NaiveDate, EvalContext> = BTreeMap::new();
    let now = time::now();
    let indexes: Vec<String> = rows.iter().map(|r| r.passport_index.clone()).collect();
    let stays = stays_by_passport(conn, &indexes)?;
    for row in rows.iter_mut() {
        let facts = stored_facts(row)?;
        let context = match contexts.get(&row.filing_date) {
            Some(c) => c.clone(),
            None => {
                // A new case has no confirmations yet.
                let c = context_for(conn, row.filing_date, Vec::new())?;
                contexts.insert(row.filing_date, c.clone());
                c
            }
        };
        let document = facts.to_value();
        // The cached context is per date; the presence is the worker's.
        let worker_stays = stays
            .get(&row.passport_index)
            .map_or(&[][..], Vec::as_slice);
        let context = with_stays(context, worker_stays, &document, row.filing_date);
        let evaluation = book
            .evaluate(&document, &context)
            .map_err(|e| ServiceError::Internal(format!("evaluation failed: {e}")))?;
        let summary = summarize(&evaluation);
        row.suggested_route = summary.suggested_route();
        out.push(EvaluationRow {
            id: Uuid::now_v7().to_string(),
            case_id: row.id.clone(),
            evaluated_at: now,
            trigger: "filing".into(),
            context_json: serde_json::to_string(&context).unwrap_or_default(),
            summary_json: serde_json::to_string(&summary).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Re-evaluates a case on today's desk date (after an amendment, a confirmation, a publish),
/// stores the evaluation and the suggested route it gives. Returns the summary.
pub fn reevaluate_case(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    case: &CaseRow,
    trigger: &str,
) -> Result<EvaluationSummary, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let facts = stored_facts(case)?;
    let (row, summary) = evaluate_row(conn, &book, &case.id, &facts, ctx.today(), trigger)?;
    store::insert_evaluations(conn, std::slice::from_ref(&row))?;
    let suggested = summary.suggested_route();
    if suggested != case.suggested_route {
        crate::db::cases::set_suggested_route(conn, &case.id, suggested.as_deref())?;
    }
    Ok(summary)
}

/// What an approval was checked against: the evaluation made at that moment.
#[derive(Debug, Clone)]
pub struct ApprovalCheck {
    pub evaluation_id: String,
    pub outcome: Outcome,
    /// A cap slot was reserved (fiscal year of the approval).
    pub cap_fiscal_year: Option<i32>,
}

/// The approval gates (docs/rules.md, "Approval gates"), whoever asks: the case is
/// re-evaluated on the decision date and the evaluation stored; a route that is `ineligible`
/// or `not_available` is refused, a `sandbox` route is never approved, a route with a
/// caution needs a supervisor, and a capped route in force takes a slot of the fiscal year of
/// the approval for an initial application.
pub fn check_and_reserve_approval(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    case: &CaseRow,
    route: VisaRoute,
) -> Result<ApprovalCheck, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let today = ctx.today();
    let facts = stored_facts(case)?;
    let (row, summary) = evaluate_row(conn, &book, &case.id, &facts, today, "approval")?;
    let refused = |code: &'static str, message: String, details: Value| ServiceError::Conflict {
        code,
        message,
        details: Some(details),
    };
    let Some(result) = summary.route(route.id()) else {
        return Err(refused(
            "evaluation_missing",
            format!(
                "the case could not be evaluated on {}: no result",
                route.id()
            ),
            json!({"route": route.id()}),
        ));
    };
    let Some(version) = &result.ruleset else {
        return Err(refused(
            "route_not_available",
            format!(
                "{} has no rules in force on {today}: it cannot be approved",
                route.id()
            ),
            json!({"route": route.id(), "evaluation_date": today}),
        ));
    };
    if version.status != Some(RuleSetStatus::InForce) {
        return Err(refused(
            "route_sandbox",
            format!(
                "{} is a proposal, not law ({}): it can never be approved",
                route.id(),
                version.id
            ),
            json!({"route": route.id(), "ruleset": version.id}),
        ));
    }
    match result.outcome {
        Outcome::Ineligible => {
            return Err(refused(
                "route_ineligible",
                format!(
                    "the rules find {} ineligible for this case on {today} ({}); amend the facts if they are wrong",
                    route.id(),
                    result.failed.join(", ")
                ),
                json!({"route": route.id(), "failed": result.failed, "evaluation_id": row.id}),
            ))
        }
        Outcome::NotAvailable => {
            return Err(refused(
                "route_not_available",
                format!("{} is not available on {today}", route.id()),
                json!({"route": route.id()}),
            ))
        }
        Outcome::Eligible | Outcome::NeedsReview => {}
    }
    let caution = book
        .find(route.id(), version.version)
        .and_then(|set| set.caution().map(|(en, _)| en.to_owned()));
    if let Some(caution) = caution {
        if user.role != Role::Supervisor {
            return Err(refused(
                "supervisor_required",
                format!(
                    "{} carries a caution ({caution}): only a supervisor may approve it",
                    route.id()
                ),
                json!({"route": route.id(), "caution": caution}),
            ));
        }
    }
    let mut cap_fiscal_year = None;
    if route.is_capped() && facts.applicant.e4_initial == Some(true) {
        let fy = fiscal_year(today);
        let cap = cap_for(&book, route, today)?;
        store::ensure_cap_counter(conn, route.id(), fy, cap)?;
        if !store::take_cap_slot(conn, route.id(), fy, cap)? {
            return Err(refused(
                "cap_reached",
                format!(
                    "the FY{fy} cap of {cap} {} approvals is reached",
                    route.id()
                ),
                json!({"route": route.id(), "fiscal_year": fy, "cap": cap}),
            ));
        }
        store::insert_reservation(conn, &case.id, route.id(), fy, time::now())?;
        cap_fiscal_year = Some(fy);
    }
    store::insert_evaluations(conn, std::slice::from_ref(&row))?;
    Ok(ApprovalCheck {
        evaluation_id: row.id,
        outcome: result.outcome,
        cap_fiscal_year,
    })
}

/// The cap parameter of a capped route in force on `date`.
fn cap_for(book: &RuleBook, route: VisaRoute, date: NaiveDate) -> Result<i64, ServiceError> {
    book.in_force(route.id(), date)
        .and_then(|set| set.parameters().get("e4_cap"))
        .and_then(|p| p.value_on(date))
        .and_then(|v| v.value.as_i64())
        .ok_or_else(|| ServiceError::Internal(format!("no cap parameter for {route} on {date}")))
}

/// Releases the cap slot a case holds (on refusal or withdrawal after approval).
pub fn release_cap(conn: &mut DbConnection, case_id: &str) -> Result<bool, ServiceError> {
    Ok(store::release_reservation(conn, case_id)?)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CapUsage {
    pub route: String,
    pub fiscal_year: i32,
    pub cap: i64,
    pub used: i64,
    pub remaining: i64,
    /// `in_force` (approvals reserve slots) or `sandbox` (nothing is reserved: see the
    /// simulation).
    pub status: String,
}

/// Cap, used and remaining for a fiscal year: the cap in force today (for the current year;
/// at the year's start or end for another), which the counter follows.
pub fn cap_usage(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    route: VisaRoute,
    fy: i32,
) -> Result<CapUsage, ServiceError> {
    if !route.is_capped() {
        return Err(ServiceError::NotFound("cap for this route"));
    }
    if !(2000..=2200).contains(&fy) {
        return Err(ServiceError::NotFound("fiscal year"));
    }
    let start =
        NaiveDate::from_ymd_opt(fy - 1, 10, 1).ok_or(ServiceError::NotFound("fiscal year"))?;
    let end = NaiveDate::from_ymd_opt(fy, 9, 30).ok_or(ServiceError::NotFound("fiscal year"))?;
    // The cap in force today for the current year; at the year's start or end otherwise.
    let on = ctx.today().clamp(start, end);
    let book = ctx.rules.refresh(conn)?;
    let status = book
        .in_force(route.id(), on)
        .map_or("not_available", |s| match s.status() {
            RuleSetStatus::InForce => "in_force",
            RuleSetStatus::Sandbox => "sandbox",
        });
    let cap = cap_for(&book, route, on).unwrap_or(0);
    let used = store::cap_usage(conn, route.id(), fy)?.map_or(0, |(_, used)| used);
    Ok(CapUsage {
        route: route.id().to_owned(),
        fiscal_year: fy,
        cap,
        used,
        remaining: (cap - used).max(0),
        status: status.to_owned(),
    })
}

/// The E-4 cap simulation's what-if inputs.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SimulationQuery {
    /// Another cap to compare with (default: the cap of the rule set, 15,000).
    pub cap: Option<i64>,
    /// Share of the qualifying or reviewable cases expected to be approved, 0 to 1
    /// (default 1).
    pub approval_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SponsorShare {
    pub sponsor_id: String,
    pub sponsor_name: String,
    pub cases: i64,
    pub initial: i64,
    /// Share of the fiscal year's initial cases, 0 to 1.
    pub share: f64,
}

/// How the proposed E-4 cap would be used in a fiscal year (of planned entry), from the open
/// cases' latest evaluations. Nothing is reserved.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CapSimulation {
    pub route: String,
    pub fiscal_year: i32,
    /// `sandbox` while the route is a proposal.
    pub status: String,
    pub cap: i64,
    pub approval_rate: f64,
    /// Open cases with planned entry in the year whose E-4 outcome is eligible.
    pub would_qualify: i64,
    pub needs_review: i64,
    /// Of those, initial applications (the ones the cap counts).
    pub initial: i64,
    /// `initial × approval_rate`, rounded down.
    pub projected_use: i64,
    /// `projected_use / cap`.
    pub projected_share_of_cap: f64,
    pub by_sponsor: Vec<SponsorShare>,
}

/// The open states: cases no decision has closed.
pub const UNDECIDED: &[&str] = &[
    "filed",
    "in_review",
    "evidence_requested",
    "evidence_submitted",
    "interview_scheduled",
    "administrative_processing",
];

pub fn cap_simulation(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    route: VisaRoute,
    fy: i32,
    query: SimulationQuery,
) -> Result<CapSimulation, ServiceError> {
    if user.role != Role::Supervisor {
        return Err(ServiceError::Forbidden(
            "the cap simulation is for supervisors".into(),
        ));
    }
    if !route.is_capped() {
        return Err(ServiceError::NotFound("cap for this route"));
    }
    if !(2000..=2200).contains(&fy) {
        return Err(ServiceError::NotFound("fiscal year"));
    }
    let mut errors = super::FieldErrors::new();
    let rate = query.approval_rate.unwrap_or(1.0);
    if !rate.is_finite() || !(0.0..=1.0).contains(&rate) {
        errors.add("approval_rate", "must be between 0 and 1");
    }
    if query.cap.is_some_and(|c| !(1..=10_000_000).contains(&c)) {
        errors.add("cap", "must be between 1 and 10,000,000");
    }
    errors.finish()?;
    let start =
        NaiveDate::from_ymd_opt(fy - 1, 10, 1).ok_or(ServiceError::NotFound("fiscal year"))?;
    let book = ctx.rules.refresh(conn)?;
    let cap = match query.cap {
        Some(c) => c,
        None => cap_for(&book, route, start).unwrap_or(15_000),
    };
    let status = book
        .in_force(route.id(), start)
        .map_or("not_available", |s| match s.status() {
            RuleSetStatus::InForce => "in_force",
            RuleSetStatus::Sandbox => "sandbox",
        });
    let mut qualify = 0i64;
    let mut review = 0i64;
    let mut initial = 0i64;
    let mut per_sponsor: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for open in store::open_cases_with_latest_summary(conn, UNDECIDED)? {
        let sponsor = open.sponsor_id;
        let summary = open.latest_summary;
        let Ok(facts) = FactsV2::from_stored(&open.facts_json) else {
            continue;
        };
        let Some(entry) = facts.assignment.planned_entry else {
            continue;
        };
        if fiscal_year(entry) != fy {
            continue;
        }
        let outcome = summary
            .and_then(|s| serde_json::from_str::<EvaluationSummary>(&s).ok())
            .and_then(|s| s.route(route.id()).map(|r| r.outcome));
        match outcome {
            Some(Outcome::Eligible) => qualify += 1,
            Some(Outcome::NeedsReview) => review += 1,
            _ => continue,
        }
        let is_initial = facts.applicant.e4_initial == Some(true);
        if is_initial {
            initial += 1;
        }
        let entry = per_sponsor.entry(sponsor).or_default();
        entry.0 += 1;
        entry.1 += i64::from(is_initial);
    }
    let mut by_sponsor = Vec::with_capacity(per_sponsor.len());
    for (sponsor_id, (cases, init)) in per_sponsor {
        let sponsor_name = crate::db::sponsors::find(conn, &sponsor_id)?
            .map(|s| s.legal_name)
            .unwrap_or_default();
        by_sponsor.push(SponsorShare {
            sponsor_id,
            sponsor_name,
            cases,
            initial: init,
            share: if initial > 0 {
                init as f64 / initial as f64
            } else {
                0.0
            },
        });
    }
    by_sponsor.sort_by(|a, b| {
        b.initial
            .cmp(&a.initial)
            .then(a.sponsor_id.cmp(&b.sponsor_id))
    });
    let projected_use = (initial as f64 * rate).floor() as i64;
    Ok(CapSimulation {
        route: route.id().to_owned(),
        fiscal_year: fy,
        status: status.to_owned(),
        cap,
        approval_rate: rate,
        would_qualify: qualify,
        needs_review: review,
        initial,
        projected_use,
        projected_share_of_cap: projected_use as f64 / cap as f64,
        by_sponsor,
    })
}

/// A stored evaluation as the API and the pages show it: which evaluation is current, its
/// outcomes, and the explanation replayed with the very versions and context it used.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseEligibility {
    pub case_id: String,
    pub evaluation_id: String,
    pub evaluated_at: chrono::DateTime<chrono::Utc>,
    /// The date versions and parameters were chosen by.
    pub evaluation_date: NaiveDate,
    /// `filing`, `amend_facts`, `confirm_evidence`, `publish`, `approval`, `reevaluate`.
    pub trigger: String,
    pub replayed_exactly: bool,
    pub summary: EvaluationSummary,
    pub evaluation: Explanation,
}

/// The explanation of an evaluation, owned (the engine's `Evaluation` borrows the book).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Explanation {
    pub filing_date: NaiveDate,
    pub evaluation_date: NaiveDate,
    pub fiscal_year: i32,
    pub routes: Vec<RouteExplanation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RouteExplanation {
    pub route: String,
    #[schema(value_type = String)]
    pub outcome: Outcome,
    pub title_en: String,
    pub title_ko: String,
    pub basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caution_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caution_ko: Option<String>,
    pub ruleset: Option<VersionRef>,
    pub common: Option<VersionRef>,
    pub rules: Vec<RuleExplanation>,
}

impl RouteExplanation {
    /// `in_force`, `sandbox`, or `not_available`.
    pub fn status(&self) -> &'static str {
        match self.ruleset.as_ref().and_then(|r| r.status) {
            Some(RuleSetStatus::InForce) => "in_force",
            Some(RuleSetStatus::Sandbox) => "sandbox",
            None => "not_available",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ParameterUsed {
    pub from: NaiveDate,
    /// The value in force (a number, text, list or table).
    pub value: Value,
    pub citation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleExplanation {
    pub id: String,
    #[schema(value_type = String)]
    pub kind: RuleKind,
    pub citation: String,
    pub title_en: String,
    pub title_ko: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[schema(value_type = String)]
    pub status: RuleStatus,
    pub message_en: Option<String>,
    pub message_ko: Option<String>,
    /// The facts (and derived values) the rule read, path → value as filed.
    pub facts: BTreeMap<String, Value>,
    pub params: BTreeMap<String, ParameterUsed>,
}

impl Explanation {
    fn of(evaluation: &Evaluation<'_>) -> Result<Explanation, ServiceError> {
        serde_json::from_str(&evaluation.to_json())
            .map_err(|e| ServiceError::Internal(format!("explanation: {e}")))
    }

    /// Leaves out what an employer may not see: ledger values (`ctx.*`: the E-4 cap usage).
    pub fn for_viewer(mut self, user: &AuthUser) -> Explanation {
        if !user.role.is_desk() {
            for route in &mut self.routes {
                for rule in &mut route.rules {
                    rule.facts.retain(|path, _| !path.starts_with("ctx."));
                }
            }
        }
        self
    }
}

/// A case's current eligibility: its latest evaluation, replayed with the very rule-set
/// versions (and ledger values) used when it was made.
pub fn case_eligibility(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<CaseEligibility, ServiceError> {
    let case = super::cases::load_visible(conn, user, case_id)?;
    let latest =
        store::latest_evaluation(conn, case_id)?.ok_or(ServiceError::NotFound("evaluation"))?;
    let summary = read_summary(&latest)?;
    let mut context: EvalContext = serde_json::from_str(&latest.context_json).unwrap_or_default();
    // Evaluations made before rules v2 were on the filing date.
    context.on = Some(summary.evaluation_date.unwrap_or(summary.filing_date));
    let facts = FactsV2::from_stored(&case.facts_json)
        .map(|f| f.to_value())
        .unwrap_or_else(|_| serde_json::from_str(&case.facts_json).unwrap_or_default());
    let book = ctx.rules.refresh(conn)?;
    // Pin every route (and the common rules) to the stored version.
    let mut pinned: Vec<RuleSet> = Vec::new();
    for route in &summary.routes {
        for (route_id, version) in [
            (route.route.as_str(), route.ruleset.as_ref()),
            (COMMON_ROUTE, route.common.as_ref()),
        ] {
            if let Some(set) = version.and_then(|v| book.find(route_id, v.version)) {
                if !pinned.iter().any(|p| p.id() == set.id()) {
                    pinned.push(set.clone());
                }
            }
        }
    }
    let evaluation = book
        .evaluate_with(&facts, &context, &pinned)
        .map_err(|e| ServiceError::Internal(format!("replay failed: {e}")))?;
    let replayed = summarize(&evaluation);
    let exact = replayed
        .routes
        .iter()
        .zip(&summary.routes)
        .all(|(a, b)| a.outcome == b.outcome && a.failed == b.failed && a.errors == b.errors)
        && replayed.routes.len() == summary.routes.len();
    Ok(CaseEligibility {
        case_id: case.id,
        evaluation_id: latest.id.clone(),
        evaluated_at: time::from_stored(latest.evaluated_at),
        evaluation_date: context.on.unwrap_or(summary.filing_date),
        trigger: latest.trigger,
        replayed_exactly: exact,
        summary,
        evaluation: Explanation::of(&evaluation)?.for_viewer(user),
    })
}

/// Evaluates a facts document (a pre-check or a dry run): nothing is stored. `on` is the
/// evaluation date (default: the document's filing date). Employers do not see ledger
/// values such as the E-4 cap usage.
pub fn evaluate_document(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    facts: &FactsV2,
    on: Option<NaiveDate>,
    days_in_us_last_365: Option<u64>,
) -> Result<Explanation, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let date = on.unwrap_or(facts.filing_date);
    let document = facts.to_value();
    // No case, so no recorded trips: the presence is 0 unless the dry run passes it (the
    // employer's pre-check never looks a passport up, so it cannot learn of another
    // sponsor's trips).
    let context = context_for(conn, date, Vec::new())?;
    let context = with_presence(conn, context, None, &document, date)?;
    let context = match days_in_us_last_365 {
        Some(days) => context.with_value(DAYS_IN_US_LAST_365, Value::from(days)),
        None => context,
    };
    let evaluation = book
        .evaluate(&document, &context)
        .map_err(|e| ServiceError::validation("filing_date", e.to_string()))?;
    Ok(Explanation::of(&evaluation)?.for_viewer(user))
}

fn report_error(report: ValidationReport) -> ServiceError {
    ServiceError::Conflict {
        code: "ruleset_invalid",
        message: format!(
            "the rule set was not published: {} problem(s)",
            report.problems.len()
        ),
        details: Some(json!({"problems": report.problems})),
    }
}

/// Publishes a new version (supervisors): validated, its own tests run, windows checked,
/// stored with the audit row in one transaction, then the book is replaced.
pub fn publish(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    source: &str,
) -> Result<Value, ServiceError> {
    if user.role != Role::Supervisor {
        return Err(ServiceError::Forbidden(
            "publishing rule sets is for supervisors".into(),
        ));
    }
    let published = database::write_tx(conn, |conn| {
        let book = ctx.rules.refresh(conn)?;
        let draft = book.compile_draft(source).map_err(report_error)?;
        check_cap_parameter(&draft)?;
        let next = book.with_published(source).map_err(report_error)?;
        let row = PublishedRuleSet {
            id: Uuid::now_v7().to_string(),
            route: draft.route().to_owned(),
            version: i32::try_from(draft.version()).unwrap_or(i32::MAX),
            hash: draft.hash().to_owned(),
            source: source.to_owned(),
            published_by: user.id.clone(),
            published_at: time::now(),
        };
        store::insert_published(conn, &row)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "ruleset.published",
                None,
                Some(&row.id),
                json!({"route": row.route, "version": row.version, "hash": row.hash, "effective_from": draft.effective_from()}),
            )],
        )?;
        let count = store::published_count(conn)?;
        ctx.rules.replace(next, count);
        Ok::<Value, ServiceError>(ruleset_json(&draft, None, true))
    })?;
    // Every undecided case is re-evaluated under the new book, in the background.
    let run = start_reevaluation(conn, ctx, "publish")?;
    let mut answer = published;
    answer["reevaluation"] = serde_json::to_value(&run).unwrap_or_default();
    Ok(answer)
}

/// A capped route's cap must allow at least one approval: below 1, every approval would
/// be refused (and a counter could not follow it).
fn check_cap_parameter(draft: &RuleSet) -> Result<(), ServiceError> {
    let Some(cap) = draft.parameters().get("e4_cap") else {
        return Ok(());
    };
    for (i, dated) in cap.values.iter().enumerate() {
        if dated.value.as_i64().is_none_or(|c| c < 1) {
            return Err(ServiceError::Conflict {
                code: "ruleset_invalid",
                message:
                    "the rule set was not published: the cap must be a whole number of at least 1"
                        .into(),
                details: Some(
                    json!({"problems": [{"file": "published", "field": format!("parameters.e4_cap.values[{i}]"), "message": "the cap must be a whole number of at least 1"}]}),
                ),
            });
        }
    }
    Ok(())
}

/// Starts the re-evaluation of every undecided case on a background thread and returns its
/// run (progress: `GET /api/v1/reevaluations/{id}`).
pub fn start_reevaluation(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    trigger: &str,
) -> Result<ReevaluationRun, ServiceError> {
    // A publish that changes the versions in force today takes that change's run, so that
    // the periodic check does not run it again.
    let book = ctx.rules.refresh(conn)?;
    let epoch_id = epoch_run_id(&versions_in_force(&book, ctx.today()));
    let id = match store::find_run(conn, &epoch_id)? {
        None => epoch_id,
        Some(_) => Uuid::now_v7().to_string(),
    };
    let run = new_reevaluation(conn, trigger, id)?;
    spawn_reevaluation(ctx, run.id.clone());
    Ok(run)
}

fn spawn_reevaluation(ctx: &super::AppContext, id: String) {
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("reevaluate".into())
        .spawn(move || {
            let outcome = ctx
                .pool
                .get()
                .map_err(ServiceError::from)
                .and_then(|mut conn| reevaluate_undecided(&mut conn, &ctx, &id, &mut |_| {}));
            if let Err(e) = outcome {
                tracing::error!(run = %id, error = %e, "re-evaluation stopped");
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the re-evaluation thread");
    }
}

/// The rule-set versions in force today, one id per route (`B1-CIW@v2,…`): when it changes (a
/// shipped or published version took effect), the undecided cases are evaluated afresh.
pub fn versions_in_force(book: &RuleBook, on: NaiveDate) -> String {
    book.routes()
        .into_iter()
        .filter_map(|route| book.in_force(route, on).map(|s| s.id().to_owned()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Starts the re-evaluation of the undecided cases once per change of the versions in force
/// (a version whose `effective_from` has come, shipped or published). The first sight of the
/// versions only records them: the cases were evaluated under them when filed. Runs are keyed
/// by the versions, so of several instances only one starts each run.
pub fn reevaluate_when_versions_change(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
) -> Result<Option<ReevaluationRun>, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let epoch = versions_in_force(&book, ctx.today());
    let id = epoch_run_id(&epoch);
    if store::find_run(conn, &id)?.is_some() {
        return Ok(None);
    }
    let first = !store::any_run_with_trigger(conn, EFFECTIVE_DATE)?;
    let total = if first {
        0
    } else {
        store::count_undecided(conn, UNDECIDED)?
    };
    let run = ReevaluationRun {
        id,
        trigger: EFFECTIVE_DATE.to_owned(),
        started_at: time::now(),
        finished_at: first.then(time::now),
        total,
        done: 0,
        changed: 0,
        failed: 0,
    };
    if let Err(e) = store::insert_run(conn, &run) {
        // Another instance recorded the same versions first: it runs them.
        tracing::debug!(error = %e, "versions already recorded");
        return Ok(None);
    }
    if first {
        return Ok(None);
    }
    tracing::info!(versions = %epoch, cases = total, "rule-set versions changed: re-evaluating the undecided cases");
    spawn_reevaluation(ctx, run.id.clone());
    Ok(Some(run))
}

fn epoch_run_id(epoch: &str) -> String {
    format!(
        "versions-{}",
        &hex::encode(sha2::Sha256::digest(epoch.as_bytes()))[..32]
    )
}

/// The trigger of re-evaluations started by a version taking effect.
pub const EFFECTIVE_DATE: &str = "effective_date";

/// Records a new run over the undecided cases.
pub fn new_reevaluation(
    conn: &mut DbConnection,
    trigger: &str,
    id: String,
) -> Result<ReevaluationRun, ServiceError> {
    let run = ReevaluationRun {
        id,
        trigger: trigger.to_owned(),
        started_at: time::now(),
        finished_at: None,
        total: store::count_undecided(conn, UNDECIDED)?,
        done: 0,
        changed: 0,
        failed: 0,
    };
    store::insert_run(conn, &run)?;
    Ok(run)
}

/// Cases re-evaluated in one transaction (each in its own savepoint).
const REEVALUATION_CHUNK: usize = 50;

/// Re-evaluates every undecided case (in pages; fifty cases a transaction, each in its own
/// savepoint, so that one case that fails leaves the others' evaluations), recording progress
/// on the run. Decided cases keep the evaluation their decision was made on.
pub fn reevaluate_undecided(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    run_id: &str,
    progress: Progress<'_>,
) -> Result<ReevaluationRun, ServiceError> {
    use diesel::Connection as _;
    let trigger = store::find_run(conn, run_id)?
        .map(|r| r.trigger)
        .unwrap_or_else(|| "reevaluate".into());
    let trigger = trigger.as_str();
    let (mut done, mut changed, mut failed) = (0i64, 0i64, 0i64);
    let mut after: Option<String> = None;
    loop {
        let ids = store::undecided_case_ids(conn, UNDECIDED, after.as_deref(), 500)?;
        let Some(last) = ids.last() else { break };
        after = Some(last.clone());
        for chunk in ids.chunks(REEVALUATION_CHUNK) {
            // A commit for the chunk, not for each case: a case's own work is a few
            // statements, its commit's wait for the disk was most of its time.
            let tally = database::write_tx(conn, |conn| {
                let (mut changed, mut failed) = (0i64, 0i64);
                for id in chunk {
                    match conn.transaction(|conn| reevaluate_one(conn, ctx, id, trigger)) {
                        Ok(true) => changed += 1,
                        Ok(false) => {}
                        Err(e) => {
                            failed += 1;
                            tracing::warn!(case = %id, error = %e, "re-evaluation of a case failed");
                        }
                    }
                }
                Ok::<_, ServiceError>((changed, failed))
            });
            match tally {
                Ok((c, f)) => {
                    changed += c;
                    failed += f;
                }
                Err(e) => {
                    failed += chunk.len() as i64;
                    tracing::warn!(cases = chunk.len(), error = %e, "re-evaluation of a chunk of cases failed");
                }
            }
            done += chunk.len() as i64;
        }
        store::update_run_progress(conn, run_id, done, changed, failed, None)?;
        progress(usize::try_from(done).unwrap_or(usize::MAX));
    }
    store::update_run_progress(conn, run_id, done, changed, failed, Some(time::now()))?;
    store::find_run(conn, run_id)?.ok_or(ServiceError::NotFound("re-evaluation"))
}

/// Re-evaluates one case if it is still undecided; whether any route's outcome changed.
fn reevaluate_one(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    id: &str,
    trigger: &str,
) -> Result<bool, ServiceError> {
    let Some(case) = crate::db::cases::find(conn, id)? else {
        return Ok(false);
    };
    if !UNDECIDED.contains(&case.status.as_str()) {
        return Ok(false);
    }
    let before = store::latest_evaluation(conn, id)?.and_then(|row| read_summary(&row).ok());
    let after = reevaluate_case(conn, ctx, &case, trigger)?;
    let outcomes = |s: &EvaluationSummary| -> Vec<(String, Outcome)> {
        s.routes
            .iter()
            .map(|r| (r.route.clone(), r.outcome))
            .collect()
    };
    Ok(before.map(|b| outcomes(&b)) != Some(outcomes(&after)))
}

/// A re-evaluation run's progress (the desk).
pub fn reevaluation(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
) -> Result<ReevaluationRun, ServiceError> {
    if !user.role.is_desk() {
        return Err(ServiceError::Forbidden(
            "re-evaluation runs are for the desk".into(),
        ));
    }
    store::find_run(conn, id)?.ok_or(ServiceError::NotFound("re-evaluation"))
}

/// A version as shown by the API. `effective_to` is the declared end or, for an open window,
/// the start of the next version (which closes it).
pub fn ruleset_json(set: &RuleSet, next: Option<&RuleSet>, with_source: bool) -> Value {
    let effective_to = set
        .effective_to()
        .or_else(|| next.map(|n| n.effective_from()));
    let mut v = json!({
        "id": set.id(),
        "route": set.route(),
        "version": set.version(),
        "status": set.status(),
        "effective_from": set.effective_from(),
        "effective_to": effective_to,
        "title_en": set.title_en(),
        "title_ko": set.title_ko(),
        "basis": set.basis(),
        "note": set.note(),
        "caution_en": set.caution().map(|c| c.0),
        "caution_ko": set.caution().map(|c| c.1),
        "hash": set.hash(),
        "rules": set.rules().iter().map(|r| json!({"id": r.id, "kind": r.kind, "citation": r.citation, "title_en": r.title_en, "title_ko": r.title_ko})).collect::<Vec<_>>(),
        "parameters": set.parameters(),
    });
    if with_source {
        v["source"] = json!(set.source());
    }
    v
}

fn versions_json(book: &RuleBook, route: &str, with_source: bool) -> Vec<Value> {
    let mut versions = book.versions(route);
    versions.sort_by_key(|s| s.effective_from());
    versions
        .iter()
        .enumerate()
        .map(|(i, s)| ruleset_json(s, versions.get(i + 1).copied(), with_source))
        .collect()
}

/// Every route with its versions (no sources).
pub fn list_rulesets(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
) -> Result<Value, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let routes: Vec<Value> = book
        .routes()
        .into_iter()
        .map(|route| {
            json!({
                "route": route,
                "versions": versions_json(&book, route, false),
            })
        })
        .collect();
    Ok(json!({"items": routes}))
}

/// All versions of one route, with their sources.
pub fn route_versions(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    route: &str,
) -> Result<Value, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let versions = book.versions(route);
    if versions.is_empty() {
        return Err(ServiceError::NotFound("route"));
    }
    Ok(json!({"route": route, "versions": versions_json(&book, route, true)}))
}

/// Cases one step of a dry run holds in memory.
const IMPACT_PAGE: i64 = 5000;

/// What publishing a draft would change, over every stored case ([`impact`]).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImpactReport {
    /// The draft's route and version.
    pub route: String,
    pub version: u32,
    pub cases_evaluated: usize,
    /// Cases with at least one route whose outcome would change.
    pub cases_changed: usize,
    /// Changes per kind, every case counted; in JSON a map from its label,
    /// `"ESTA-CIW: eligible → ineligible": 12`.
    #[serde(serialize_with = "counts_by_label")]
    #[schema(value_type = BTreeMap<String, usize>)]
    pub counts: BTreeMap<ChangeKind, usize>,
    /// The changes one by one, at most [`IMPACT_LISTED`].
    pub changes: Vec<ImpactChange>,
    /// Whether `changes` lists every change.
    pub changes_complete: bool,
    /// Cases that could not be evaluated, at most [`IMPACT_LISTED`].
    pub errors: Vec<ImpactError>,
}

/// One kind of change: a route's outcome from `before` to `after`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangeKind {
    pub route: String,
    pub before: Outcome,
    pub after: Outcome,
}

impl ChangeKind {
    /// `ESTA-CIW: eligible → ineligible`.
    pub fn label(&self) -> String {
        format!(
            "{}: {} → {}",
            self.route,
            self.before.as_str(),
            self.after.as_str()
        )
    }
}

fn counts_by_label<S: serde::Serializer>(
    counts: &BTreeMap<ChangeKind, usize>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(counts.iter().map(|(kind, n)| (kind.label(), n)))
}

/// One route of one case whose outcome the draft would change.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImpactChange {
    pub case_id: String,
    pub receipt_number: String,
    pub route: String,
    /// `eligible`, `needs_review`, `ineligible` or `not_available`.
    #[schema(value_type = String)]
    pub before: Outcome,
    #[schema(value_type = String)]
    pub after: Outcome,
}

/// A case the draft could not evaluate, and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImpactError {
    pub case_id: Option<String>,
    pub error: String,
}
/// Most changes (and errors) an impact report lists one by one; its counts cover every case.
pub const IMPACT_LISTED: usize = 10_000;

/// Progress callback for long dry runs: (cases evaluated so far).
pub type Progress<'a> = &'a mut dyn FnMut(usize);

/// How the outcomes of stored cases would change under a draft, before it is published.
pub fn impact(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    route: Option<&str>,
    source: &str,
    progress: Progress<'_>,
) -> Result<ImpactReport, ServiceError> {
    impact_in_pages(conn, ctx, route, source, progress, IMPACT_PAGE)
}

/// [`impact`], holding `page` cases at a time (tests use small pages to cross page edges).
pub fn impact_in_pages(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    route: Option<&str>,
    source: &str,
    progress: Progress<'_>,
    page: i64,
) -> Result<ImpactReport, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let draft = book.compile_draft(source).map_err(report_error)?;
    if let Some(route) = route {
        if draft.route() != route {
            return Err(ServiceError::validation(
                "route",
                format!("the draft is for {}, not {route}", draft.route()),
            ));
        }
    }
    // Streamed: one page of cases at a time is held, evaluated and summed up, so that memory
    // stays flat however many cases are stored; the listed changes stop at IMPACT_LISTED.
    let drafts = [draft];
    let mut after: Option<String> = None;
    let mut contexts: BTreeMap<NaiveDate, EvalContext> = BTreeMap::new();
    let mut evaluated = 0;
    let mut changed_cases = 0;
    let mut by_change: BTreeMap<ChangeKind, usize> = BTreeMap::new();
    let mut changes: Vec<ImpactChange> = Vec::new();
    let mut errors: Vec<ImpactError> = Vec::new();
    loop {
        let rows = store::case_facts_page(conn, after.as_deref(), page)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.0.clone());
        let mut ids = Vec::with_capacity(rows.len());
        let mut cases = Vec::with_capacity(rows.len());
        let indexes: Vec<String> = rows.iter().map(|r| r.3.clone()).collect();
        let stays = stays_by_passport(conn, &indexes)?;
        for (id, receipt, facts_json, passport_index) in rows {
            let facts = match FactsV2::from_stored(&facts_json) {
                Ok(f) => f.to_value(),
                Err(_) => serde_json::from_str(&facts_json).unwrap_or_default(),
            };
            let date = facts["filing_date"]
                .as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or_default();
            let context = match contexts.get(&date) {
                Some(c) => c.clone(),
                None => {
                    let c = context_for(conn, date, Vec::new())?;
                    contexts.insert(date, c.clone());
                    c
                }
            };
            // The cached context is per date; the presence is the worker's.
            let worker_stays = stays.get(&passport_index).map_or(&[][..], Vec::as_slice);
            let context = with_stays(context, worker_stays, &facts, ctx.today());
            ids.push((id, receipt));
            cases.push(DryRunCase { facts, context });
        }
        let report = book.dry_run(&drafts, &cases);
        evaluated += report.cases;
        let mut seen = std::collections::BTreeSet::new();
        for c in &report.changed {
            let kind = ChangeKind {
                route: c.route.clone(),
                before: c.before,
                after: c.after,
            };
            *by_change.entry(kind).or_default() += 1;
            seen.insert(c.case);
            if changes.len() < IMPACT_LISTED {
                let (id, receipt) = ids.get(c.case).cloned().unwrap_or_default();
                changes.push(ImpactChange {
                    case_id: id,
                    receipt_number: receipt,
                    route: c.route.clone(),
                    before: c.before,
                    after: c.after,
                });
            }
        }
        changed_cases += seen.len();
        for (i, e) in &report.errors {
            if errors.len() < IMPACT_LISTED {
                errors.push(ImpactError {
                    case_id: ids.get(*i).map(|x| x.0.clone()),
                    error: e.clone(),
                });
            }
        }
        progress(evaluated);
    }
    let listed_all = changes.len() == by_change.values().sum::<usize>();
    Ok(ImpactReport {
        route: drafts[0].route().to_owned(),
        version: drafts[0].version(),
        cases_evaluated: evaluated,
        cases_changed: changed_cases,
        counts: by_change,
        changes,
        changes_complete: listed_all,
        errors,
    })
}
