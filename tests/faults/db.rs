//! Reading kitdesk's tables directly, to check what a crash left behind.

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

#[derive(QueryableByName, Debug)]
pub struct CaseRow {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub filing_id: String,
    #[diesel(sql_type = Text)]
    pub receipt_number: String,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub status: String,
}

#[derive(QueryableByName, Debug)]
pub struct FilingRow {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Integer)]
    pub worker_count: i32,
    #[diesel(sql_type = BigInt)]
    pub cases: i64,
}

#[derive(QueryableByName, Debug)]
pub struct OutboxRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub case_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub audience: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub message_id: String,
}

pub fn cases(conn: &mut PgConnection) -> Vec<CaseRow> {
    diesel::sql_query("SELECT id, filing_id, receipt_number, given_name, status FROM cases")
        .load(conn)
        .expect("cases")
}

pub fn filings(conn: &mut PgConnection) -> Vec<FilingRow> {
    diesel::sql_query(
        "SELECT f.id, f.worker_count, (SELECT count(*) FROM cases c WHERE c.filing_id = f.id) AS cases \
         FROM filings f",
    )
    .load(conn)
    .expect("filings")
}

pub fn outbox(conn: &mut PgConnection) -> Vec<OutboxRow> {
    diesel::sql_query("SELECT kind, case_id, audience, state, message_id FROM outbox")
        .load(conn)
        .expect("outbox")
}

pub fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::select(diesel::dsl::sql::<BigInt>(&format!("({sql})")))
        .get_result(conn)
        .expect("count")
}

pub fn execute(conn: &mut PgConnection, sql: &str) {
    conn.batch_execute(sql).expect("sql");
}
