//! A ZIP of documents that comes with a batch (docs/documents.md, "A ZIP at filing").
//!
//! Each file's name says where it goes: `row12_passport_bio_page.pdf` to the worker on line 12
//! of the spreadsheet, `project_sales_contract.pdf` to the project. [`stage`] reads the ZIP
//! from a sealed spool, stores every file that goes somewhere (encrypted, as any document) and
//! keeps the rest with the reason it goes nowhere: the preview shows both. Filing
//! ([`attach_in_tx`], inside the filing's transaction) turns the staged files into the new
//! cases' and the project's documents, and refuses while any file goes nowhere, so that nothing
//! sent is silently dropped. A bundle never filed is removed by `documents gc` after a day.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::accounts::AuthUser;
use super::documents::{document_key, DocumentLimits};
use super::{access, audit, FieldError, ServiceError};
use crate::db::bundles::{self as store, BundleRow, EntryRow};
use crate::db::documents::{self as document_store, DocumentRow};
use crate::db::{self as database, projects, DbConnection};
use crate::domain::document::{
    is_archive_clutter, sanitize_filename, sniff, BundleNameProblem, BundleTarget, DocumentKind,
    DocumentStatus, FileType, SNIFF_BYTES,
};
use crate::domain::{time, Role};
use crate::spool::Spool;

/// Most files one ZIP may hold.
pub const MAX_FILES: usize = 2000;

/// How long a staged bundle waits to be filed before `gc` removes it.
pub const BUNDLE_LIFETIME_HOURS: i64 = 24;

/// Why a file of the ZIP goes nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblem {
    /// Neither `rowN_kind…` nor `project_kind…`.
    BadName,
    /// No document kind after `rowN_` or `project_`.
    UnknownKind,
    /// The spreadsheet has no worker on that line.
    NoSuchRow,
    /// Not a PDF, JPEG or PNG (told by content).
    UnsupportedType,
    /// Over the per-file limit, or over what one worker's documents may take.
    TooLarge,
    /// Encrypted, damaged or compressed in a way the desk cannot read.
    Unreadable,
}

impl EntryProblem {
    pub const ALL: [EntryProblem; 6] = [
        EntryProblem::BadName,
        EntryProblem::UnknownKind,
        EntryProblem::NoSuchRow,
        EntryProblem::UnsupportedType,
        EntryProblem::TooLarge,
        EntryProblem::Unreadable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryProblem::BadName => "bad_name",
            EntryProblem::UnknownKind => "unknown_kind",
            EntryProblem::NoSuchRow => "no_such_row",
            EntryProblem::UnsupportedType => "unsupported_type",
            EntryProblem::TooLarge => "too_large",
            EntryProblem::Unreadable => "unreadable",
        }
    }

    pub fn parse(text: &str) -> Option<EntryProblem> {
        EntryProblem::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// What to do about it, in English (the pages say it in the reader's language).
    pub fn message(self) -> &'static str {
        match self {
            EntryProblem::BadName => {
                "name it rowN_kind (N: the worker's line in the spreadsheet) or project_kind"
            }
            EntryProblem::UnknownKind => "the name has no document kind after rowN_ or project_",
            EntryProblem::NoSuchRow => "the spreadsheet has no worker on that line",
            EntryProblem::UnsupportedType => "not a PDF, JPEG or PNG (told by its content)",
            EntryProblem::TooLarge => "over the size allowed for one file or one worker",
            EntryProblem::Unreadable => "encrypted or damaged: the file cannot be read",
        }
    }

    fn from_name(problem: BundleNameProblem) -> EntryProblem {
        match problem {
            BundleNameProblem::BadName => EntryProblem::BadName,
            BundleNameProblem::UnknownKind => EntryProblem::UnknownKind,
        }
    }
}

