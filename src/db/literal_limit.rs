//! `LIMIT n` written into the SQL text instead of bound as a parameter.
//!
//! diesel binds `.limit(n)` and `.first()`'s `LIMIT 1` as parameters. PostgreSQL cannot cost
//! a cached statement's generic plan for an unknown limit (it assumes a tenth of the rows), so
//! for a query whose plan depends on the limit the generic plan looks far dearer than a custom
//! one, and every execution is planned again. The audit chain's last row (`ORDER BY seq DESC
//! LIMIT 1`, read by every filing and case action while they hold the chain's lock) was planned
//! on each use: 0 generic plans in 7 executions with the limit bound, a generic plan from the
//! first with it written in. A queue's first page goes generic after five executions; a keyset
//! page deeper in the list stays custom-planned either way (PostgreSQL plans each cursor's
//! range), as pgbench's copy of it does. Each distinct limit is its own cached statement; a
//! page size is one of a few values.
//!
//! A unique look-up (`.find(id).first()`) needs none of this: its row estimate is 1 whatever
//! the limit. Not for queries ending in a locking clause (`FOR UPDATE`), which must follow the
//! limit.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::QueryResult;

/// A query followed by ` LIMIT n`.
#[derive(Debug, Clone, Copy)]
pub struct LiteralLimit<Q> {
    query: Q,
    limit: u32,
}

/// `.limit_literal(n)` on any query without a limit of its own.
pub trait LiteralLimitDsl: Query + Sized {
    /// At most `limit` rows; a negative limit counts as 0.
    fn limit_literal(self, limit: i64) -> LiteralLimit<Self> {
        LiteralLimit {
            query: self,
            limit: u32::try_from(limit.max(0)).unwrap_or(u32::MAX),
        }
    }
}

impl<Q: Query> LiteralLimitDsl for Q {}

impl<Q: Query> Query for LiteralLimit<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for LiteralLimit<Q> {
    type QueryId = ();
    // The SQL text (which holds the limit) is the statement cache's key.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for LiteralLimit<Q>
where
    Q: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for LiteralLimit<Q> {}
