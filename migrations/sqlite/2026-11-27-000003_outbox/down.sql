DROP TABLE digests;
DROP TABLE digest_items;
DROP TABLE outbox;
