//! Receipt sequences per fiscal year. The increment is one statement that both backends
//! run as an upsert with RETURNING; the row it touches stays locked until the filing's
//! transaction ends, so concurrent filings take consecutive blocks and a rolled-back filing
//! gives its numbers back (no gaps, no repeats). On PostgreSQL the upsert is a function
//! (`receipt_reserve`), so that it is a prepared statement.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use super::DbConnection;

#[derive(QueryableByName)]
struct LastSequence {
    #[diesel(sql_type = BigInt)]
    last_sequence: i64,
}

diesel::define_sql_function! {
    /// `receipt_reserve(year, count)`: the upsert below as a PL/pgSQL function (migration
    /// 000066), which diesel calls as a prepared statement.
    fn receipt_reserve(year: Integer, count: BigInt) -> BigInt;
}

/// Reserves `count` consecutive sequence numbers in `fiscal_year`; returns the first.
pub fn reserve(conn: &mut DbConnection, fiscal_year: i32, count: i64) -> QueryResult<i64> {
    let last = match conn {
        // Inside the window that holds the counter's row lock: prepared, not parsed and planned
        // on every filing (docs/benchmarks.md, P1).
        DbConnection::Pg(c) => {
            diesel::select(receipt_reserve(fiscal_year, count)).get_result::<i64>(c)?
        }
        DbConnection::Sqlite(c) => {
            let row: LastSequence = diesel::sql_query(
                "INSERT INTO receipt_counters (fiscal_year, last_sequence) VALUES (?1, ?2) \
                 ON CONFLICT (fiscal_year) DO UPDATE SET last_sequence = receipt_counters.last_sequence + ?2 \
                 RETURNING last_sequence",
            )
            .bind::<Integer, _>(fiscal_year)
            .bind::<BigInt, _>(count)
            .get_result(c)?;
            row.last_sequence
        }
    };
    Ok(last - count + 1)
}
