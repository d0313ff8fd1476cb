-- An iCalendar invitation (RFC 5545) sent with the mail, for interview mails.
ALTER TABLE outbox ADD COLUMN calendar TEXT;
