//! An `UPDATE` that diesel keeps prepared on its connection.
//!
//! diesel prepares an `UPDATE` again on every execution: the SQL of a changeset with optional
//! fields depends on which of them are set, so the number of distinct statements is, in
//! general, unbounded, and diesel will not cache any of them. A case's update comes from a
//! known set of actions, each setting the same few columns every time, so its texts are a
//! handful; wrapped, each distinct text (with its bind types) is one statement in the
//! connection's cache, as any query keyed by its SQL is. On PostgreSQL that spares the parse
//! and the plan of the officer action's one write (P5 in `docs/benchmarks.md`).
//!
//! Only for updates whose changesets come from a fixed set of code paths: never for a set of
//! columns a caller chooses.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::QueryResult;

/// A query cached by its SQL text even though it asks not to be.
#[derive(Debug, Clone, Copy)]
pub struct KeepPrepared<Q>(Q);

/// `.keep_prepared()` on an update statement.
pub trait KeepPreparedDsl: Sized {
    fn keep_prepared(self) -> KeepPrepared<Self> {
        KeepPrepared(self)
    }
}

impl<Q: Query> KeepPreparedDsl for Q {}

impl<Q: Query> Query for KeepPrepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for KeepPrepared<Q> {
    type QueryId = ();
    // The SQL text and the bind types are the statement cache's key.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for KeepPrepared<Q>
where
    Q: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for KeepPrepared<Q> {}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;

    use super::KeepPreparedDsl;

    diesel::table! {
        kept (id) {
            id -> Integer,
            a -> Nullable<Text>,
            b -> Nullable<Text>,
            version -> Integer,
        }
    }

    #[derive(AsChangeset)]
    #[diesel(table_name = kept)]
    struct Changes {
        a: Option<String>,
        b: Option<String>,
    }

    const TABLE: &str = "CREATE TEMPORARY TABLE kept (id INTEGER PRIMARY KEY, a TEXT, b TEXT, \
                         version INTEGER NOT NULL); INSERT INTO kept VALUES (1, NULL, NULL, 1);";

    /// The SQL of every statement the connection puts into its cache from now on.
    fn record_cached<C: Connection>(conn: &mut C) -> Arc<Mutex<Vec<String>>> {
        let cached = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&cached);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        });
        cached
    }

    macro_rules! updates_are_prepared_once_per_shape {
        ($conn:expr) => {{
            let conn = $conn;
            conn.batch_execute(TABLE).unwrap();
            let cached = record_cached(conn);
            let set_a = |v: &str| Changes {
                a: Some(v.into()),
                b: None,
            };
            let set_both = |v: &str| Changes {
                a: Some(v.into()),
                b: Some(v.into()),
            };
            let run = |conn: &mut _, changes: Changes, version: i32| {
                diesel::update(
                    kept::table
                        .filter(kept::id.eq(1))
                        .filter(kept::version.eq(version)),
                )
                .set((&changes, kept::version.eq(version + 1)))
                .returning(kept::version)
                .keep_prepared()
                .get_result::<i32>(conn)
                .unwrap()
            };
            // One shape, three values: prepared the first time, found in the cache after.
            assert_eq!(run(conn, set_a("x"), 1), 2);
            assert_eq!(run(conn, set_a("y"), 2), 3);
            assert_eq!(run(conn, set_a("z"), 3), 4);
            // Another shape is its own statement.
            assert_eq!(run(conn, set_both("w"), 4), 5);
            assert_eq!(run(conn, set_both("v"), 5), 6);
            let updates: Vec<String> = cached
                .lock()
                .unwrap()
                .iter()
                .filter(|sql| sql.starts_with("UPDATE"))
                .cloned()
                .collect();
            assert_eq!(updates.len(), 2, "{updates:#?}");
            // Quoted "b" on PostgreSQL, `b` on SQLite.
            let sets_b = |sql: &str| sql.contains("\"b\" = ") || sql.contains("`b` = ");
            assert!(!sets_b(&updates[0]) && sets_b(&updates[1]), "{updates:#?}");
            // Unwrapped, diesel caches no update at all.
            cached.lock().unwrap().clear();
            diesel::update(kept::table.filter(kept::id.eq(1)))
                .set(&set_a("u"))
                .execute(conn)
                .unwrap();
            assert!(cached.lock().unwrap().is_empty());
            let row: (Option<String>, Option<String>, i32) = kept::table
                .select((kept::a, kept::b, kept::version))
                .first(conn)
                .unwrap();
            assert_eq!(row, (Some("u".into()), Some("v".into()), 6));
        }};
    }

    #[test]
    fn an_update_of_one_shape_is_prepared_once() {
        updates_are_prepared_once_per_shape!(&mut SqliteConnection::establish(":memory:").unwrap());
        // On PostgreSQL too, where a cached statement is a named prepared statement.
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            updates_are_prepared_once_per_shape!(&mut PgConnection::establish(&url).unwrap());
        }
    }
}
