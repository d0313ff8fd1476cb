//! Documents: evidence uploaded to a case or to a project (one sales contract covers every
//! worker sent under it), read on a need-to-know basis (INA 222(f)), reviewed by the desk.
//! Confirming a document confirms the evidence rules that name its kind and re-evaluates the
//! cases; rejecting tells the employer why.
//!
//! The bodies live in `crate::storage`, encrypted with a key per document; this module owns
//! who may do what, the limits, the rows, the audit and the order of writes (object first,
//! row second), and the clean-ups (`gc` of orphans, `purge` for retention).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::{access, audit, FieldErrors, ServiceError};
use crate::db::documents::{self as store, DocumentRow};
use crate::db::notes::{self, NoteRow};
use crate::db::{self as database, cases, projects, DbConnection};
use crate::domain::document::{DocumentKind, DocumentStatus, FileType};
use crate::domain::{time, Role};
use crate::storage::{DocumentKey, StorageError, Written};

/// Upload limits (configurable: `KITDESK_DOCUMENT_MAX_BYTES`, `KITDESK_CASE_DOCUMENTS_MAX_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    /// One file.
    pub file_bytes: u64,
    /// All of a case's (or a project's) own documents.
    pub total_bytes: u64,
    /// A batch's ZIP of documents (docs/documents.md), as sent and once unpacked.
    pub bundle_bytes: u64,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        DocumentLimits {
            file_bytes: 20_000_000,
            total_bytes: 200_000_000,
            bundle_bytes: 500_000_000,
        }
    }
}

impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Store(object_store::Error::NotFound { .. }) => {
                ServiceError::NotFound("document")
            }
            StorageError::Store(_) => ServiceError::Unavailable(e.to_string()),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

/// Where an upload goes.
#[derive(Debug, Clone)]
pub enum UploadTarget {
    Case(String),
    Project(String),
}

/// An upload the user may make, with its id, key and how many bytes it may still take.
#[derive(Debug, Clone)]
pub struct UploadPlan {
    pub document_id: String,
    pub case_id: Option<String>,
    pub project_id: String,
    pub sponsor_id: String,
    pub key: DocumentKey,
    /// The most this file may hold: the per-file limit, or what is left of the total.
    pub max_bytes: u64,
    pub limits: DocumentLimits,
}

/// A document as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    #[schema(value_type = String)]
    pub kind: DocumentKind,
    pub filename: String,
    /// Bytes of the file as uploaded.
    pub size: i64,
    /// SHA-256 of the file as uploaded, hex.
    pub sha256: String,
    /// The type told from the content: application/pdf, image/jpeg or image/png.
    pub content_type: String,
    /// submitted, confirmed or rejected.
    pub status: String,
    /// `case` (uploaded to this case) or `project` (the project's, shared by its cases).
    pub origin: String,
    pub case_id: Option<String>,
    pub project_id: String,
    pub uploaded_at: DateTime<Utc>,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

fn view(row: DocumentRow) -> Result<DocumentView, ServiceError> {
    let kind = row
        .kind
        .parse()
        .map_err(|_| ServiceError::Internal(format!("stored kind {:?} unknown", row.kind)))?;
    Ok(DocumentView {
        origin: if row.case_id.is_some() {
            "case".into()
        } else {
            "project".into()
        },
        id: row.id,
        kind,
        filename: row.filename,
        size: row.size_bytes,
        sha256: row.sha256,
        content_type: row.content_type,
        status: row.status,
        case_id: row.case_id,
        project_id: row.project_id,
        uploaded_at: time::from_stored(row.uploaded_at),
        review_note: row.review_note,
        reviewed_at: row.reviewed_at.map(time::from_stored),
    })
}

/// The key of one document's body: derived from the secret and the document id.
pub fn document_key(ctx: &super::AppContext, document_id: &str) -> DocumentKey {
    super::secrets::hmac_sha256(&ctx.secrets.document_encryption, document_id.as_bytes())
}

fn admins_read_no_documents() -> ServiceError {
    ServiceError::Forbidden(
        "administrators manage accounts; documents are for the desk and the sponsor".into(),
    )
}

