//! Eligibility: evaluating cases against every visa route (the rules engine in
//! `crate::rules`), storing what was decided with which rule-set versions, replaying it,
//! publishing new rule-set versions, dry runs of drafts, and the E-4 cap ledger.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::accounts::AuthUser;
use super::{audit, ServiceError};
use crate::db::cases::CaseRow;
use crate::db::rules::{self as store, EvaluationRow, PublishedRuleSet};
use crate::db::{self as database, DbConnection};
use crate::domain::receipt::fiscal_year;
use crate::domain::{time, Role, VisaRoute};
use crate::rules::{
    DryRunCase, EvalContext, Evaluation, Outcome, RuleBook, RuleSet, RuleSetStatus, RuleStatus,
    ValidationReport, COMMON_ROUTE,
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

/// Ledger values rules read: the E-4 principals approved in the fiscal year of filing.
pub fn context_for(
    conn: &mut DbConnection,
    filing_date: NaiveDate,
) -> Result<EvalContext, ServiceError> {
    let used = store::cap_usage(conn, VisaRoute::E4Pwk.id(), fiscal_year(filing_date))?
        .map(|(_, used)| used)
        .unwrap_or(0);
    Ok(EvalContext::new().with_e4_cap_used(u64::try_from(used).unwrap_or(0)))
}

/// Compact record of an evaluation: per route, outcome, versions, hashes and the ids of the
/// rules that failed or erred. Enough to replay and to compare; the full explanation is
/// recomputed on demand from the same versions.
pub fn summarize(evaluation: &Evaluation<'_>) -> Value {
    let routes: Vec<Value> = evaluation
        .routes
        .iter()
        .map(|r| {
            json!({
                "route": r.route,
                "outcome": r.outcome,
                "ruleset": {"id": r.ruleset.id, "version": r.ruleset.version, "hash": r.ruleset.hash, "status": r.ruleset.status},
                "common": r.common.as_ref().map(|c| json!({"id": c.id, "version": c.version, "hash": c.hash})),
                "failed": r.ids_with(RuleStatus::Failed),
                "errors": r.ids_with(RuleStatus::Error),
            })
        })
        .collect();
    json!({"filing_date": evaluation.filing_date, "routes": routes})
}

/// The route to suggest for the queue: the first in-force route that is eligible, else the
/// first that needs review. Sandbox routes (the proposed E-4) are never suggested.
pub fn suggested_route(evaluation: &Evaluation<'_>) -> Option<String> {
    let in_force = || {
        evaluation
            .routes
            .iter()
            .filter(|r| r.ruleset.status == RuleSetStatus::InForce)
    };
    in_force()
        .find(|r| r.outcome == Outcome::Eligible)
        .or_else(|| in_force().find(|r| r.outcome == Outcome::NeedsReview))
        .map(|r| r.route.to_owned())
}

/// Evaluates cases about to be filed: sets each row's suggested route and returns the
/// evaluation rows to store once the cases exist.
pub fn evaluate_new_cases(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    rows: &mut [CaseRow],
) -> Result<Vec<EvaluationRow>, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    let now = time::now();
    let mut contexts: BTreeMap<NaiveDate, EvalContext> = BTreeMap::new();
    for row in rows.iter_mut() {
        let facts: Value = serde_json::from_str(&row.facts_json)
            .map_err(|e| ServiceError::Internal(format!("stored facts unreadable: {e}")))?;
        let context = match contexts.get(&row.filing_date) {
            Some(c) => c.clone(),
            None => {
                let c = context_for(conn, row.filing_date)?;
                contexts.insert(row.filing_date, c.clone());
                c
            }
        };
        let evaluation = book
            .evaluate(&facts, &context)
            .map_err(|e| ServiceError::Internal(format!("evaluation failed: {e}")))?;
        row.suggested_route = suggested_route(&evaluation);
        out.push(EvaluationRow {
            id: Uuid::now_v7().to_string(),
            case_id: row.id.clone(),
            evaluated_at: now,
            trigger: "filing".into(),
            context_json: serde_json::to_string(&context).unwrap_or_default(),
            summary_json: summarize(&evaluation).to_string(),
        });
    }
    Ok(out)
}

