//! R2: `kill -9` of the server while 200 filings are in flight. After a restart every filing
//! that was answered 2xx is present and whole, no filing is half there, and every mail that
//! the committed filings queued is delivered.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster::PgCluster;
use crate::server::{client, desk, filing, Mail, Setup};
use crate::smtp_sink::SmtpSink;
use crate::{bounded, db};

const FILINGS: usize = 200;
const WORKERS_PER_FILING: usize = 2;
/// The server is killed once this many filings have been answered.
const KILL_AFTER: usize = 60;

enum Outcome {
    Filed(Value),
    Refused(u16, String),
    Lost,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "fault test: run with scripts/faults"]
async fn r2_kill_9_with_200_filings_in_flight_loses_nothing_acknowledged() {
    bounded(Duration::from_secs(150), async {
        let cluster = tokio::task::spawn_blocking(PgCluster::start)
            .await
            .expect("cluster");
        let sink = SmtpSink::start().await;
        let setup = Setup {
            database_url: cluster.kitdesk_url(),
            mail: Mail::Smtp(sink.url()),
        };
        let mut server = setup.serve().await;
        let desk = desk(&setup, &server).await;

        // 200 filings at once, each with its own tagged workers.
        let http = client();
        let answered = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..FILINGS {
            let body = filing(&desk.project_id, &format!("r2f{i}"), WORKERS_PER_FILING);
            let request = http
                .post(server.url("/api/v1/filings"))
                .bearer_auth(&desk.employer)
                .json(&body);
            let answered = answered.clone();
            tasks.push(tokio::spawn(async move {
                let outcome = match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        Outcome::Filed(r.json().await.expect("filing body"))
                    }
                    Ok(r) => Outcome::Refused(r.status().as_u16(), r.text().await.unwrap_or_default()),
                    Err(_) => Outcome::Lost,
                };
                answered.fetch_add(1, Ordering::SeqCst);
                (i, outcome)
            }));
        }
        let started = Instant::now();
        while answered.load(Ordering::SeqCst) < KILL_AFTER {
            assert!(started.elapsed() < Duration::from_secs(60), "filings too slow");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.kill_hard();
        let killed_after = started.elapsed();

        let mut filed: HashMap<usize, Value> = HashMap::new();
        let mut refused = Vec::new();
        let mut lost = 0;
        for task in tasks {
            let (i, outcome) = task.await.expect("task");
            match outcome {
                Outcome::Filed(body) => {
                    filed.insert(i, body);
                }
                Outcome::Refused(status, body) => refused.push((i, status, body)),
                Outcome::Lost => lost += 1,
            }
        }
        assert!(refused.is_empty(), "answers other than 2xx: {refused:?}");
        assert!(lost > 0, "the kill came after every filing was answered");
        assert!(!filed.is_empty());

        let restart_started = Instant::now();
        let server = server.restart().await;
        let restart = restart_started.elapsed();

        // Every acknowledged filing is there, with its cases as filed.
        let mut conn = cluster.connect();
        let cases = db::cases(&mut conn);
        let by_id: HashMap<&str, &db::CaseRow> = cases.iter().map(|c| (c.id.as_str(), c)).collect();
        let officer = client();
        for (i, body) in &filed {
            let answered_cases = body["cases"].as_array().expect("cases");
            assert_eq!(answered_cases.len(), WORKERS_PER_FILING);
            for (n, case) in answered_cases.iter().enumerate() {
                let id = case["id"].as_str().expect("id");
                let row = by_id.get(id).unwrap_or_else(|| panic!("acknowledged case {id} of filing {i} is missing"));
                assert_eq!(row.filing_id, body["id"].as_str().expect("filing id"));
                assert_eq!(row.receipt_number, case["receipt_number"].as_str().expect("receipt"));
                assert_eq!(row.given_name, format!("Minjunr2f{i}x{n}"));
                assert_eq!(row.status, "filed");
                let response = officer
                    .get(server.url(&format!("/api/v1/cases/{id}")))
                    .bearer_auth(&desk.officer)
                    .send()
                    .await
                    .expect("read case");
                assert_eq!(response.status(), 200, "case {id} after restart");
            }
        }
        // All or nothing: no filing is half there, not even an unanswered one.
        let filings = db::filings(&mut conn);
        for f in &filings {
            assert_eq!(f.cases, i64::from(f.worker_count), "filing {} is partial", f.id);
        }
        let committed_unanswered = filings.len() - filed.len();

        // Every committed case has its receipt mail queued, every filing its one summary.
        let outbox = db::outbox(&mut conn);
        let mut applicant_rows: HashMap<&str, usize> = HashMap::new();
        for row in outbox.iter().filter(|r| r.audience == "applicant") {
            *applicant_rows.entry(row.case_id.as_deref().unwrap_or("")).or_default() += 1;
        }
        for case in &cases {
            assert_eq!(applicant_rows.get(case.id.as_str()), Some(&1), "receipt mail of {}", case.id);
        }
        // (the sponsor's verification mail is the employer's too: count the batch summaries)
        let employer_rows = outbox
            .iter()
            .filter(|r| r.audience == "employer" && r.kind == "employer_batch")
            .count();
        assert_eq!(employer_rows, filings.len(), "one summary per filing");

        // The restarted server delivers what was pending. Rows the killed worker had claimed
        // stay leased for 10 minutes (so that a slow live worker is never doubled); the test
        // moves their lease end to now, as if those minutes had passed, and expects them
        // delivered too, under the same Message-ID.
        let deadline = Instant::now() + Duration::from_secs(40);
        while db::count(&mut conn, "SELECT count(*) FROM outbox WHERE state = 'pending'") > 0 {
            assert!(Instant::now() < deadline, "pending mail not delivered after restart");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // The rows in flight (an upper bound for the copies resent below).
        let stranded = db::count(&mut conn, "SELECT count(*) FROM outbox WHERE state = 'sending'");
        // One query: two counts taken apart raced the restarted worker, which may finish
        // sending a row between them.
        let long_leases = db::count(
            &mut conn,
            "SELECT count(*) FROM outbox WHERE state = 'sending' \
             AND (lease_expires_at IS NULL \
                  OR lease_expires_at > (now() AT TIME ZONE 'UTC') + interval '10 minutes 5 seconds')",
        );
        assert_eq!(long_leases, 0, "a stranded lease longer than 10 minutes");
        db::execute(
            &mut conn,
            "UPDATE outbox SET lease_expires_at = (now() AT TIME ZONE 'UTC') - interval '1 second' \
             WHERE state = 'sending'",
        );
        while db::count(&mut conn, "SELECT count(*) FROM outbox WHERE state <> 'sent'") > 0 {
            assert!(Instant::now() < deadline, "mail not delivered after restart: {:?}",
                db::outbox(&mut conn).into_iter().filter(|r| r.state != "sent").collect::<Vec<_>>());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let received = sink.received();
        let mut copies: HashMap<String, usize> = HashMap::new();
        for mail in &received {
            *copies.entry(crate::smtp_sink::parse(&mail.raw).message_id()).or_default() += 1;
        }
        let outbox = db::outbox(&mut conn);
        let expected: HashSet<&str> = outbox.iter().map(|r| r.message_id.as_str()).collect();
        for id in &expected {
            assert!(copies.contains_key(*id), "{id} never reached the SMTP server");
        }
        let duplicates: usize = copies.values().map(|n| n - 1).sum();
        assert!(duplicates as i64 <= stranded, "{duplicates} resent, only {stranded} were in flight");
        assert!(copies.keys().all(|k| expected.contains(k.as_str())), "mail that no row queued");
        assert!(setup.audit_verifies(), "audit chain broken after the crash");

        println!(
            "FAULTS R2: {FILINGS} filings x {WORKERS_PER_FILING} workers sent; kill -9 after {} ms with {} answered 2xx, \
             {lost} cut off; {} filings in the database ({committed_unanswered} committed but unanswered), none partial; \
             restart to ready {} ms; {} mails delivered, {stranded} stranded under the dead worker's lease, {duplicates} sent twice; audit chain verifies",
            killed_after.as_millis(),
            filed.len(),
            filings.len(),
            restart.as_millis(),
            expected.len(),
        );
        drop(server);
    })
    .await;
}