/// Checks that `user` may upload to `target` and works out the room left.
pub fn plan_upload(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    target: &UploadTarget,
) -> Result<UploadPlan, ServiceError> {
    if user.role == Role::Admin {
        return Err(admins_read_no_documents());
    }
    let limits = ctx.settings.documents;
    let (case_id, project_id, sponsor_id, used) = match target {
        UploadTarget::Case(id) => {
            let case = super::cases::load_visible(conn, user, id)?;
            if !access::may_record_for(conn, user, &case.sponsor_id)? {
                return Err(ServiceError::NotFound("case"));
            }
            if !super::eligibility::UNDECIDED.contains(&case.status.as_str()) {
                return Err(ServiceError::conflict(
                    "case_closed",
                    format!(
                        "the case is {}: documents are added before a decision",
                        case.status
                    ),
                ));
            }
            let used = store::case_bytes(conn, &case.id)?;
            (Some(case.id), case.project_id, case.sponsor_id, used)
        }
        UploadTarget::Project(id) => {
            let project = projects::find(conn, id)?.ok_or(ServiceError::NotFound("project"))?;
            if !access::may_record_for(conn, user, &project.sponsor_id)? {
                return Err(ServiceError::NotFound("project"));
            }
            let used = store::project_bytes(conn, &project.id)?;
            (None, project.id, project.sponsor_id, used)
        }
    };
    let left = limits
        .total_bytes
        .saturating_sub(u64::try_from(used).unwrap_or(u64::MAX));
    if left == 0 {
        return Err(ServiceError::PayloadTooLarge(format!(
            "the documents here already take the {} bytes allowed",
            limits.total_bytes
        )));
    }
    let document_id = Uuid::now_v7().to_string();
    Ok(UploadPlan {
        key: document_key(ctx, &document_id),
        document_id,
        case_id,
        project_id,
        sponsor_id,
        max_bytes: limits.file_bytes.min(left),
        limits,
    })
}

/// Records a stored upload: its row and audit row in one transaction. Call only once the
/// object is complete (a crash before this leaves an orphan object, never a dangling row).
pub fn record_upload(
    conn: &mut DbConnection,
    user: &AuthUser,
    plan: &UploadPlan,
    kind: DocumentKind,
    filename: &str,
    file_type: FileType,
    written: &Written,
) -> Result<DocumentView, ServiceError> {
    let row = DocumentRow {
        id: plan.document_id.clone(),
        case_id: plan.case_id.clone(),
        project_id: plan.project_id.clone(),
        sponsor_id: plan.sponsor_id.clone(),
        kind: kind.as_str().to_owned(),
        filename: filename.to_owned(),
        content_type: file_type.mime().to_owned(),
        size_bytes: i64::try_from(written.size).unwrap_or(i64::MAX),
        sha256: written.sha256.clone(),
        status: DocumentStatus::Submitted.as_str().to_owned(),
        review_note: None,
        reviewed_by: None,
        reviewed_at: None,
        uploaded_by: user.id.clone(),
        uploaded_at: time::now(),
    };
    database::write_tx(conn, |conn| {
        store::insert(conn, &row)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "document.uploaded",
                row.case_id.as_deref(),
                Some(&row.id),
                json!({"kind": row.kind, "project_id": row.project_id, "size": row.size_bytes, "sha256": row.sha256}),
            )],
        )?;
        Ok::<(), ServiceError>(())
    })?;
    view(row)
}

/// A case's documents and its project's, each marked with its origin.
pub fn list_for_case(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
) -> Result<Vec<DocumentView>, ServiceError> {
    let case = super::cases::load_visible(conn, user, case_id)?;
    store::for_case(conn, &case.id, &case.project_id)?
        .into_iter()
        .map(view)
        .collect()
}

/// A project's own documents.
pub fn list_for_project(
    conn: &mut DbConnection,
    user: &AuthUser,
    project_id: &str,
) -> Result<Vec<DocumentView>, ServiceError> {
    if user.role == Role::Admin {
        return Err(admins_read_no_documents());
    }
    let project = projects::find(conn, project_id)?.ok_or(ServiceError::NotFound("project"))?;
    if !access::may_read(conn, user, &project.sponsor_id)? {
        return Err(ServiceError::NotFound("project"));
    }
    store::for_project(conn, &project.id)?
        .into_iter()
        .map(view)
        .collect()
}

