DROP TABLE mfa_challenges;
DROP TABLE recovery_codes;
DROP TABLE totp_factors;
ALTER TABLE users DROP COLUMN second_factor;
