DROP TABLE bundle_entries;
DROP TABLE document_bundles;
