-- A filing's ZIP of documents, staged between the preview and the filing: each file of the
-- ZIP is one entry, stored encrypted in the document store under `document_id` when its name
-- says where it goes (rowN_kind.ext, project_kind.ext) and its content is a PDF, JPEG or PNG,
-- or kept with the problem that stops it. Filing turns the entries into documents and removes
-- the bundle; `documents gc` removes bundles never filed after a day, and their objects.
CREATE TABLE document_bundles (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE bundle_entries (
    bundle_id TEXT NOT NULL REFERENCES document_bundles (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    line INTEGER,
    kind TEXT,
    document_id TEXT,
    filename TEXT NOT NULL,
    content_type TEXT,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT,
    problem TEXT,
    PRIMARY KEY (bundle_id, position)
);
CREATE INDEX bundle_entries_document_idx ON bundle_entries (document_id);
CREATE INDEX document_bundles_created_idx ON document_bundles (created_at);
