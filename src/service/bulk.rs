//! Bulk actions for the desk: the same action on selected cases, or on every case of a filing
//! or a project where it applies. Each case goes through the one-case path (its own
//! transaction, version check, audit row and mail), and the answer says per case what
//! happened: a case that changed meanwhile or is in another state is reported, not forced.
//!
//! Authorization: officers and supervisors; the action's own rules (an officer assigns
//! cases to itself, a supervisor to any officer) apply per case.

use serde::{Deserialize, Serialize};

use super::accounts::AuthUser;
use super::cases::{apply_action, CaseAction};
use super::{FieldErrors, ServiceError};
use crate::db::{self as database, DbConnection};
use crate::domain::{ActionKind, CaseStatus, Role};

/// Most cases one bulk action takes (a batch holds at most 500 workers).
pub const MAX_CASES: usize = 500;

/// A selected case and the version the officer saw (its ETag).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectedCase {
    pub id: String,
    pub version: i64,
}

/// `POST /api/v1/cases/bulk`: the action, and one of `cases`, `filing_id` or `project_id`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    /// `assign`, `start_review` or `request_evidence`, as for one case.
    pub action: CaseAction,
    /// Selected cases, each with the version it was seen at.
    #[serde(default)]
    pub cases: Vec<SelectedCase>,
    /// Every case of this filing where the action applies.
    pub filing_id: Option<String>,
    /// Every case of this project where the action applies.
    pub project_id: Option<String>,
}

/// What happened to one case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub id: String,
    pub receipt_number: Option<String>,
    /// `applied`, `skipped` (not possible in the case's state) or `failed` (changed since it
    /// was seen, not found, not allowed…).
    pub outcome: &'static str,
    /// The case's status (after the action, when applied).
    pub status: Option<String>,
    /// The case's version (after the action, when applied): its new ETag.
    pub version: Option<i64>,
    /// Why it was skipped or failed, as a problem code (`invalid_transition`,
    /// `precondition_failed`, `not_found`…) and words.
    pub code: Option<String>,
    pub message: Option<String>,
}

/// The answer: per case, and the counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkAnswer {
    pub results: Vec<BulkOutcome>,
    pub applied: usize,
    pub skipped: usize,
    pub failed: usize,
}

const BULK_ACTIONS: [ActionKind; 3] = [
    ActionKind::Assign,
    ActionKind::StartReview,
    ActionKind::RequestEvidence,
];

/// Runs a bulk action.
pub fn run(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    input: BulkInput,
) -> Result<BulkAnswer, ServiceError> {
    if !matches!(user.role, Role::Officer | Role::Supervisor) {
        return Err(ServiceError::Forbidden(
            "bulk actions are the desk's".into(),
        ));
    }
    let kind = input.action.kind();
    let mut errors = FieldErrors::new();
    if !BULK_ACTIONS.contains(&kind) {
        errors.add(
            "action",
            "a bulk action is assign, start_review or request_evidence",
        );
    }
    let scopes = usize::from(!input.cases.is_empty())
        + usize::from(input.filing_id.is_some())
        + usize::from(input.project_id.is_some());
    if scopes != 1 {
        errors.add(
            "cases",
            "name the cases, or a filing_id, or a project_id (one of them)",
        );
    }
    if input.cases.len() > MAX_CASES {
        errors.add("cases", format!("at most {MAX_CASES} cases at once"));
    }
    errors.finish()?;
    // (id, version to expect): the selected versions, or the current one of every case of
    // the filing or project (read now; a change between this read and the action is still
    // caught by the version check).
    let targets: Vec<(String, i64)> = if !input.cases.is_empty() {
        input
            .cases
            .iter()
            .map(|c| (c.id.trim().to_lowercase(), c.version))
            .collect()
    } else {
        let rows = match (&input.filing_id, &input.project_id) {
            (Some(filing), _) => database::cases::for_filing(conn, filing.trim())?,
            (_, Some(project)) => database::cases::in_project(conn, project.trim())?,
            _ => Vec::new(),
        };
        if rows.is_empty() {
            return Err(ServiceError::NotFound(if input.filing_id.is_some() {
                "filing"
            } else {
                "project"
            }));
        }
        if rows.len() > MAX_CASES {
            return Err(ServiceError::validation(
                "project_id",
                format!(
                    "the project has more than {MAX_CASES} cases: select them, or act per filing"
                ),
            ));
        }
        rows.into_iter().map(|r| (r.id, r.version)).collect()
    };
    let mut results = Vec::with_capacity(targets.len());
    for (id, version) in targets {
        let outcome = match apply_action(conn, ctx, user, &id, version, input.action.clone()) {
            Ok(case) => BulkOutcome {
                id,
                receipt_number: Some(case.receipt_number),
                outcome: "applied",
                status: Some(case.status),
                version: Some(case.version),
                code: None,
                message: None,
            },
            Err(e) => {
                let skipped = matches!(
                    &e,
                    ServiceError::Conflict {
                        code: "invalid_transition",
                        ..
                    }
                );
                let current = database::cases::find(conn, &id).ok().flatten();
                let visible = current.is_some() && !matches!(e, ServiceError::NotFound(_));
                let code = code_of(&e);
                BulkOutcome {
                    receipt_number: current
                        .as_ref()
                        .filter(|_| visible)
                        .map(|c| c.receipt_number.clone()),
                    status: current
                        .as_ref()
                        .filter(|_| visible)
                        .map(|c| c.status.clone()),
                    version: current.as_ref().filter(|_| visible).map(|c| c.version),
                    id,
                    outcome: if skipped { "skipped" } else { "failed" },
                    code: Some(code.to_owned()),
                    message: Some(describe(code, current.as_ref().map(|c| c.status.as_str()))),
                }
            }
        };
        results.push(outcome);
    }
    let count = |o: &str| results.iter().filter(|r| r.outcome == o).count();
    Ok(BulkAnswer {
        applied: count("applied"),
        skipped: count("skipped"),
        failed: count("failed"),
        results,
    })
}

/// The problem code the one-case path would answer with.
fn code_of(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::Conflict { code, .. } => code,
        ServiceError::PreconditionFailed { .. } => "precondition_failed",
        ServiceError::NotFound(_) => "not_found",
        ServiceError::Forbidden(_) => "forbidden",
        ServiceError::Validation(_) => "validation_failed",
        ServiceError::Unavailable(_) => "unavailable",
        _ => "internal",
    }
}

/// A reason in words, without details a reader may not have.
fn describe(code: &str, status: Option<&str>) -> String {
    match code {
        "invalid_transition" => format!(
            "not possible while the case is {}",
            status
                .and_then(|s| s.parse::<CaseStatus>().ok())
                .map(|s| s.as_str())
                .unwrap_or("in another state")
        ),
        "precondition_failed" => "the case changed since it was seen; reload and try again".into(),
        "not_found" => "no such case".into(),
        "forbidden" => "not allowed for this user".into(),
        "validation_failed" => "the action's fields are not valid for this case".into(),
        other => other.replace('_', " "),
    }
}