/// The outcome stored for one route of a case's latest evaluation.
pub fn stored_outcome(
    conn: &mut DbConnection,
    case_id: &str,
    route: &str,
) -> Result<Option<Outcome>, ServiceError> {
    let Some(latest) = store::latest_evaluation(conn, case_id)? else {
        return Ok(None);
    };
    let summary: Value = serde_json::from_str(&latest.summary_json).unwrap_or_default();
    Ok(summary["routes"]
        .as_array()
        .and_then(|routes| routes.iter().find(|r| r["route"] == route))
        .and_then(|r| serde_json::from_value(r["outcome"].clone()).ok()))
}

/// What an approval must satisfy beyond the state machine: an `ineligible` route needs a
/// supervisor; a capped route takes a slot of its fiscal year's cap (409 when none is left).
pub fn check_and_reserve_approval(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    case: &CaseRow,
    route: VisaRoute,
) -> Result<(), ServiceError> {
    if stored_outcome(conn, &case.id, route.id())? == Some(Outcome::Ineligible)
        && user.role != Role::Supervisor
    {
        return Err(ServiceError::Forbidden(format!(
            "the rules found {} ineligible for this case: only a supervisor may approve it, with a reason",
            route.id()
        )));
    }
    if route.is_capped() {
        let fy = fiscal_year(case.filing_date);
        let cap = cap_for(&ctx.rules.book(), route, case.filing_date)?;
        store::ensure_cap_counter(conn, route.id(), fy, cap)?;
        if !store::take_cap_slot(conn, route.id(), fy)? {
            return Err(ServiceError::Conflict {
                code: "cap_reached",
                message: format!(
                    "the FY{fy} cap of {cap} {} approvals is reached",
                    route.id()
                ),
                details: Some(json!({"route": route.id(), "fiscal_year": fy, "cap": cap})),
            });
        }
        store::insert_reservation(conn, &case.id, route.id(), fy, time::now())?;
    }
    Ok(())
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
}

/// Cap, used and remaining for a fiscal year (the cap as in force at the year's start).
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
    let (cap, used) = match store::cap_usage(conn, route.id(), fy)? {
        Some(found) => found,
        None => {
            let start = NaiveDate::from_ymd_opt(fy - 1, 10, 1)
                .ok_or(ServiceError::NotFound("fiscal year"))?;
            (cap_for(&ctx.rules.book(), route, start).unwrap_or(0), 0)
        }
    };
    Ok(CapUsage {
        route: route.id().to_owned(),
        fiscal_year: fy,
        cap,
        used,
        remaining: (cap - used).max(0),
    })
}