/// One file of the ZIP and where it goes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BundleFile {
    /// The file's name (and folder) inside the ZIP.
    pub file: String,
    /// The worker's line in the spreadsheet, for a worker's document.
    pub line: Option<u32>,
    /// `row`, `project`, or null when the file goes nowhere.
    pub target: Option<String>,
    #[schema(value_type = Option<String>)]
    pub kind: Option<DocumentKind>,
    /// The type told from the content.
    pub content_type: Option<String>,
    pub size: i64,
    /// Why the file goes nowhere: bad_name, unknown_kind, no_such_row, unsupported_type,
    /// too_large or unreadable.
    pub problem: Option<String>,
    pub message: Option<String>,
}

impl BundleFile {
    pub fn problem(&self) -> Option<EntryProblem> {
        self.problem.as_deref().and_then(EntryProblem::parse)
    }
}

/// A staged ZIP: what the preview shows and what a filing names as `bundle_id`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BundleView {
    pub id: String,
    pub project_id: String,
    pub files: Vec<BundleFile>,
    /// Files that go to a worker or to the project.
    pub matched: usize,
    /// Files that go nowhere: filing refuses until they are renamed or left out.
    pub unmatched: usize,
}

impl BundleView {
    /// The files that go to the worker on `line`.
    pub fn for_line(&self, line: u32) -> impl Iterator<Item = &BundleFile> {
        self.files
            .iter()
            .filter(move |f| f.problem.is_none() && f.line == Some(line))
    }

    /// The files that go to the project.
    pub fn for_project(&self) -> impl Iterator<Item = &BundleFile> {
        self.files
            .iter()
            .filter(|f| f.problem.is_none() && f.target.as_deref() == Some("project"))
    }

    /// The files that go nowhere.
    pub fn unmatched_files(&self) -> impl Iterator<Item = &BundleFile> {
        self.files.iter().filter(|f| f.problem.is_some())
    }
}

fn view(bundle: &BundleRow, entries: &[EntryRow]) -> BundleView {
    let files: Vec<BundleFile> = entries
        .iter()
        .map(|e| {
            let problem = e.problem.as_deref().and_then(EntryProblem::parse);
            BundleFile {
                file: e.name.clone(),
                line: e.line.and_then(|l| u32::try_from(l).ok()),
                target: e.kind.as_ref().map(|_| {
                    if e.line.is_some() {
                        "row".into()
                    } else {
                        "project".into()
                    }
                }),
                kind: e.kind.as_deref().and_then(|k| k.parse().ok()),
                content_type: e.content_type.clone(),
                size: e.size_bytes,
                problem: problem.map(|p| p.as_str().to_owned()),
                message: problem.map(|p| p.message().to_owned()),
            }
        })
        .collect();
    let unmatched = files.iter().filter(|f| f.problem.is_some()).count();
    BundleView {
        id: bundle.id.clone(),
        project_id: bundle.project_id.clone(),
        matched: files.len() - unmatched,
        unmatched,
        files,
    }
}

/// What the reading thread tells the storing side.
enum Event {
    /// A file that goes nowhere by its name, or that could not be read.
    Refused {
        name: String,
        size: u64,
        target: Option<BundleTarget>,
        problem: EntryProblem,
    },
    /// A file that goes somewhere: its bytes follow, then `End` (or `Failed`).
    Begin {
        name: String,
        target: BundleTarget,
    },
    Data(Vec<u8>),
    End,
    Failed(EntryProblem),
}