/// Loads a document `user` may read, for a download, and writes the download to the audit
/// trail (who, which document, when). Another sponsor's document is a 404.
pub fn open_for_download(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    id: &str,
) -> Result<(DocumentRow, DocumentKey), ServiceError> {
    if user.role == Role::Admin {
        return Err(admins_read_no_documents());
    }
    let row = store::find(conn, id)?.ok_or(ServiceError::NotFound("document"))?;
    let readable = match user.role {
        Role::Officer | Role::Supervisor => true,
        Role::Employer | Role::Admin => access::may_read(conn, user, &row.sponsor_id)?,
    };
    if !readable {
        return Err(ServiceError::NotFound("document"));
    }
    database::write_tx(conn, |conn| {
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "document.downloaded",
                row.case_id.as_deref(),
                Some(&row.id),
                json!({"kind": row.kind}),
            )],
        )
        .map_err(ServiceError::from)
    })?;
    let key = document_key(ctx, &row.id);
    Ok((row, key))
}

/// The desk's review of a document.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `confirmed` or `rejected`.
    pub decision: String,
    /// Why: what the officer found (shown to the employer on a rejection).
    pub note: String,
}

/// Confirms or rejects a document (the desk). Confirming marks `confirmed` the evidence rules
/// that name its kind, on its case or on every undecided case of its project, and re-evaluates
/// those cases; rejecting writes the reason on the case(s), where the employer reads it, and
/// mails the sponsor's users.
pub fn review(
    conn: &mut DbConnection,
    ctx: &super::AppContext,
    user: &AuthUser,
    id: &str,
    input: ReviewInput,
) -> Result<DocumentView, ServiceError> {
    if !user.role.is_desk() {
        return Err(ServiceError::Forbidden(
            "documents are reviewed by the desk".into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let decision = match input.decision.as_str() {
        "confirmed" => Some(DocumentStatus::Confirmed),
        "rejected" => Some(DocumentStatus::Rejected),
        _ => {
            errors.add("decision", "must be confirmed or rejected");
            None
        }
    };
    let note = input.note.trim().to_owned();
    if note.is_empty() {
        errors.add("note", "is required: record what you found");
    } else if note.chars().count() > 4000 {
        errors.add("note", "must be at most 4000 characters");
    }
    errors.finish()?;
    let decision = decision.ok_or_else(|| ServiceError::Internal("no decision".into()))?;
    let book = ctx.rules.refresh(conn)?;
    database::write_tx(conn, |conn| {
        let row = store::find(conn, id)?.ok_or(ServiceError::NotFound("document"))?;
        let now = time::now();
        if !store::set_review(conn, id, decision.as_str(), &note, &user.id, now)? {
            return Err(ServiceError::conflict(
                "already_reviewed",
                format!("the document was {} already", row.status),
            ));
        }
        let kind: DocumentKind = row
            .kind
            .parse()
            .map_err(|_| ServiceError::Internal("stored kind unknown".into()))?;
        let targets = match &row.case_id {
            Some(case_id) => cases::find(conn, case_id)?.into_iter().collect::<Vec<_>>(),
            None => cases::open_in_project(conn, &row.project_id, super::eligibility::UNDECIDED)?,
        };
        let rules: BTreeSet<String> = book
            .all_rules()
            .filter(|r| r.document.as_deref() == Some(kind.as_str()))
            .map(|r| r.id.clone())
            .collect();
        let mut confirmed_on = Vec::new();
        for case in &targets {
            let open = super::eligibility::UNDECIDED.contains(&case.status.as_str());
            let confirmed = decision == DocumentStatus::Confirmed;
            if confirmed && open {
                for rule in &rules {
                    crate::db::rules::insert_confirmation(
                        conn, &case.id, rule, &note, &user.id, now,
                    )?;
                }
                confirmed_on.push(case.id.clone());
            }
            let text =
                super::action_notes::document_reviewed(confirmed, kind, &row.filename, &note);
            notes::insert(
                conn,
                &NoteRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: case.id.clone(),
                    author_id: user.id.clone(),
                    visibility: "shared".into(),
                    body: text.en,
                    created_at: now,
                    body_ko: Some(text.ko),
                },
            )?;
        }
        for case_id in &confirmed_on {
            if let Some(case) = cases::find(conn, case_id)? {
                super::eligibility::reevaluate_case(conn, ctx, &case, "confirm_evidence")?;
            }
        }
        if decision == DocumentStatus::Rejected {
            crate::notify::enqueue::document_rejected(
                conn,
                &row,
                kind,
                &note,
                crate::notify::enqueue::Links(&ctx.settings.public_url),
            )?;
        }
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                &format!("document.{}", decision.as_str()),
                row.case_id.as_deref(),
                Some(&row.id),
                json!({"kind": row.kind, "note": note, "rules": rules, "cases": confirmed_on}),
            )],
        )?;
        let updated = store::find(conn, id)?.ok_or(ServiceError::NotFound("document"))?;
        view(updated)
    })
}

