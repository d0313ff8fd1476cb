//! The applicant's public status look-up: receipt number plus date of birth. A wrong date
//! of birth and an unknown receipt give the same answer, so the look-up cannot be used to
//! learn which receipts exist.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AppContext, ServiceError};
use crate::db::async_reads::AsyncReader;
use crate::db::cases::{self, StatusRow};
use crate::db::DbConnection;
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
    pub status: CaseStatus,
    pub message_en: &'static str,
    pub message_ko: &'static str,
    /// What happens next, when the desk has set it: the interview's time (Seoul, KST) and
    /// place.
    pub next_en: Option<String>,
    pub next_ko: Option<String>,
    #[serde(serialize_with = "time::json::instant")]
    pub updated_at: DateTime<Utc>,
}

/// Answers the look-up: on PostgreSQL next to this machine from the HTTP worker's own
/// connection (`db::async_reads`), elsewhere (and if that connection fails) on the pool.
/// Either way the answer comes within the request's deadline, or 503.
pub async fn find(ctx: &AppContext, query: StatusQuery) -> Result<PublicStatus, ServiceError> {
    let Some(reader) = ctx.async_reads.as_deref() else {
        return ctx.run(move |conn, _| lookup(conn, &query)).await;
    };
    let work = find_on(reader, ctx, query);
    match ctx.settings.work_deadline {
        Some(limit) => match tokio::time::timeout(limit, work).await {
            Ok(answer) => answer,
            Err(_) => {
                reader.forget_current();
                Err(super::deadline_passed(limit))
            }
        },
        None => work.await,
    }
}

async fn find_on(
    reader: &AsyncReader,
    ctx: &AppContext,
    query: StatusQuery,
) -> Result<PublicStatus, ServiceError> {
    let (receipt, dob) = parse(&query)?;
    let row = match reader.find(receipt.as_str()).await {
        Ok(row) => row,
        Err(e) => {
            tracing::warn!(error = %e, "status look-up: reading from the pool instead");
            return ctx.run(move |conn, _| lookup(conn, &query)).await;
        }
    };
    let (row, status) = matching(row, dob)?;
    let place = match (status, row.interview_at) {
        (CaseStatus::InterviewScheduled, Some(_)) => {
            let id = row.id.clone();
            ctx.run(move |conn, _| interview_place(conn, &id)).await?
        }
        _ => None,
    };
    Ok(answer(row, status, place))
}

/// Answers the look-up on `conn`.
pub fn lookup(conn: &mut DbConnection, query: &StatusQuery) -> Result<PublicStatus, ServiceError> {
    let (receipt, dob) = parse(query)?;
    let row = cases::find_status_by_receipt(conn, receipt.as_str())?;
    let (row, status) = matching(row, dob)?;
    let place = match (status, row.interview_at) {
        // Only scheduled cases pay for the second read (the look-up is frequent).
        (CaseStatus::InterviewScheduled, Some(_)) => interview_place(conn, &row.id)?,
        _ => None,
    };
    Ok(answer(row, status, place))
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("case with this receipt number and date of birth")
}

/// The receipt number and the date of birth, read once at the edge.
fn parse(query: &StatusQuery) -> Result<(ReceiptNumber, NaiveDate), ServiceError> {
    let receipt = ReceiptNumber::parse(&query.receipt_number).map_err(|_| not_found())?;
    // `YYYY-MM-DD`: chrono's `FromStr` reads the `%Y-%m-%d` of `parse_from_str` without
    // parsing a format string on every look-up
    let dob = query
        .date_of_birth
        .trim()
        .parse::<NaiveDate>()
        .map_err(|_| ServiceError::validation("date_of_birth", "must be a date as YYYY-MM-DD"))?;
    Ok((receipt, dob))
}

/// The case if its date of birth is the one given: a wrong date answers as an unknown receipt.
fn matching(
    row: Option<StatusRow>,
    dob: NaiveDate,
) -> Result<(StatusRow, CaseStatus), ServiceError> {
    let row = row
        .filter(|r| r.date_of_birth == dob)
        .ok_or_else(not_found)?;
    let status = row
        .status
        .parse()
        .map_err(|_| ServiceError::Internal("stored status unknown".into()))?;
    Ok((row, status))
}

/// Where the case's booked interview takes place, if it has a booking.
fn interview_place(conn: &mut DbConnection, case_id: &str) -> Result<Option<String>, ServiceError> {
    Ok(crate::db::interviews::find_booking(conn, case_id)?
        .and_then(|b| b.slot_id)
        .map(|slot| crate::db::interviews::find_slot(conn, &slot))
        .transpose()?
        .flatten()
        .map(|s| s.location))
}

fn answer(row: StatusRow, status: CaseStatus, place: Option<String>) -> PublicStatus {
    let (en, ko) = status.public_message();
    let (next_en, next_ko) = match (status, row.interview_at) {
        (CaseStatus::InterviewScheduled, Some(at)) => {
            let seoul = time::desk_time(time::from_stored(at));
            let (when_en, when_ko) = (time::appointment_en(&seoul), time::appointment_ko(&seoul));
            match place {
                Some(place) => (
                    Some(format!(
                        "Your interview: {when_en} KST (Seoul time), {place}."
                    )),
                    Some(format!(
                        "인터뷰 일시: {when_ko} KST (서울 시간), 장소: {place}."
                    )),
                ),
                None => (
                    Some(format!("Your interview: {when_en} KST (Seoul time).")),
                    Some(format!("인터뷰 일시: {when_ko} KST (서울 시간).")),
                ),
            }
        }
        _ => (None, None),
    };
    PublicStatus {
        next_en,
        next_ko,
        receipt_number: row.receipt_number,
        status,
        message_en: en,
        message_ko: ko,
        updated_at: time::from_stored(row.updated_at),
    }
}