/// Reads the ZIP (on a blocking thread) and sends its files, decompressed, in pieces of at
/// most 64 KiB; a file over `file_bytes` is cut short as too large (a ZIP bomb ends there).
fn read_zip(
    spool: &Spool,
    lines: &BTreeSet<u32>,
    file_bytes: u64,
    events: &tokio::sync::mpsc::Sender<Event>,
) -> Result<(), ServiceError> {
    let not_a_zip = |e: &dyn std::fmt::Display| {
        ServiceError::validation(
            "documents",
            format!("is not a ZIP file that can be read: {e}"),
        )
    };
    let reader = spool
        .reader()
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| not_a_zip(&e))?;
    if archive.len() > MAX_FILES {
        return Err(ServiceError::validation(
            "documents",
            format!("the ZIP holds {} files; at most {MAX_FILES}", archive.len()),
        ));
    }
    let send = |event: Event| {
        events
            .blocking_send(event)
            .map_err(|_| ServiceError::Internal("the storing side stopped".into()))
    };
    for index in 0..archive.len() {
        // The name as the ZIP spells it (UTF-8, or CP437 for old tools); a name that is no
        // text at all is shown with its bytes replaced.
        let name = match archive.name_for_index(index) {
            Some(Ok(name)) => name.into_owned(),
            _ => format!("#{}", index + 1),
        };
        if name.ends_with('/') || is_archive_clutter(&name) {
            continue;
        }
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::debug!(%name, error = %e, "a ZIP entry could not be opened");
                send(Event::Refused {
                    name,
                    size: 0,
                    target: None,
                    problem: EntryProblem::Unreadable,
                })?;
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let size = entry.size();
        let target = match BundleTarget::from_file_name(&name) {
            Ok(target) => target,
            Err(problem) => {
                send(Event::Refused {
                    name,
                    size,
                    target: None,
                    problem: EntryProblem::from_name(problem),
                })?;
                continue;
            }
        };
        if let BundleTarget::Row(line, _) = target {
            if !lines.contains(&line) {
                send(Event::Refused {
                    name,
                    size,
                    target: Some(target),
                    problem: EntryProblem::NoSuchRow,
                })?;
                continue;
            }
        }
        if size > file_bytes {
            send(Event::Refused {
                name,
                size,
                target: Some(target),
                problem: EntryProblem::TooLarge,
            })?;
            continue;
        }
        send(Event::Begin { name, target })?;
        let mut read = 0u64;
        let outcome = loop {
            let mut piece = vec![0u8; 64 * 1024];
            match entry.read(&mut piece) {
                Ok(0) => break Event::End,
                Ok(n) => {
                    read += n as u64;
                    if read > file_bytes {
                        break Event::Failed(EntryProblem::TooLarge);
                    }
                    piece.truncate(n);
                    send(Event::Data(piece))?;
                }
                Err(_) => break Event::Failed(EntryProblem::Unreadable),
            }
        };
        send(outcome)?;
    }
    Ok(())
}

/// The project of a batch `user` may file (its filers: employers of the sponsor, or of its
/// prime); another sponsor's project is "no such project" (422), as in a filing.
pub fn filer_project(
    conn: &mut DbConnection,
    user: &AuthUser,
    project_id: &str,
) -> Result<String, ServiceError> {
    if user.role != Role::Employer {
        return Err(ServiceError::Forbidden(
            "batches and their documents are filed by the sponsor's employer users".into(),
        ));
    }
    let project = projects::find(conn, project_id.trim())?
        .ok_or_else(|| ServiceError::validation("project_id", "no such project"))?;
    if !access::may_file_for(conn, user, &project.sponsor_id)? {
        return Err(ServiceError::validation("project_id", "no such project"));
    }
    Ok(project.id)
}

/// A file being stored.
struct Storing {
    position: i32,
    name: String,
    target: BundleTarget,
    document_id: String,
    /// Bytes read so far.
    bytes: u64,
    head: Vec<u8>,
    upload: Option<(crate::storage::Upload, FileType)>,
    problem: Option<EntryProblem>,
}

