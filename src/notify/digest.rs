//! The daily digest: for sponsors that chose `daily_digest`, the day's events on their
//! workers' cases go out as one mail per employer user, once per Seoul calendar day, from the
//! configured hour on. The `digests` table's unique (sponsor, day) key makes "once" hold
//! even when several instances check at the same moment.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use uuid::Uuid;

use super::enqueue::{outbox_row, EMPLOYER_DIGEST};
use super::messages::{self, DigestLine, DigestMail};
use super::NotifyError;
use crate::db::outbox;
use crate::db::{sponsors, users, write_tx, DbConnection};
use crate::domain::time;

/// Queues the digests due at `now`; returns how many sponsors got one.
pub fn send_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    digest_hour: u32,
) -> Result<usize, NotifyError> {
    let seoul = crate::domain::time::desk_time(now);
    if seoul.hour() < digest_hour {
        return Ok(0);
    }
    let mut sent = 0;
    for sponsor_id in outbox::sponsors_with_undigested(conn)? {
        if send_for_sponsor(conn, &sponsor_id, seoul.date())? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Gathers the sponsor's undigested events into the digest of `date`, in one transaction;
/// false when there was nothing to send or that day's digest already went out.
pub fn send_for_sponsor(
    conn: &mut DbConnection,
    sponsor_id: &str,
    date: NaiveDate,
) -> Result<bool, NotifyError> {
    write_tx(conn, |conn| {
        let items = outbox::undigested(conn, sponsor_id)?;
        if items.is_empty() {
            return Ok(false);
        }
        let now = time::now();
        let digest_id = Uuid::now_v7().to_string();
        let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
        if !outbox::record_digest(conn, &digest_id, sponsor_id, date, count, now)? {
            return Ok(false);
        }
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        outbox::assign_to_digest(conn, &ids, &digest_id)?;
        let sponsor = sponsors::find(conn, sponsor_id)?.ok_or(diesel::result::Error::NotFound)?;
        let mail = messages::digest_mail(&DigestMail {
            employer_en: sponsor.legal_name.clone(),
            employer_ko: sponsor.legal_name_ko.clone(),
            date,
            lines: items
                .into_iter()
                .map(|i| DigestLine {
                    ko: i.line_ko,
                    en: i.line_en,
                })
                .collect(),
        })?;
        let recipients = users::active_of_sponsor(conn, sponsor_id)?;
        if recipients.is_empty() {
            tracing::warn!(sponsor_id, "digest has no active employer user to go to");
        }
        let rows: Vec<_> = recipients
            .iter()
            .map(|u| {
                outbox_row(
                    EMPLOYER_DIGEST,
                    "employer",
                    &u.email,
                    None,
                    Some(sponsor_id),
                    &mail,
                    now,
                )
            })
            .collect();
        outbox::insert_many(conn, &rows)?;
        Ok(true)
    })
}
