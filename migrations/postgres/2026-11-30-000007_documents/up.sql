-- Documents: metadata and the SHA-256 of the plaintext here; the encrypted body in the
-- document store (object first, row second: no row ever points to a missing object). A
-- document belongs to a case, or to a project (a sales contract covers every worker sent
-- under it).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    case_id TEXT REFERENCES cases (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    sponsor_id TEXT NOT NULL REFERENCES sponsors (id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    review_note TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_case_idx ON documents (case_id);
CREATE INDEX documents_project_idx ON documents (project_id, case_id);
CREATE INDEX documents_status_idx ON documents (status);
