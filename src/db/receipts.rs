//! Receipt sequences per fiscal year. The increment is one statement that both backends
//! run as an upsert with RETURNING; the row it touches stays locked until the filing's
//! transaction ends, so concurrent filings take consecutive blocks and a rolled-back filing
//! gives its numbers back (no gaps, no repeats).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use super::DbConnection;

#[derive(QueryableByName)]
struct LastSequence {
    #[diesel(sql_type = BigInt)]
    last_sequence: i64,
}

/// Reserves `count` consecutive sequence numbers in `fiscal_year`; returns the first.
pub fn reserve(conn: &mut DbConnection, fiscal_year: i32, count: i64) -> QueryResult<i64> {
    let sql = match conn {
        DbConnection::Pg(_) => {
            "INSERT INTO receipt_counters (fiscal_year, last_sequence) VALUES ($1, $2) \
             ON CONFLICT (fiscal_year) DO UPDATE SET last_sequence = receipt_counters.last_sequence + $2 \
             RETURNING last_sequence"
        }
        DbConnection::Sqlite(_) => {
            "INSERT INTO receipt_counters (fiscal_year, last_sequence) VALUES (?1, ?2) \
             ON CONFLICT (fiscal_year) DO UPDATE SET last_sequence = receipt_counters.last_sequence + ?2 \
             RETURNING last_sequence"
        }
    };
    let row: LastSequence = diesel::sql_query(sql)
        .bind::<Integer, _>(fiscal_year)
        .bind::<BigInt, _>(count)
        .get_result(conn)?;
    Ok(row.last_sequence - count + 1)
}