/// What `gc` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GcReport {
    pub objects: usize,
    pub orphans_removed: usize,
    /// Orphans younger than the grace period (an upload may be finishing).
    pub orphans_kept: usize,
    /// ZIPs of documents staged for a filing that never came (after a day).
    pub bundles_expired: usize,
}

/// Removes objects no row references, older than `grace` (an upload between its object and
/// its row must not lose its object).
pub async fn gc(
    ctx: &super::AppContext,
    grace: chrono::Duration,
) -> Result<GcReport, ServiceError> {
    let bundles_expired = ctx.run(|conn, _| super::bundles::expire(conn)).await?;
    let objects = ctx.documents.list().await?;
    let ids: Vec<String> = objects.iter().map(|o| o.document_id.clone()).collect();
    // Referenced: by a document, or by a ZIP's file staged for a filing.
    let existing: BTreeSet<String> = ctx
        .run(move |conn, _| {
            let mut found = store::existing_ids(conn, &ids)?;
            found.extend(crate::db::bundles::staged_ids(conn, &ids)?);
            Ok(found)
        })
        .await?
        .into_iter()
        .collect();
    let cutoff = Utc::now() - grace;
    let mut report = GcReport {
        objects: objects.len(),
        bundles_expired,
        ..GcReport::default()
    };
    for object in objects {
        if existing.contains(&object.document_id) {
            continue;
        }
        if object.last_modified > cutoff {
            report.orphans_kept += 1;
            continue;
        }
        ctx.documents.delete(&object.document_id).await?;
        report.orphans_removed += 1;
    }
    Ok(report)
}

/// What `purge` did (or would do, in a dry run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    pub documents: usize,
    pub bytes: i64,
    pub dry_run: bool,
}

/// Retention: removes the documents of cases closed before `before` (refused, withdrawn, visa
/// issued, ESTA advised): the row first (audited), then the object, so that a crash leaves an
/// orphan for `gc`, never a row without its object.
pub async fn purge(
    ctx: &super::AppContext,
    before: NaiveDate,
    dry_run: bool,
) -> Result<PurgeReport, ServiceError> {
    let rows = ctx
        .run(move |conn, _| Ok(store::of_cases_closed_before(conn, before)?))
        .await?;
    let mut report = PurgeReport {
        dry_run,
        ..PurgeReport::default()
    };
    for row in rows {
        report.documents += 1;
        report.bytes += row.size_bytes;
        if dry_run {
            continue;
        }
        let id = row.id.clone();
        ctx.run(move |conn, _| {
            database::write_tx(conn, |conn| {
                store::delete(conn, &row.id)?;
                database::audit::append(
                    conn,
                    &[audit::entry(
                        None,
                        "document.purged",
                        row.case_id.as_deref(),
                        Some(&row.id),
                        json!({"kind": row.kind, "retention_before": before}),
                    )],
                )?;
                Ok::<(), ServiceError>(())
            })
        })
        .await?;
        ctx.documents.delete(&id).await?;
    }
    Ok(report)
}
