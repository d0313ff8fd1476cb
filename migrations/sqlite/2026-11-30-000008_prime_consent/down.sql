DROP TABLE prime_link_requests;
