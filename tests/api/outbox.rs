//! Notifications end to end: case changes queue bilingual mail in their own transaction, the
//! outbox worker delivers it to a real SMTP server on loopback, and no mail is lost or sent
//! twice when that server refuses, is down, or dies in the middle of a message.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use kitdesk::config::{Config, MailTransportConfig};
use kitdesk::db::outbox::{self, OutboxRow};
use kitdesk::domain::{time, Role};
use kitdesk::notify::enqueue::outbox_row;
use kitdesk::notify::messages::Rendered;
use kitdesk::notify::{digest, Mailer, RetryPolicy, Worker};
use kitdesk::service::{ServiceError, Settings};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_configured, TestApp, TestUser};
use crate::smtp_sink::{parse, Mail, SmtpSink};

const WAIT: Duration = Duration::from_secs(60);

/// Mail through SMTP at `url`, looked at often, retried quickly.
fn fast_smtp(config: &mut Config, url: String) {
    config.mail.transport = MailTransportConfig::Smtp {
        url,
        username: None,
        password: None,
    };
    config.outbox.poll_interval = Duration::from_millis(20);
    config.outbox.retry = RetryPolicy {
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_attempts: 1000,
        max_permanent_attempts: 2,
    };
}

async fn spawn_with_smtp(url: String) -> TestApp {
    spawn_app_configured(Settings::default(), move |c| fast_smtp(c, url)).await
}

async fn rows(app: &TestApp) -> Vec<OutboxRow> {
    app.ctx
        .run(|conn, _| outbox::list(conn, None, 100_000).map_err(ServiceError::from))
        .await
        .expect("outbox rows")
}

/// Queues `n` plain test mails straight into the outbox; returns their Message-IDs.
/// Test mail number `i` to an applicant, in Korean then English.
fn test_mail(i: usize, now: chrono::NaiveDateTime) -> OutboxRow {
    outbox_row(
        "test",
        "applicant",
        &format!("worker{i}@example.kr"),
        None,
        None,
        &Rendered {
            subject: format!("[KIT 데스크] 시험 {i} / [KIT Desk] Test {i}"),
            text: format!("시험 메일 {i}\n\nTest mail {i}"),
            html: format!("<p>시험 메일 {i}</p><p>Test mail {i}</p>"),
        },
        now,
    )
}

async fn enqueue(app: &TestApp, n: usize) -> Vec<String> {
    app.ctx
        .run(move |conn, _| {
            let now = time::now();
            let rows: Vec<OutboxRow> = (0..n).map(|i| test_mail(i, now)).collect();
            outbox::insert_many(conn, &rows)?;
            Ok(rows.into_iter().map(|r| r.message_id).collect())
        })
        .await
        .expect("enqueue")
}

/// Waits until every row is in `state`.
async fn wait_all(app: &TestApp, state: &str) -> Vec<OutboxRow> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        // Cancelled rows (reminders that no longer apply) are final and never sent.
        let all: Vec<OutboxRow> = rows(app)
            .await
            .into_iter()
            .filter(|r| r.state != outbox::CANCELLED)
            .collect();
        if !all.is_empty() && all.iter().all(|r| r.state == state) {
            return all;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all rows became {state}: {:?}",
            all.iter()
                .map(|r| (&r.state, r.attempts))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts each expected Message-ID arrived exactly once and nothing else did.
fn assert_exactly_once(received: &[crate::smtp_sink::Received], expected: &[String]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in received {
        *seen.entry(parse(&r.raw).message_id()).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let expected: HashSet<&String> = expected.iter().collect();
    let got: HashSet<&String> = seen.keys().collect();
    assert_eq!(got, expected, "delivered set differs from queued set");
}

fn mails_to<'a>(mails: &'a [Mail], address: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.header("To").is_some_and(|to| to.contains(address)))
        .collect()
}

fn korean_before_english(mail: &Mail) {
    for body in [&mail.text, &mail.html] {
        let ko = body.find("KIT 데스크").expect("Korean part");
        let en = body.find("KIT Desk").expect("English part");
        assert!(ko < en, "Korean must come first in {:?}", mail.subject);
    }
    assert!(mail.html.contains("lang=\"ko\"") && mail.html.contains("lang=\"en\""));
}

async fn act(app: &TestApp, user: &TestUser, case: &str, action: Value) {
    app.act_ok(user, case, action).await;
}