/// Stages a ZIP for a batch of `project_id` whose workers are on `lines` of the spreadsheet.
/// Files that go somewhere are stored (encrypted); the rest are kept with their reason.
pub async fn stage(
    ctx: &super::AppContext,
    user: &AuthUser,
    project_id: &str,
    spool: Spool,
    lines: BTreeSet<u32>,
) -> Result<BundleView, ServiceError> {
    let project_id = {
        let user = user.clone();
        let project_id = project_id.to_owned();
        ctx.run(move |conn, _| filer_project(conn, &user, &project_id))
            .await?
    };
    let limits = ctx.settings.documents;
    if spool.len() > limits.bundle_bytes {
        return Err(too_large_bundle(limits));
    }
    let (sender, mut events) = tokio::sync::mpsc::channel::<Event>(8);
    let reading =
        tokio::task::spawn_blocking(move || read_zip(&spool, &lines, limits.file_bytes, &sender));

    let mut entries: Vec<EntryRow> = Vec::new();
    let mut stored: Vec<String> = Vec::new();
    let bundle_id = Uuid::now_v7().to_string();
    // Bytes of the files stored so far, per worker (None: the project), and in all.
    let mut per_line: BTreeMap<Option<u32>, u64> = BTreeMap::new();
    let mut total = 0u64;
    let mut current: Option<Storing> = None;
    let outcome: Result<(), ServiceError> = async {
        while let Some(event) = events.recv().await {
            let position = i32::try_from(entries.len()).unwrap_or(i32::MAX);
            match event {
                Event::Refused {
                    name,
                    size,
                    target,
                    problem,
                } => entries.push(entry_row(
                    &bundle_id, position, &name, target, size, problem,
                )),
                Event::Begin { name, target } => {
                    current = Some(Storing {
                        position,
                        name,
                        target,
                        document_id: Uuid::now_v7().to_string(),
                        bytes: 0,
                        head: Vec::with_capacity(SNIFF_BYTES),
                        upload: None,
                        problem: None,
                    });
                }
                Event::Data(piece) => {
                    let Some(file) = current.as_mut() else {
                        continue;
                    };
                    file.bytes += piece.len() as u64;
                    if file.problem.is_some() {
                        continue;
                    }
                    let used = per_line.get(&line_of(file.target)).copied().unwrap_or(0);
                    if used + file.bytes > limits.total_bytes
                        || total + file.bytes > limits.bundle_bytes
                    {
                        file.problem = Some(EntryProblem::TooLarge);
                        if let Some((upload, _)) = file.upload.take() {
                            upload.abort().await;
                        }
                        continue;
                    }
                    if file.upload.is_none() {
                        file.head.extend_from_slice(&piece);
                        if file.head.len() < SNIFF_BYTES {
                            continue;
                        }
                        let Some(file_type) = sniff(&file.head) else {
                            file.problem = Some(EntryProblem::UnsupportedType);
                            continue;
                        };
                        let mut upload = ctx
                            .documents
                            .begin(&file.document_id, &document_key(ctx, &file.document_id))
                            .await?;
                        let head = std::mem::take(&mut file.head);
                        if let Err(e) = upload.write(&head).await {
                            upload.abort().await;
                            return Err(e.into());
                        }
                        file.upload = Some((upload, file_type));
                    } else if let Some((upload, _)) = file.upload.as_mut() {
                        upload.write(&piece).await?;
                    }
                }
                Event::Failed(problem) => {
                    if let Some(mut file) = current.take() {
                        if let Some((upload, _)) = file.upload.take() {
                            upload.abort().await;
                        }
                        let size = file.bytes;
                        entries.push(entry_row(
                            &bundle_id,
                            file.position,
                            &file.name,
                            Some(file.target),
                            size,
                            file.problem.unwrap_or(problem),
                        ));
                    }
                }
                Event::End => {
                    let Some(mut file) = current.take() else {
                        continue;
                    };
                    let problem = match (&file.problem, &file.upload) {
                        (Some(problem), _) => Some(*problem),
                        // shorter than any signature
                        (None, None) => Some(
                            sniff(&file.head)
                                .map(|_| EntryProblem::Unreadable)
                                .unwrap_or(EntryProblem::UnsupportedType),
                        ),
                        (None, Some(_)) => None,
                    };
                    if let Some(problem) = problem {
                        if let Some((upload, _)) = file.upload.take() {
                            upload.abort().await;
                        }
                        let size = file.bytes;
                        entries.push(entry_row(
                            &bundle_id,
                            file.position,
                            &file.name,
                            Some(file.target),
                            size,
                            problem,
                        ));
                        continue;
                    }
                    if let Some((upload, file_type)) = file.upload.take() {
                        let written = upload.finish().await?;
                        stored.push(file.document_id.clone());
                        *per_line.entry(line_of(file.target)).or_default() += written.size;
                        total += written.size;
                        let (line, kind) = split(file.target);
                        entries.push(EntryRow {
                            bundle_id: bundle_id.clone(),
                            position: file.position,
                            name: file.name.clone(),
                            line: line.and_then(|l| i32::try_from(l).ok()),
                            kind: Some(kind.as_str().to_owned()),
                            document_id: Some(file.document_id.clone()),
                            filename: sanitize_filename(&file.name, file_type),
                            content_type: Some(file_type.mime().to_owned()),
                            size_bytes: i64::try_from(written.size).unwrap_or(i64::MAX),
                            sha256: Some(written.sha256),
                            problem: None,
                        });
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    if let Some(file) = current.take() {
        if let Some((upload, _)) = file.upload {
            upload.abort().await;
        }
    }
    // The reading thread stops at its next send once nobody listens.
    drop(events);
    let read = reading
        .await
        .map_err(|e| ServiceError::Internal(format!("reading the ZIP failed: {e}")))
        .and_then(|r| r);
    let saved = match outcome.and(read) {
        Ok(()) => {
            let bundle = BundleRow {
                id: bundle_id.clone(),
                project_id,
                uploaded_by: user.id.clone(),
                created_at: time::now(),
            };
            let rows = entries.clone();
            ctx.run(move |conn, _| {
                database::write_tx(conn, |conn| {
                    store::insert(conn, &bundle, &rows).map_err(ServiceError::from)
                })?;
                Ok(view(&bundle, &rows))
            })
            .await
        }
        Err(e) => Err(e),
    };
    if saved.is_err() {
        for id in &stored {
            if let Err(e) = ctx.documents.delete(id).await {
                tracing::warn!(document = %id, error = %e, "could not remove a staged file");
            }
        }
    }
    saved
}

fn line_of(target: BundleTarget) -> Option<u32> {
    split(target).0
}

fn split(target: BundleTarget) -> (Option<u32>, DocumentKind) {
    match target {
        BundleTarget::Row(line, kind) => (Some(line), kind),
        BundleTarget::Project(kind) => (None, kind),
    }
}

fn entry_row(
    bundle_id: &str,
    position: i32,
    name: &str,
    target: Option<BundleTarget>,
    size: u64,
    problem: EntryProblem,
) -> EntryRow {
    let (line, kind) = match target.map(split) {
        Some((line, kind)) => (line, Some(kind)),
        None => (None, None),
    };
    EntryRow {
        bundle_id: bundle_id.to_owned(),
        position,
        name: name.to_owned(),
        line: line.and_then(|l| i32::try_from(l).ok()),
        kind: kind.map(|k| k.as_str().to_owned()),
        document_id: None,
        filename: name.to_owned(),
        content_type: None,
        size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
        sha256: None,
        problem: Some(problem.as_str().to_owned()),
    }
}

fn too_large_bundle(limits: DocumentLimits) -> ServiceError {
    ServiceError::PayloadTooLarge(format!(
        "the ZIP is larger than the {} bytes allowed for one batch's documents",
        limits.bundle_bytes
    ))
}

/// A staged bundle, for its uploader.
pub fn load(
    conn: &mut DbConnection,
    user: &AuthUser,
    bundle_id: &str,
) -> Result<BundleView, ServiceError> {
    let missing = || {
        ServiceError::validation(
            "bundle_id",
            "no such ZIP of documents (filed already, or older than a day): send it again",
        )
    };
    let bundle = store::find(conn, bundle_id.trim())?.ok_or_else(missing)?;
    if bundle.uploaded_by != user.id {
        return Err(missing());
    }
    let entries = store::entries(conn, &bundle.id)?;
    Ok(view(&bundle, &entries))
}

/// Inside the filing's transaction: turns the bundle's files into documents of the new cases
/// (by their lines) and of the project, writes their audit rows and removes the bundle. Any
/// file that goes nowhere refuses the filing (422 naming it), so that nothing is dropped.
pub fn attach_in_tx(
    conn: &mut DbConnection,
    user: &AuthUser,
    bundle_id: &str,
    project_id: &str,
    sponsor_id: &str,
    cases_by_line: &BTreeMap<u32, String>,
    limits: DocumentLimits,
) -> Result<usize, ServiceError> {
    let bundle = load(conn, user, bundle_id)?;
    if bundle.project_id != project_id {
        return Err(ServiceError::validation(
            "bundle_id",
            "this ZIP was sent for another project",
        ));
    }
    let entries = store::entries(conn, &bundle.id)?;
    let mut errors: Vec<FieldError> = Vec::new();
    for entry in &entries {
        let problem = match (&entry.problem, entry.line) {
            (Some(problem), _) => EntryProblem::parse(problem),
            (None, Some(line))
                if !u32::try_from(line).is_ok_and(|l| cases_by_line.contains_key(&l)) =>
            {
                Some(EntryProblem::NoSuchRow)
            }
            _ => None,
        };
        if let Some(problem) = problem {
            errors.push(FieldError {
                field: format!("documents/{}", entry.name),
                message: format!(
                    "{}; rename it or leave it out of the ZIP",
                    problem.message()
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let project_files: i64 = entries
        .iter()
        .filter(|e| e.line.is_none())
        .map(|e| e.size_bytes)
        .sum();
    if project_files > 0
        && document_store::project_bytes(conn, project_id)? + project_files
            > i64::try_from(limits.total_bytes).unwrap_or(i64::MAX)
    {
        return Err(ServiceError::PayloadTooLarge(format!(
            "the project's documents would take more than the {} bytes allowed",
            limits.total_bytes
        )));
    }
    let now = time::now();
    let mut audit_rows = Vec::with_capacity(entries.len());
    for entry in &entries {
        let (Some(document_id), Some(kind), Some(content_type), Some(sha256)) = (
            &entry.document_id,
            &entry.kind,
            &entry.content_type,
            &entry.sha256,
        ) else {
            continue;
        };
        let case_id = entry
            .line
            .and_then(|l| u32::try_from(l).ok())
            .and_then(|l| cases_by_line.get(&l))
            .cloned();
        let row = DocumentRow {
            id: document_id.clone(),
            case_id,
            project_id: project_id.to_owned(),
            sponsor_id: sponsor_id.to_owned(),
            kind: kind.clone(),
            filename: entry.filename.clone(),
            content_type: content_type.clone(),
            size_bytes: entry.size_bytes,
            sha256: sha256.clone(),
            status: DocumentStatus::Submitted.as_str().to_owned(),
            review_note: None,
            reviewed_by: None,
            reviewed_at: None,
            uploaded_by: user.id.clone(),
            uploaded_at: now,
        };
        document_store::insert(conn, &row)?;
        audit_rows.push(audit::entry(
            Some(user),
            "document.uploaded",
            row.case_id.as_deref(),
            Some(&row.id),
            json!({"kind": row.kind, "project_id": row.project_id, "size": row.size_bytes, "sha256": row.sha256, "zip": {"bundle_id": bundle.id, "file": entry.name}}),
        ));
    }
    store::delete(conn, &bundle.id)?;
    database::audit::append(conn, &audit_rows)?;
    Ok(audit_rows.len())
}

/// Removes bundles never filed within [`BUNDLE_LIFETIME_HOURS`]; their objects are then
/// orphans for `gc`. Returns how many went.
pub fn expire(conn: &mut DbConnection) -> Result<usize, ServiceError> {
    let cutoff = (Utc::now() - chrono::Duration::hours(BUNDLE_LIFETIME_HOURS)).naive_utc();
    let ids = store::created_before(conn, cutoff)?;
    database::write_tx(conn, |conn| {
        for id in &ids {
            store::delete(conn, id)?;
        }
        Ok::<(), ServiceError>(())
    })?;
    Ok(ids.len())
}
