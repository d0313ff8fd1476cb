ALTER TABLE cases DROP COLUMN overstay_open;
DROP INDEX trips_open_admitted_idx;
DROP TABLE overstay_alerts;
ALTER TABLE trips DROP COLUMN admitted_until;
