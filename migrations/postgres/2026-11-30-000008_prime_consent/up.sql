-- A registration naming a prime contractor is a request: the subcontractor is linked (and
-- the prime reads its cases) only once the prime's users accept it.
CREATE TABLE prime_link_requests (
    subcontractor_id TEXT PRIMARY KEY REFERENCES sponsors (id),
    prime_id TEXT NOT NULL REFERENCES sponsors (id),
    requested_at TIMESTAMP NOT NULL
);
CREATE INDEX prime_link_requests_prime_idx ON prime_link_requests (prime_id);
