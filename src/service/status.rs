//! The applicant's public status look-up: receipt number plus date of birth. A wrong date
//! of birth and an unknown receipt give the same answer, so the look-up cannot be used to
//! learn which receipts exist.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ServiceError;
use crate::db::{cases, DbConnection};
use crate::domain::{time, CaseStatus, ReceiptNumber};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    pub receipt_number: String,
    pub date_of_birth: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStatus {
    pub receipt_number: String,
    pub status: String,
    pub message_en: String,
    pub message_ko: String,
    /// What happens next, when the desk has set it: the interview's time (Seoul, KST) and
    /// place.
    pub next_en: Option<String>,
    pub next_ko: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub fn lookup(conn: &mut DbConnection, query: &StatusQuery) -> Result<PublicStatus, ServiceError> {
    let not_found = || ServiceError::NotFound("case with this receipt number and date of birth");
    let receipt = ReceiptNumber::parse(&query.receipt_number).map_err(|_| not_found())?;
    let dob = NaiveDate::parse_from_str(query.date_of_birth.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::validation("date_of_birth", "must be a date as YYYY-MM-DD"))?;
    let row = cases::find_status_by_receipt(conn, receipt.as_str())?.ok_or_else(not_found)?;
    if row.date_of_birth != dob {
        return Err(not_found());
    }
    let status: CaseStatus = row
        .status
        .parse()
        .map_err(|_| ServiceError::Internal("stored status unknown".into()))?;
    let (en, ko) = status.public_message();
    let (next_en, next_ko) = match (status, row.interview_at) {
        (CaseStatus::InterviewScheduled, Some(at)) => {
            // Only scheduled cases pay for the second read (the look-up is frequent).
            let place = crate::db::interviews::find_booking(conn, &row.id)?
                .and_then(|b| b.slot_id)
                .map(|slot| crate::db::interviews::find_slot(conn, &slot))
                .transpose()?
                .flatten()
                .map(|s| s.location);
            let when = time::seoul_label(time::from_stored(at));
            match place {
                Some(place) => (
                    Some(format!("Your interview: {when} (Seoul time), {place}.")),
                    Some(format!("인터뷰 일시: {when} (서울 시간), 장소: {place}.")),
                ),
                None => (
                    Some(format!("Your interview: {when} (Seoul time).")),
                    Some(format!("인터뷰 일시: {when} (서울 시간).")),
                ),
            }
        }
        _ => (None, None),
    };
    Ok(PublicStatus {
        next_en,
        next_ko,
        receipt_number: row.receipt_number,
        status: status.as_str().to_owned(),
        message_en: en.to_owned(),
        message_ko: ko.to_owned(),
        updated_at: time::from_stored(row.updated_at),
    })
}