#[tokio::test]
async fn case_events_mail_the_applicant_and_the_employer_in_korean_then_english() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_smtp(sink.url()).await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let employer = &sponsor.employer;
    let filed = app.file(employer, &project, 3).await;
    let case = |i: usize| filed["cases"][i]["id"].as_str().unwrap().to_owned();
    let receipt = |i: usize| {
        filed["cases"][i]["receipt_number"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b, c) = (case(0), case(1), case(2));

    // A filing: each applicant gets a receipt mail, the employer one summary.
    let mails: Vec<Mail> = sink
        .wait_for(4, WAIT)
        .await
        .iter()
        .map(|r| parse(&r.raw))
        .collect();
    let (case_a, _) = app.case(&officer, &a).await;
    let applicant = case_a["worker"]["email"].as_str().unwrap().to_owned();
    let to_applicant = mails_to(&mails, &applicant);
    assert_eq!(to_applicant.len(), 1);
    let receipt_mail = to_applicant[0];
    assert!(receipt_mail.subject.contains(&receipt(0)));
    assert!(
        receipt_mail.subject.contains("신청 접수")
            && receipt_mail.subject.contains("Case received")
    );
    korean_before_english(receipt_mail);
    assert!(
        receipt_mail.text.contains("김민준님께") && receipt_mail.text.contains("Dear Minjun0 Kim")
    );
    // a link to the status page with the receipt filled in; no API instructions
    let link = format!("https://kitdesk.test/status?receipt={}", receipt(0));
    assert!(receipt_mail.text.contains(&link) && receipt_mail.html.contains(&link));
    assert!(!receipt_mail.text.contains("/api/v1"));
    assert!(receipt_mail
        .header("From")
        .unwrap()
        .contains("kitdesk@localhost"));
    let stored = app
        .ctx
        .run({
            let a = a.clone();
            move |conn, _| outbox::for_case(conn, &a).map_err(ServiceError::from)
        })
        .await
        .unwrap();
    assert_eq!(
        receipt_mail.message_id(),
        stored[0].message_id,
        "the row's stable Message-ID"
    );
    let summary = mails_to(&mails, &employer.email);
    assert_eq!(summary.len(), 1, "one summary for the whole batch");
    assert!(summary[0].subject.contains("3명") && summary[0].subject.contains("3 workers"));
    assert!(summary[0].text.contains("https://kitdesk.test/employer"));
    for i in 0..3 {
        assert!(summary[0].text.contains(&receipt(i)) && summary[0].html.contains(&receipt(i)));
    }
    korean_before_english(summary[0]);

    // A rejected change queues nothing: the mail commits with the change or not at all.
    let before = rows(&app).await.len();
    let stale = app
        .act(
            &officer,
            &a,
            Some("\"99\""),
            &json!({"action": "start_review"}),
        )
        .await;
    assert_eq!(stale.status(), 412);
    assert_eq!(rows(&app).await.len(), before);

    // Case A goes the whole way; an internal note must never reach any mail.
    act(&app, &officer, &a, json!({"action": "start_review"})).await;
    let note = app
        .post_json(
            &format!("/api/v1/cases/{a}/notes"),
            Some(&officer.token),
            &json!({"body": "INTERNAL-7731 call the plant manager before deciding", "visibility": "internal"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    act(&app, &officer, &a, json!({"action": "request_evidence", "reason": "The sales contract clause naming the installation duty", "due_date": (time::now().date() + chrono::Duration::days(30)).to_string()})).await;
    act(
        &app,
        employer,
        &a,
        json!({"action": "submit_evidence", "note": "Contract §7.2 attached"}),
    )
    .await;
    let day = crate::helpers::next_working_day(time::now().date() + chrono::Duration::days(9));
    let at = day.and_hms_opt(0, 30, 0).unwrap().and_utc();
    let supervisor = app.user(Role::Supervisor, None).await;
    let window = app
        .open_window(
            &supervisor,
            day,
            "09:30",
            "09:45",
            15,
            2,
            "U.S. Embassy Seoul, consular section, window 3",
        )
        .await;
    let slot = window["slots"][0]["id"].as_str().unwrap();
    act(
        &app,
        &officer,
        &a,
        json!({"action": "schedule_interview", "slot_id": slot}),
    )
    .await;
    act(&app, &officer, &a, json!({"action": "approve", "route": "B1-CIW", "reason": "Installation under the sales contract"})).await;
    act(&app, &officer, &a, json!({"action": "issue_visa"})).await;
    // Case B is refused; the employer withdraws case C.
    act(&app, &officer, &b, json!({"action": "start_review"})).await;
    act(
        &app,
        &officer,
        &b,
        json!({"action": "refuse", "ground": "214(b)", "reason": "Activities include construction labor"}),
    )
    .await;
    act(
        &app,
        employer,
        &c,
        json!({"action": "withdraw", "reason": "Project delayed"}),
    )
    .await;

    // 4 for the filing, then 2 for each of 6 events (start_review, assignment and evidence
    // submission send nothing).
    let all: Vec<Mail> = sink
        .wait_for(16, WAIT)
        .await
        .iter()
        .map(|r| parse(&r.raw))
        .collect();
    wait_all(&app, "sent").await;
    assert_eq!(sink.count(), 16);
    for mail in &all {
        assert!(!mail.text.contains("INTERNAL-7731") && !mail.html.contains("INTERNAL-7731"));
        assert!(!mail.subject.contains('\n'));
        korean_before_english(mail);
    }
    let subject_of = |needle: &str| {
        mails_to(&all, &applicant)
            .into_iter()
            .find(|m| m.subject.contains(needle))
            .unwrap_or_else(|| panic!("no applicant mail with {needle}"))
            .clone()
    };
    let evidence = subject_of("Evidence requested");
    assert!(evidence.subject.contains("추가 서류 요청"));
    assert!(evidence.text.contains("installation duty"));
    let due = time::now().date() + chrono::Duration::days(30);
    assert!(
        evidence.text.contains(&time::date_ko(&due))
            && evidence.text.contains(&time::date_en(&due)),
        "the due date as each part's reader writes it: {}",
        evidence.text
    );
    let interview = subject_of("Interview scheduled");
    // Seoul time as each part's reader writes it, weekday included
    let seoul = time::desk_time(at);
    assert!(
        interview
            .text
            .contains(&format!("{} KST", time::appointment_ko(&seoul)))
            && interview
                .text
                .contains(&format!("{} KST", time::appointment_en(&seoul))),
        "{}",
        interview.text
    );
    assert!(interview.text.contains("window 3") && interview.text.contains("여권"));
    // the invitation travelled with it, its organizer the desk's sender
    let ics = interview.calendar.as_deref().expect("an invitation");
    assert!(
        ics.contains("METHOD:REQUEST\r\n") && ics.contains("ORGANIZER;CN="),
        "{ics}"
    );
    let approved = subject_of("Case approved");
    assert!(approved.text.contains("B1-CIW") && approved.text.contains("9 FAM 402.2-5(E)"));
    let issued = subject_of("Visa issued");
    assert!(issued.subject.contains("비자 발급"));
    let (case_b, _) = app.case(&officer, &b).await;
    let refused = mails_to(&all, case_b["worker"]["email"].as_str().unwrap())
        .into_iter()
        .find(|m| m.subject.contains("Case refused"))
        .expect("refusal mail")
        .clone();
    assert!(refused.text.contains("construction labor") && refused.text.contains("Next steps"));
    let (case_c, _) = app.case(&officer, &c).await;
    assert!(mails_to(&all, case_c["worker"]["email"].as_str().unwrap())
        .iter()
        .any(|m| m.subject.contains("신청 철회") && m.subject.contains("Case withdrawn")));
    let employer_mails = mails_to(&all, &employer.email);
    assert_eq!(employer_mails.len(), 7, "the summary and one per event");
    assert!(employer_mails
        .iter()
        .any(|m| m.text.contains(&format!("https://kitdesk.test/cases/{a}"))));
    assert!(employer_mails
        .iter()
        .any(|m| m.subject.contains("Evidence requested") && m.text.contains("installation duty")));
}

#[tokio::test]
async fn a_4xx_reply_is_retried_and_the_mail_delivered_once() {
    let sink = SmtpSink::start().await;
    sink.script(&["451 4.3.0 Mailbox busy, try again later"]);
    let app = spawn_with_smtp(sink.url()).await;
    let ids = enqueue(&app, 1).await;
    let received = sink.wait_for(1, WAIT).await;
    let settled = wait_all(&app, "sent").await;
    assert_eq!(sink.refused(), 1);
    assert_eq!(settled[0].attempts, 2, "one refusal, one success");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_exactly_once(&sink.received(), &ids);
    assert_eq!(received.len(), 1);
}

#[tokio::test]
async fn a_5xx_reply_ends_as_a_dead_letter_that_an_admin_can_retry() {
    let sink = SmtpSink::start().await;
    sink.always(Some("550 5.1.1 No such user here"));
    let app = spawn_with_smtp(sink.url()).await;
    let ids = enqueue(&app, 1).await;
    let dead = wait_all(&app, "dead").await;
    assert_eq!(dead[0].attempts, 2, "a 5xx is retried once, then given up");
    assert!(
        dead[0].last_error.as_deref().unwrap_or("").contains("550"),
        "{:?}",
        dead[0].last_error
    );
    assert_eq!(sink.count(), 0);

    // The administrator sees it, masked, and sends it again once the cause is fixed.
    let admin = app.user(Role::Admin, None).await;
    let listed: Value = app
        .get("/api/v1/outbox?state=dead", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["counts"]["dead"], 1);
    assert_eq!(listed["items"][0]["recipient"], "w***@example.kr");
    assert!(listed["items"][0].get("body_text").is_none());
    let bad_state = app
        .get("/api/v1/outbox?state=lost", Some(&admin.token))
        .await;
    crate::helpers::assert_problem(bad_state, 422, "validation_failed").await;
    sink.always(None);
    let id = dead[0].id.clone();
    app.ctx
        .run(move |conn, _| kitdesk::service::outbox::retry(conn, &id))
        .await
        .unwrap();
    sink.wait_for(1, WAIT).await;
    wait_all(&app, "sent").await;
    assert_exactly_once(&sink.received(), &ids);
}

#[tokio::test]
async fn smtp_down_while_200_mails_queue_then_up_delivers_all_once() {
    let port = SmtpSink::free_port();
    let sink = SmtpSink::down_on(port);
    let app = spawn_with_smtp(sink.url()).await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    // 199 workers: 199 receipts and one summary for the employer.
    app.file(&sponsor.employer, &project, 199).await;
    let queued = rows(&app).await;
    assert_eq!(queued.len(), 200);
    // Let the worker fail against the closed port for a while.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let failed = rows(&app)
            .await
            .iter()
            .filter(|r| r.attempts >= 2 && r.last_error.is_some())
            .count();
        if failed >= 20 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never tried"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink.count(), 0);
    assert!(rows(&app).await.iter().all(|r| r.state != "dead"));

    sink.restart().await;
    sink.wait_for(200, WAIT).await;
    wait_all(&app, "sent").await;
    let expected: Vec<String> = queued.iter().map(|r| r.message_id.clone()).collect();
    assert_exactly_once(&sink.received(), &expected);
}

#[tokio::test]
async fn smtp_killed_mid_message_and_restarted_loses_nothing() {
    let sink = SmtpSink::start().await;
    sink.hang_next();
    let app = spawn_with_smtp(sink.url()).await;
    let ids = enqueue(&app, 30).await;
    // The first message is inside DATA, unanswered: the server dies now.
    let deadline = std::time::Instant::now() + WAIT;
    while sink.hanging() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no message reached DATA"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sink.kill();
    // The worker notices: the cut-off message goes back to wait for a retry.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let all = rows(&app).await;
        if all
            .iter()
            .any(|r| r.state == "pending" && r.last_error.is_some())
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the failure was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sink.restart().await;
    sink.wait_for(30, WAIT).await;
    wait_all(&app, "sent").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_exactly_once(&sink.received(), &ids);
}

#[tokio::test]
async fn two_worker_instances_send_500_mails_each_exactly_once() {
    // Two instances side by side: on PostgreSQL they claim with FOR UPDATE SKIP LOCKED; on
    // SQLite the write lock takes turns. Neither may send what the other claimed.
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_configured(Settings::default(), |c| {
        fast_smtp(c, url);
        c.outbox.run_in_server = false;
    })
    .await;
    let ids = enqueue(&app, 500).await;
    let mut workers = Vec::new();
    for _ in 0..2 {
        let mut config = crate::helpers::test_config(&app.db, app.data_dir.clone());
        fast_smtp(&mut config, sink.url());
        // Each instance has its own pool, as a separate process would.
        let ctx = kitdesk::startup::open_context(&config, Settings::default())
            .await
            .unwrap();
        let mailer = Mailer::from_config(&config.mail).unwrap();
        workers.push(Worker::new(ctx.pool.clone(), mailer, config.outbox.clone()).spawn());
    }
    sink.wait_for(500, WAIT).await;
    let sent = wait_all(&app, "sent").await;
    for worker in workers {
        worker.stop().await;
    }
    assert_exactly_once(&sink.received(), &ids);
    let by_worker: HashSet<_> = sent.iter().filter_map(|r| r.claimed_by.clone()).collect();
    assert_eq!(by_worker.len(), 2, "both instances took a share");
    assert!(sent.iter().all(|r| r.attempts == 1));
}

#[tokio::test]
async fn a_digest_sponsor_gets_one_mail_a_day_instead_of_one_per_event() {
    let app = spawn_app_configured(Settings::default(), |c| c.outbox.run_in_server = false).await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let employer = &sponsor.employer;
    let patch = |body: Value| {
        app.client
            .patch(app.url(&format!("/api/v1/sponsors/{}", sponsor.id)))
            .bearer_auth(&employer.token)
            .json(&body)
            .send()
    };
    let bad = patch(json!({"notify_mode": "hourly"})).await.unwrap();
    crate::helpers::assert_problem(bad, 422, "validation_failed").await;
    let changed: Value = patch(json!({"notify_mode": "daily_digest"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["notify_mode"], "daily_digest");

    let filed = app.file(employer, &project, 3).await;
    let a = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    app.act_ok(&officer, &a, json!({"action": "start_review"}))
        .await;
    app.act_ok(
        &officer,
        &a,
        json!({"action": "request_evidence", "reason": "Sales contract"}),
    )
    .await;
    let (reminders, queued): (Vec<OutboxRow>, Vec<OutboxRow>) = rows(&app)
        .await
        .into_iter()
        .partition(|r| r.kind == "evidence_reminder");
    assert_eq!(queued.len(), 4, "the applicants' mails only");
    assert!(queued.iter().all(|r| r.audience == "applicant"));
    // a deadline is no event to digest: its reminders still come, at their time
    assert_eq!(reminders.len(), 2);
    assert!(reminders.iter().all(|r| r.next_attempt_at > time::now()));

    let seoul_today = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let seoul_at = |hour: u32| {
        seoul_today.and_hms_opt(hour, 0, 0).unwrap().and_utc() - chrono::Duration::hours(9)
    };
    let run = |at: chrono::DateTime<chrono::Utc>| {
        app.ctx
            .run(move |conn, _| digest::send_due(conn, at, 8).map_err(ServiceError::from))
    };
    assert_eq!(
        run(seoul_at(7)).await.unwrap(),
        0,
        "not before the digest hour"
    );
    assert_eq!(run(seoul_at(9)).await.unwrap(), 1);
    assert_eq!(run(seoul_at(10)).await.unwrap(), 0, "once a day");
    let digests: Vec<OutboxRow> = rows(&app)
        .await
        .into_iter()
        .filter(|r| r.kind == "employer_digest")
        .collect();
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].recipient, employer.email);
    let text = &digests[0].body_text;
    assert!(
        text.contains("일괄 신청 접수: 3명") && text.contains("Batch filing received: 3 workers")
    );
    assert!(text.contains("Evidence requested") && text.contains("Sales contract"));
    assert!(text.find("추가 서류 요청").unwrap() < text.find("Evidence requested").unwrap());

    // Events after today's digest wait for tomorrow's.
    app.act_ok(
        &officer,
        &a,
        json!({"action": "refuse", "ground": "214(b)", "reason": "No contract"}),
    )
    .await;
    assert_eq!(run(seoul_at(11)).await.unwrap(), 0);
    let tomorrow = seoul_at(9) + chrono::Duration::days(1);
    assert_eq!(run(tomorrow).await.unwrap(), 1);
}

#[tokio::test]
async fn mails_to_one_server_share_a_kept_open_connection_replaced_after_a_refusal_or_a_restart() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_configured(Settings::default(), |c| {
        c.outbox.run_in_server = false;
    })
    .await;
    let mut config = crate::helpers::test_config(&app.db, app.data_dir.clone());
    fast_smtp(&mut config, sink.url());
    let mailer = Mailer::from_config(&config.mail).unwrap();
    let mail = |i: usize| test_mail(i, time::now());
    for i in 0..3 {
        mailer.send(&mail(i)).await.unwrap();
    }
    assert_eq!(sink.count(), 3);
    assert_eq!(sink.connections(), 1, "one connection carried all three");

    // A refusal ends that session (lettre says QUIT); the next mail opens another.
    sink.script(&["450 mailbox busy"]);
    assert!(matches!(
        mailer.send(&mail(3)).await,
        Err(kitdesk::notify::mailer::SendError::Transient(_))
    ));
    mailer.send(&mail(4)).await.unwrap();
    mailer.send(&mail(5)).await.unwrap();
    assert_eq!(sink.connections(), 2);

    // The server restarts: the kept connection is dead, the next mail opens a new one.
    sink.kill();
    sink.restart().await;
    mailer.send(&mail(6)).await.unwrap();
    assert_eq!(sink.count(), 6);
    assert_eq!(sink.connections(), 3);
}

#[tokio::test]
async fn stopping_a_worker_finishes_the_mail_in_flight_and_hands_back_the_rest() {
    let sink = SmtpSink::start().await;
    sink.delay_data(Duration::from_millis(400));
    let url = sink.url();
    let app = spawn_app_configured(Settings::default(), |c| {
        fast_smtp(c, url);
        c.outbox.run_in_server = false;
    })
    .await;
    let ids = enqueue(&app, 5).await;
    let mut config = crate::helpers::test_config(&app.db, app.data_dir.clone());
    fast_smtp(&mut config, sink.url());
    // Two messages in flight at a time: the first two are sent together, the rest wait.
    config.outbox.parallel_sends = 2;
    let mailer = Mailer::from_config(&config.mail).unwrap();
    let worker = Worker::new(app.ctx.pool.clone(), mailer, config.outbox.clone()).spawn();
    let deadline = std::time::Instant::now() + WAIT;
    while sink.delayed() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no message reached DATA"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Stop while the first messages are inside DATA: they complete, the others go back.
    worker.stop().await;
    assert_eq!(sink.count(), 2, "the messages in flight were finished");
    let after = rows(&app).await;
    assert_eq!(after.iter().filter(|r| r.state == "sent").count(), 2);
    let waiting: Vec<_> = after.iter().filter(|r| r.state == "pending").collect();
    assert_eq!(waiting.len(), 3);
    assert!(waiting
        .iter()
        .all(|r| r.attempts == 0 && r.claimed_by.is_none()));

    // The next worker picks them up, reporting its running totals after each pass.
    sink.delay_data(Duration::ZERO);
    let mailer = Mailer::from_config(&config.mail).unwrap();
    let mut progress = Vec::new();
    let report = Worker::new(app.ctx.pool.clone(), mailer, config.outbox.clone())
        .drain_with(&mut |total| progress.push(total.sent))
        .await
        .unwrap();
    assert_eq!(report.sent, 3);
    assert_eq!(progress.last(), Some(&3), "the last progress is the total");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert_exactly_once(&sink.received(), &ids);
}

#[tokio::test]
async fn evidence_reminders_go_at_their_time_once_and_stop_when_the_evidence_comes() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_smtp(sink.url()).await;
    let officer = app.user(Role::Officer, None).await;
    let (sponsor, project) = app.ready_sponsor(&officer, None).await;
    let employer = &sponsor.employer;
    let filed = app.file(employer, &project, 1).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    sink.wait_for(2, WAIT).await;
    act(&app, &officer, &case, json!({"action": "start_review"})).await;
    let due = app.ctx.today() + chrono::Duration::days(10);
    act(&app, &officer, &case, json!({"action": "request_evidence", "reason": "The installation clause", "due_date": due.to_string()})).await;
    sink.wait_for(4, WAIT).await;
    let reminders = |rows: Vec<OutboxRow>| -> Vec<OutboxRow> {
        rows.into_iter()
            .filter(|r| r.kind == "evidence_reminder")
            .collect()
    };
    let scheduled = reminders(rows(&app).await);
    assert_eq!(scheduled.len(), 2, "7 days and 1 day before");
    let times: HashSet<String> = scheduled
        .iter()
        .map(|r| r.next_attempt_at.to_string())
        .collect();
    // 09:00 in Seoul (00:00 UTC) on those days
    for days in [7, 1] {
        let at = (due - chrono::Duration::days(days))
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(times.contains(&at.to_string()), "{times:?}");
    }
    assert!(scheduled
        .iter()
        .all(|r| r.state == outbox::PENDING && r.recipient == employer.email));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 4, "not before their time");

    // The 7-day reminder's time comes: sent once.
    let first = scheduled
        .iter()
        .find(|r| r.subject.contains("7일 전"))
        .expect("the 7-day reminder")
        .id
        .clone();
    app.sql(&format!(
        "UPDATE outbox SET next_attempt_at = '2020-01-01 00:00:00' WHERE id = '{first}'"
    ))
    .await;
    let received = sink.wait_for(5, WAIT).await;
    let reminder = parse(&received[4].raw);
    assert!(
        reminder.subject.contains("서류 제출 기한 7일 전")
            && reminder.subject.contains("due in 7 days")
    );
    assert!(reminder
        .text
        .contains(&format!("https://kitdesk.test/cases/{case}")));
    korean_before_english(&reminder);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 5, "once");

    // The evidence comes: the 1-day reminder is cancelled, never sent.
    act(
        &app,
        employer,
        &case,
        json!({"action": "submit_evidence", "note": "Attached"}),
    )
    .await;
    let after = reminders(rows(&app).await);
    let states: Vec<&str> = after.iter().map(|r| r.state.as_str()).collect();
    assert!(
        states.contains(&"sent") && states.contains(&outbox::CANCELLED),
        "{states:?}"
    );
    app.sql("UPDATE outbox SET next_attempt_at = '2020-01-01 00:00:00' WHERE kind = 'evidence_reminder'")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 5);
}