/// A case's eligibility: the stored outcomes, and the full explanation replayed with the
/// very rule-set versions (and ledger values) used when it was evaluated.
pub fn case_eligibility(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<Value, ServiceError> {
    let case = super::cases::load_visible(conn, user, case_id)?;
    let latest =
        store::latest_evaluation(conn, case_id)?.ok_or(ServiceError::NotFound("evaluation"))?;
    let summary: Value = serde_json::from_str(&latest.summary_json).unwrap_or_default();
    let context: EvalContext = serde_json::from_str(&latest.context_json).unwrap_or_default();
    let facts: Value = serde_json::from_str(&case.facts_json).unwrap_or_default();
    let book = ctx.rules.refresh(conn)?;
    // Pin every route (and the common rules) to the stored version.
    let mut pinned: Vec<RuleSet> = Vec::new();
    for route in summary["routes"].as_array().into_iter().flatten() {
        let name = route["route"].as_str().unwrap_or_default();
        for (route_id, version) in [
            (name, route["ruleset"]["version"].as_u64()),
            (COMMON_ROUTE, route["common"]["version"].as_u64()),
        ] {
            let found = version
                .and_then(|v| u32::try_from(v).ok())
                .and_then(|v| book.find(route_id, v));
            if let Some(set) = found {
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
    let exact = replayed["routes"] == summary["routes"];
    let explanation: Value = serde_json::from_str(&evaluation.to_json()).unwrap_or_default();
    Ok(json!({
        "case_id": case.id,
        "evaluated_at": time::from_stored(latest.evaluated_at),
        "trigger": latest.trigger,
        "replayed_exactly": exact,
        "summary": summary,
        "evaluation": explanation,
    }))
}

/// Evaluates a facts document (a pre-check or a dry run): nothing is stored.
pub fn evaluate_document(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    facts: &Value,
) -> Result<String, ServiceError> {
    let book = ctx.rules.refresh(conn)?;
    let date = facts["filing_date"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| ServiceError::validation("filing_date", "is required, as YYYY-MM-DD"))?;
    let context = context_for(conn, date)?;
    let evaluation = book
        .evaluate(facts, &context)
        .map_err(|e| ServiceError::validation("filing_date", e.to_string()))?;
    Ok(evaluation.to_json())
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
    database::write_tx(conn, |conn| {
        let book = ctx.rules.refresh(conn)?;
        let draft = book.compile_draft(source).map_err(report_error)?;
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
        Ok(ruleset_json(&draft, None, true))
    })
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

/// Progress callback for long dry runs: (cases loaded so far).
pub type Progress<'a> = &'a mut dyn FnMut(usize);

/// How the outcomes of stored cases would change under a draft, before it is published.
pub fn impact(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    route: Option<&str>,
    source: &str,
    progress: Progress<'_>,
) -> Result<Value, ServiceError> {
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
    let mut ids = Vec::new();
    let mut cases = Vec::new();
    let mut after: Option<String> = None;
    let mut contexts: BTreeMap<NaiveDate, EvalContext> = BTreeMap::new();
    loop {
        let page = store::case_facts_page(conn, after.as_deref(), 5000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.0.clone());
        for (id, receipt, facts_json) in page {
            let facts: Value = serde_json::from_str(&facts_json).unwrap_or_default();
            let date = facts["filing_date"]
                .as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or_default();
            let context = match contexts.get(&date) {
                Some(c) => c.clone(),
                None => {
                    let c = context_for(conn, date)?;
                    contexts.insert(date, c.clone());
                    c
                }
            };
            ids.push((id, receipt));
            cases.push(DryRunCase { facts, context });
        }
        progress(cases.len());
    }
    let drafts = [draft];
    let report = book.dry_run(&drafts, &cases);
    let mut by_change: BTreeMap<String, usize> = BTreeMap::new();
    let changes: Vec<Value> = report
        .changed
        .iter()
        .map(|c| {
            let key = format!("{}: {} → {}", c.route, outcome_name(c.before), outcome_name(c.after));
            *by_change.entry(key).or_default() += 1;
            let (id, receipt) = ids.get(c.case).cloned().unwrap_or_default();
            json!({"case_id": id, "receipt_number": receipt, "route": c.route, "before": c.before, "after": c.after})
        })
        .collect();
    Ok(json!({
        "route": drafts[0].route(),
        "version": drafts[0].version(),
        "cases_evaluated": report.cases,
        "cases_changed": changes.iter().map(|c| c["case_id"].as_str().unwrap_or_default()).collect::<std::collections::BTreeSet<_>>().len(),
        "counts": by_change,
        "changes": changes,
        "errors": report.errors.iter().map(|(i, e)| json!({"case_id": ids.get(*i).map(|x| x.0.clone()), "error": e})).collect::<Vec<_>>(),
    }))
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Eligible => "eligible",
        Outcome::NeedsReview => "needs_review",
        Outcome::Ineligible => "ineligible",
    }
}