#[tokio::test]
async fn a_prime_that_files_for_its_subcontractor_gets_the_batch_summary() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_smtp(sink.url()).await;
    let officer = app.user(Role::Officer, None).await;
    let (prime, _) = app.ready_sponsor(&officer, None).await;
    let (sub, sub_project) = app.ready_sponsor(&officer, Some(&prime.id)).await;
    app.file(&prime.employer, &sub_project, 1).await;
    // the worker's receipt, the subcontractor's summary, the prime filer's copy
    let mails: Vec<Mail> = sink
        .wait_for(3, WAIT)
        .await
        .iter()
        .map(|r| parse(&r.raw))
        .collect();
    let to_prime = mails_to(&mails, &prime.employer.email);
    assert_eq!(to_prime.len(), 1, "the filer hears of its filing");
    assert!(to_prime[0].subject.contains("1 worker") && !to_prime[0].subject.contains("1 workers"));
    assert_eq!(mails_to(&mails, &sub.employer.email).len(), 1);
}

#[tokio::test]
async fn a_mail_is_due_when_its_time_has_come_or_its_lease_has_run_out() {
    let db = tokio::task::spawn_blocking(crate::helpers::TestDb::migrated)
        .await
        .unwrap();
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        let pool = kitdesk::db::connect(&url, &kitdesk::db::PoolOptions::for_url(&url)).unwrap();
        let mut conn = pool.get().unwrap();
        kitdesk::db::run_migrations(&mut conn).unwrap();
        let now = time::now();
        let minute = chrono::Duration::minutes(1);
        assert!(!outbox::any_due(&mut conn, now).unwrap(), "an empty outbox");

        // sent and cancelled mails, and a pending one not due yet (a reminder), are not due
        let mut rows: Vec<OutboxRow> = (0..3).map(|i| test_mail(i, now)).collect();
        rows[0].state = "sent".into();
        rows[0].next_attempt_at = now - minute;
        rows[1].state = "cancelled".into();
        rows[1].next_attempt_at = now - minute;
        rows[2].next_attempt_at = now + minute;
        outbox::insert_many(&mut conn, &rows).unwrap();
        assert!(!outbox::any_due(&mut conn, now).unwrap(), "nothing due yet");
        assert!(
            outbox::any_due(&mut conn, now + minute).unwrap(),
            "the reminder at its time"
        );

        // a claimed mail whose lease is still running is not due; once it has run out, it is
        let mut claimed = test_mail(3, now);
        claimed.state = "sending".into();
        claimed.claimed_by = Some("another worker".into());
        claimed.lease_expires_at = Some(now + minute / 2);
        outbox::insert_many(&mut conn, &[claimed]).unwrap();
        assert!(
            !outbox::any_due(&mut conn, now).unwrap(),
            "a lease still running"
        );
        assert!(
            outbox::any_due(&mut conn, now + minute / 2 + chrono::Duration::seconds(1)).unwrap(),
            "a lease run out"
        );

        // a pending mail due now
        outbox::insert_many(&mut conn, &[test_mail(4, now - minute)]).unwrap();
        assert!(outbox::any_due(&mut conn, now).unwrap(), "a mail due now");
    })
    .await
    .unwrap();
    drop(db);
}
