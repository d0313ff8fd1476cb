//! The authorization matrix: every API route × role × relationship (own sponsor, prime of
//! the subject, sibling subcontractor, unrelated sponsor) with the status it must answer.
//! The last test fails when a route has no row here.

use std::collections::HashMap;

use kitdesk::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, worker, PASSWORD};

/// Who acts. The subject of every row belongs to sponsor `sub`, a subcontractor of `prime`;
/// `sibling` is another subcontractor of `prime`; `other` is unrelated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Actor {
    Anonymous,
    Admin,
    Supervisor,
    Officer,
    Sub,
    Prime,
    Sibling,
    Other,
}

use Actor::*;

struct Row {
    method: &'static str,
    template: &'static str,
    actor: Actor,
    body: Option<Value>,
    expect: u16,
}

fn row(
    method: &'static str,
    template: &'static str,
    actor: Actor,
    body: Option<Value>,
    expect: u16,
) -> Row {
    Row {
        method,
        template,
        actor,
        body,
        expect,
    }
}

fn matrix(project_id: &str, officer_id: &str) -> Vec<Row> {
    let project = json!({"name": "Yard 2", "worksite_address": "Philadelphia", "state": "PA", "sector": "shipbuilding", "investment_usd": 1, "equipment_purchased_abroad": true, "contract_requires_seller_services": true});
    let filing = json!({"project_id": project_id, "workers": [worker(90)]});
    let note = json!({"body": "Please call the desk.", "visibility": "shared"});
    let withdraw = json!({"action": "withdraw", "reason": "project delayed"});
    let start = json!({"action": "start_review"});
    let assign = json!({"action": "assign", "assignee_id": officer_id});
    let new_user = |n: u8| json!({"email": format!("matrix{n}@example.com"), "password": PASSWORD, "role": "officer"});
    let status = json!({"receipt_number": "KIT2700000017", "date_of_birth": "1999-01-01"});
    let login = json!({"email": "nobody@example.com", "password": "wrong password"});
    let b = Some;
    let mut rows = vec![
        row("post", "/auth/login", Anonymous, b(login), 401),
        row("post", "/auth/logout", Anonymous, None, 401),
        row("get", "/me", Anonymous, None, 401),
        row("get", "/me", Officer, None, 200),
        row("get", "/me", Sub, None, 200),
        row("post", "/status", Anonymous, b(status), 404),
    ];
    // password reset and accepting an invitation: open to anyone, signed in or not, with
    // one answer whatever the address (a few actors only: token uses are throttled per
    // address, and the matrix runs from one)
    for (i, actor) in [Anonymous, Admin, Officer, Sub].into_iter().enumerate() {
        let ask = json!({"email": format!("forgot{i}@example.com")});
        rows.push(row("post", "/auth/password-reset", actor, b(ask), 202));
        let confirm = json!({"token": "not-a-token", "password": PASSWORD});
        rows.push(row(
            "post",
            "/auth/password-reset/confirm",
            actor,
            b(confirm),
            422,
        ));
        let accept = json!({"token": "not-a-token", "password": PASSWORD, "display_name": "Kim"});
        rows.push(row("post", "/invitations/accept", actor, b(accept), 422));
    }
    let assertion = json!({"id": "AA", "rawId": "AA", "type": "public-key", "extensions": {},
        "response": {"authenticatorData": "AA", "clientDataJSON": "AA", "signature": "AA"}});
    for actor in [Anonymous, Officer, Sub] {
        let code = json!({"mfa_token": "not-a-token", "code": "123456"});
        rows.push(row("post", "/auth/mfa", actor, b(code), 422));
        let begin = json!({"mfa_token": "not-a-token"});
        rows.push(row("post", "/auth/mfa/passkey/begin", actor, b(begin), 422));
        let finish = json!({"mfa_token": "not-a-token", "ceremony": "x", "credential": assertion});
        rows.push(row(
            "post",
            "/auth/mfa/passkey/finish",
            actor,
            b(finish),
            422,
        ));
    }
    // passkeys: desk accounts register them; employers use an authenticator app
    let attestation = json!({"ceremony": "not-a-ceremony", "credential": {"id": "AA", "rawId": "AA",
        "type": "public-key", "extensions": {},
        "response": {"attestationObject": "AA", "clientDataJSON": "AA"}}});
    for (actor, begin, finish) in [
        (Anonymous, 401, 401),
        (Admin, 200, 422),
        (Supervisor, 200, 422),
        (Officer, 200, 422),
        (Sub, 403, 422),
        (Prime, 403, 422),
    ] {
        rows.push(row("post", "/me/mfa/passkeys/begin", actor, None, begin));
        rows.push(row(
            "post",
            "/me/mfa/passkeys/finish",
            actor,
            b(attestation.clone()),
            finish,
        ));
    }
    // a user's own second factor: anyone signed in; resetting another's: administrators
    for (actor, start, confirm, reset) in [
        (Anonymous, 401, 401, 401),
        (Admin, 200, 422, 200),
        (Supervisor, 200, 422, 403),
        (Officer, 200, 422, 403),
        (Sub, 200, 422, 403),
        (Prime, 200, 422, 403),
        (Sibling, 200, 422, 403),
        (Other, 200, 422, 403),
    ] {
        rows.push(row("post", "/me/mfa/totp", actor, None, start));
        rows.push(row(
            "post",
            "/me/mfa/totp/confirm",
            actor,
            b(json!({"code": "abcdef"})),
            confirm,
        ));
        rows.push(row(
            "post",
            "/users/{user}/mfa/reset",
            actor,
            b(json!({"reason": "lost phone"})),
            reset,
        ));
    }
    // a sponsor's users and invitations: its own managers only
    for (i, (actor, expect)) in [
        (Anonymous, 401),
        (Admin, 403),
        (Supervisor, 403),
        (Officer, 403),
        (Prime, 404),
        (Sibling, 404),
        (Other, 404),
        (Sub, 200),
    ]
    .into_iter()
    .enumerate()
    {
        let invitation = json!({"email": format!("invited{i}@example.com"), "rights": ["file"]});
        let created = if expect == 200 { 201 } else { expect };
        rows.push(row(
            "post",
            "/sponsors/{sponsor}/invitations",
            actor,
            b(invitation),
            created,
        ));
        rows.push(row(
            "get",
            "/sponsors/{sponsor}/invitations",
            actor,
            None,
            expect,
        ));
        rows.push(row("get", "/sponsors/{sponsor}/users", actor, None, expect));
        rows.push(row(
            "patch",
            "/sponsors/{sponsor}/users/{subuser}",
            actor,
            b(json!({"disabled": false})),
            expect,
        ));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Supervisor, 403),
        (Officer, 403),
        (Sub, 403),
        (Prime, 403),
    ] {
        rows.push(row("post", "/users", actor, b(new_user(1)), expect));
        rows.push(row("get", "/users", actor, None, expect));
        rows.push(row("get", "/users/{user}", actor, None, expect));
        rows.push(row(
            "patch",
            "/users/{user}",
            actor,
            b(json!({"disabled": false})),
            expect,
        ));
    }
    rows.push(row("post", "/users", Admin, b(new_user(2)), 201));
    rows.push(row("get", "/users", Admin, None, 200));
    rows.push(row("get", "/users/{user}", Admin, None, 200));
    rows.push(row(
        "patch",
        "/users/{user}",
        Admin,
        b(json!({"disabled": false})),
        200,
    ));

    rows.push(row("post", "/sponsors/register", Anonymous, None, 0)); // body built at run time: 202
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 200),
        (Supervisor, 200),
        (Officer, 200),
        (Sub, 200),
        (Prime, 200),
        (Sibling, 200),
        (Other, 200),
    ] {
        rows.push(row("get", "/sponsors", actor, None, expect));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 200),
        (Officer, 200),
        (Sub, 200),
        (Prime, 200),
        (Sibling, 404),
        (Other, 404),
    ] {
        rows.push(row("get", "/sponsors/{sponsor}", actor, None, expect));
        rows.push(row(
            "get",
            "/sponsors/{sponsor}/projects",
            actor,
            None,
            expect,
        ));
        rows.push(row("get", "/projects/{project}", actor, None, expect));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Sub, 403),
        (Prime, 403),
        (Other, 403),
    ] {
        rows.push(row(
            "post",
            "/sponsors/{pending}/verify",
            actor,
            None,
            expect,
        ));
    }
    rows.push(row(
        "post",
        "/sponsors/{pending}/verify",
        Officer,
        None,
        200,
    ));
    rows.push(row(
        "post",
        "/sponsors/{pending}/verify",
        Supervisor,
        None,
        409,
    ));
    // the verification checklist and the other decisions: the desk only
    let reason = json!({"reason": "The registration certificate is unreadable."});
    let finding = json!({"outcome": "confirmed", "note": "Checked against the NTS registry."});
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Sub, 403),
        (Prime, 403),
        (Other, 403),
        (Officer, 200),
        (Supervisor, 200),
    ] {
        rows.push(row(
            "get",
            "/sponsors/{fresh}/checklist",
            actor,
            None,
            expect,
        ));
        rows.push(row(
            "put",
            "/sponsors/{fresh}/checklist/{item}",
            actor,
            b(finding.clone()),
            expect,
        ));
        rows.push(row(
            "post",
            "/sponsors/{fresh}/request-information",
            actor,
            b(reason.clone()),
            expect,
        ));
        rows.push(row(
            "post",
            "/sponsors/{fresh}/reject",
            actor,
            b(reason.clone()),
            expect,
        ));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 403),
        (Sibling, 404),
        (Other, 404),
        (Prime, 201),
        (Sub, 201),
    ] {
        rows.push(row(
            "post",
            "/sponsors/{sponsor}/projects",
            actor,
            b(project.clone()),
            expect,
        ));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 403),
        (Supervisor, 403),
        (Sibling, 422),
        (Other, 422),
        (Prime, 201),
        (Sub, 201),
    ] {
        rows.push(row("post", "/filings", actor, b(filing.clone()), expect));
    }
    // bulk actions: the desk only (a case it cannot find is reported per case, not refused)
    let bulk = json!({"action": {"action": "start_review"}, "cases": [{"id": "0193a5c2-0000-7000-8000-000000000001", "version": 1}]});
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 200),
        (Supervisor, 200),
        (Sibling, 403),
        (Other, 403),
        (Prime, 403),
        (Sub, 403),
    ] {
        rows.push(row("post", "/cases/bulk", actor, b(bulk.clone()), expect));
    }
    // the batch template holds no data: anyone signed in
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 200),
        (Officer, 200),
        (Supervisor, 200),
        (Sibling, 200),
        (Other, 200),
        (Prime, 200),
        (Sub, 200),
    ] {
        rows.push(row("get", "/filings/template", actor, None, expect));
    }
    // the preview of a CSV batch (multipart, sent by the runner): the filers only
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 403),
        (Supervisor, 403),
        (Sibling, 422),
        (Other, 422),
        (Prime, 200),
        (Sub, 200),
    ] {
        rows.push(row("post", "/filings/preview", actor, None, expect));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 200),
        (Supervisor, 200),
        (Sub, 200),
        (Prime, 200),
        (Sibling, 200),
        (Other, 200),
    ] {
        rows.push(row("get", "/cases", actor, None, expect));
        rows.push(row("get", "/cases/counts", actor, None, expect));
        rows.push(row("get", "/cases/export", actor, None, expect));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 200),
        (Supervisor, 200),
        (Sub, 200),
        (Prime, 200),
        (Sibling, 404),
        (Other, 404),
    ] {
        rows.push(row("get", "/cases/{case}", actor, None, expect));
        rows.push(row("get", "/cases/{case}/notes", actor, None, expect));
        rows.push(row("get", "/cases/{case}/history", actor, None, expect));
        rows.push(row("get", "/cases/{case}/documents", actor, None, expect));
        rows.push(row(
            "get",
            "/projects/{project}/documents",
            actor,
            None,
            expect,
        ));
        rows.push(row("get", "/documents/{doc}/content", actor, None, expect));
        rows.push(row(
            "get",
            "/documents/{doc}/pages/{page}",
            actor,
            None,
            expect,
        ));
    }
    // uploads (multipart, sent by the runner): the sponsor's users, its prime, the desk
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 201),
        (Supervisor, 201),
        (Sub, 201),
        (Prime, 201),
        (Sibling, 404),
        (Other, 404),
    ] {
        rows.push(row("post", "/cases/{case}/documents", actor, None, expect));
        rows.push(row(
            "post",
            "/projects/{project}/documents",
            actor,
            None,
            expect,
        ));
    }
    // a prime's subcontractor requests: its own employer users only (here the subject is a
    // subcontractor, whose list is empty; no request has this id)
    for (actor, expect, decided) in [
        (Anonymous, 401, 401),
        (Admin, 403, 403),
        (Officer, 403, 403),
        (Supervisor, 403, 403),
        (Sub, 200, 404),
        (Prime, 404, 404),
        (Sibling, 404, 404),
        (Other, 404, 404),
    ] {
        rows.push(row(
            "get",
            "/sponsors/{sponsor}/subcontractor-requests",
            actor,
            None,
            expect,
        ));
        rows.push(row(
            "post",
            "/sponsors/{sponsor}/subcontractor-requests/{run}",
            actor,
            b(json!({"decision": "accept"})),
            decided,
        ));
    }
    // reviews: the desk (the body is refused, after the role check)
    let review = json!({"decision": "maybe", "note": "x"});
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Sub, 403),
        (Prime, 403),
        (Sibling, 403),
        (Other, 403),
        (Officer, 422),
        (Supervisor, 422),
    ] {
        rows.push(row(
            "post",
            "/documents/{doc}/review",
            actor,
            b(review.clone()),
            expect,
        ));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Prime, 403),
        (Sibling, 404),
        (Other, 404),
        (Sub, 201),
        (Officer, 201),
    ] {
        rows.push(row(
            "post",
            "/cases/{case}/notes",
            actor,
            b(note.clone()),
            expect,
        ));
    }
    // actions: the employer may withdraw but not review; the prime may not act at all
    for (actor, action, expect) in [
        (Anonymous, &start, 401),
        (Admin, &start, 403),
        (Sub, &start, 403),
        (Prime, &withdraw, 403),
        (Sibling, &withdraw, 404),
        (Other, &withdraw, 404),
        (Officer, &assign, 200),
        (Supervisor, &start, 200),
    ] {
        rows.push(row(
            "post",
            "/cases/{case}/actions",
            actor,
            b(action.clone()),
            expect,
        ));
    }
    rows.push(row(
        "post",
        "/cases/{case2}/actions",
        Sub,
        b(withdraw.clone()),
        200,
    ));

    let facts = json!({"filing_date": "2026-02-02"});
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 200),
        (Supervisor, 200),
        (Sub, 200),
        (Other, 200),
    ] {
        rows.push(row(
            "post",
            "/eligibility/evaluate",
            actor,
            b(facts.clone()),
            expect,
        ));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 200),
        (Sub, 200),
        (Prime, 200),
        (Sibling, 404),
        (Other, 404),
    ] {
        rows.push(row("get", "/cases/{case}/eligibility", actor, None, expect));
    }
    for (actor, expect) in [(Anonymous, 401), (Admin, 200), (Officer, 200), (Sub, 200)] {
        rows.push(row("get", "/rulesets", actor, None, expect));
        rows.push(row("get", "/rulesets/{route}", actor, None, expect));
    }
    // a body that is not a rule set: supervisors get the validation report, others no further
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 403),
        (Sub, 403),
        (Supervisor, 409),
    ] {
        rows.push(row(
            "post",
            "/rulesets",
            actor,
            b(json!("not toml")),
            expect,
        ));
        rows.push(row(
            "post",
            "/rulesets/{route}/impact",
            actor,
            b(json!("not toml")),
            expect,
        ));
    }
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Sub, 403),
        (Prime, 403),
        (Officer, 200),
        (Supervisor, 200),
    ] {
        rows.push(row("get", "/caps/{capped}/{fy}", actor, None, expect));
        // a run id that does not exist: the desk passes the role check and gets a 404
        let desk_expect = if expect == 200 { 404 } else { expect };
        rows.push(row("get", "/reevaluations/{id}", actor, None, desk_expect));
    }
    // the E-4 cap simulation: supervisors only
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Sub, 403),
        (Prime, 403),
        (Officer, 403),
        (Supervisor, 200),
    ] {
        rows.push(row(
            "get",
            "/caps/{capped}/{fy}/simulation",
            actor,
            None,
            expect,
        ));
    }
    // a sponsor's mail settings: its own employer users only; the prime reads but may not
    // change them
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Supervisor, 403),
        (Officer, 403),
        (Prime, 403),
        (Sibling, 404),
        (Other, 404),
        (Sub, 200),
    ] {
        rows.push(row(
            "patch",
            "/sponsors/{sponsor}",
            actor,
            b(json!({"notify_mode": "daily_digest"})),
            expect,
        ));
    }
    // the mail outbox: administrators only
    for (actor, expect) in [
        (Anonymous, 401),
        (Supervisor, 403),
        (Officer, 403),
        (Sub, 403),
        (Prime, 403),
        (Sibling, 403),
        (Other, 403),
        (Admin, 200),
    ] {
        rows.push(row("get", "/outbox", actor, None, expect));
    }
    // interviews: supervisors open and close windows; the desk reads slots and books
    let day = crate::helpers::next_working_day(kitdesk::domain::time::desk_today());
    let window =
        json!({"date": day, "start": "10:00", "end": "10:30", "slot_minutes": 15, "capacity": 2});
    let close = json!({"reason": "the interviewing officer is ill"});
    let from = json!({"from": day});
    for (actor, open, closing, read) in [
        (Anonymous, 401, 401, 401),
        (Admin, 403, 403, 403),
        (Officer, 403, 403, 200),
        (Sub, 403, 403, 403),
        (Prime, 403, 403, 403),
        (Other, 403, 403, 403),
        (Supervisor, 201, 200, 200),
    ] {
        rows.push(row(
            "post",
            "/interview-windows",
            actor,
            b(window.clone()),
            open,
        ));
        rows.push(row(
            "post",
            "/interview-windows/{window}/close",
            actor,
            b(close.clone()),
            closing,
        ));
        rows.push(row("get", "/interview-slots", actor, None, read));
        rows.push(row("get", "/interview-rebookings", actor, None, read));
        let report = if actor == Supervisor {
            200
        } else {
            open.min(403)
        };
        rows.push(row("get", "/reports/interviews", actor, None, report));
        rows.push(row("get", "/reports/cases", actor, None, report));
        rows.push(row("get", "/reports/cases/export", actor, None, report));
        rows.push(row(
            "post",
            "/filings/{filing}/interviews",
            actor,
            b(from.clone()),
            read,
        ));
    }
    // after the visa (issue 16): a case's confirmation goes to its readers (the subject case
    // is undecided: 409 once the reader is let through); verification is public
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 409),
        (Supervisor, 409),
        (Sub, 409),
        (Prime, 409),
        (Sibling, 404),
        (Other, 404),
    ] {
        rows.push(row(
            "get",
            "/cases/{case}/confirmation",
            actor,
            None,
            expect,
        ));
        rows.push(row(
            "get",
            "/cases/{case}/confirmation.pdf",
            actor,
            None,
            expect,
        ));
    }
    for actor in [Anonymous, Admin, Officer, Sub, Other] {
        rows.push(row("get", "/verify/{token}", actor, None, 200));
    }
    // trips and presence: the case's readers; trips are recorded by its sponsor, the prime
    // that files for it, and the desk
    let trip =
        json!({"admission_class": "B1", "entry_date": "2026-01-05", "exit_date": "2026-01-20"});
    for (actor, read, write) in [
        (Anonymous, 401, 401),
        (Admin, 403, 403),
        (Officer, 200, 201),
        (Supervisor, 200, 201),
        (Sub, 200, 201),
        (Prime, 200, 201),
        (Sibling, 404, 404),
        (Other, 404, 404),
    ] {
        rows.push(row("get", "/cases/{case}/trips", actor, None, read));
        rows.push(row("get", "/cases/{case}/presence", actor, None, read));
        rows.push(row(
            "post",
            "/cases/{case}/trips",
            actor,
            b(trip.clone()),
            write,
        ));
        // the I-94 import (text/csv, sent by the runner); the history names no document
        rows.push(row(
            "post",
            "/cases/{case}/trips/import",
            actor,
            None,
            write,
        ));
    }
    // the exit of an open trip: as recording; the first writer closes it, the next are let
    // through to find it closed (409)
    for (actor, expect) in [
        (Anonymous, 401),
        (Admin, 403),
        (Officer, 200),
        (Supervisor, 409),
        (Sub, 409),
        (Prime, 409),
        (Sibling, 404),
        (Other, 404),
    ] {
        rows.push(row(
            "patch",
            "/cases/{case}/trips/{trip}",
            actor,
            b(json!({"exit_date": "2026-01-20"})),
            expect,
        ));
    }
    // overstay alerts and findings: the desk only (the first finding is recorded, the next is
    // let through to find it decided)
    for (actor, read, decide) in [
        (Anonymous, 401, 401),
        (Admin, 403, 403),
        (Officer, 200, 200),
        (Supervisor, 200, 409),
        (Sub, 403, 403),
        (Prime, 403, 403),
        (Sibling, 403, 403),
        (Other, 403, 403),
    ] {
        rows.push(row(
            "get",
            "/cases/{case}/overstay-alerts",
            actor,
            None,
            read,
        ));
        rows.push(row(
            "post",
            "/overstay-alerts/{alert}/finding",
            actor,
            b(json!({"finding": "no_violation", "reason": "The I-94 shows an extension of stay"})),
            decide,
        ));
    }
    // the training ledger: a case's sessions go to its readers; its sponsor, the prime that
    // files for it and the desk record them, once the visa is granted (the subject case is
    // undecided: 409 once the recorder is let through)
    let session = json!({"date": "2026-01-05", "hours": 7.5, "us_workers_trained": 4, "skill": "Coating line"});
    for (actor, read, write) in [
        (Anonymous, 401, 401),
        (Admin, 403, 403),
        (Officer, 200, 409),
        (Supervisor, 200, 409),
        (Sub, 200, 409),
        (Prime, 200, 409),
        (Sibling, 404, 404),
        (Other, 404, 404),
    ] {
        let sessions = "/cases/{case}/training-sessions";
        rows.push(row("get", sessions, actor, None, read));
        rows.push(row("post", sessions, actor, b(session.clone()), write));
        // the ledger sheet (text/csv, sent by the runner)
        let import = "/cases/{case}/training-sessions/import";
        rows.push(row("post", import, actor, None, write));
    }
    // the training report: employers their own (another sponsor's or project's id: 404), the
    // desk every sponsor; the public figures: anyone
    for (actor, all, of_sub) in [
        (Anonymous, 401, 401),
        (Admin, 403, 403),
        (Officer, 200, 200),
        (Supervisor, 200, 200),
        (Sub, 200, 200),
        (Prime, 200, 200),
        (Sibling, 200, 404),
        (Other, 200, 404),
    ] {
        rows.push(row("get", "/reports/training", actor, None, all));
        let of_sponsor = "/reports/training?sponsor_id={sponsor}";
        rows.push(row("get", of_sponsor, actor, None, of_sub));
        rows.push(row("get", "/reports/training/export", actor, None, all));
        let of_project = "/reports/training/export?project_id={project}";
        rows.push(row("get", of_project, actor, None, of_sub));
    }
    for actor in [Anonymous, Admin, Officer, Sub, Other] {
        rows.push(row("get", "/public/training", actor, None, 200));
    }
    rows
}

fn batch_form(project_id: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("project_id", project_id.to_owned())
        .part(
            "workers",
            reqwest::multipart::Part::bytes(crate::helpers::csv_of(&[worker(91)]).into_bytes())
                .file_name("batch.csv"),
        )
}

fn pdf_form() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().text("kind", "other").part(
        "file",
        reqwest::multipart::Part::bytes(std::fs::read("tests/fixtures/two-pages.pdf").unwrap())
            .file_name("a.pdf"),
    )
}

async fn upload_pdf(app: &crate::helpers::TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(pdf_form())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_matrix_says() {
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None).await;
    let supervisor = app.user(Role::Supervisor, None).await;
    let officer = app.user(Role::Officer, None).await;
    let (prime, _) = app.ready_sponsor(&officer, None).await;
    let (sub, sub_project) = app.ready_sponsor(&officer, Some(&prime.id)).await;
    let (sibling, _) = app.ready_sponsor(&officer, Some(&prime.id)).await;
    let (other, _) = app.ready_sponsor(&officer, None).await;
    let pending = app.register_sponsor(None).await;
    app.complete_checklist(&officer, &pending.id).await;
    let fresh = app.register_sponsor(None).await;
    let filed = app.file(&sub.employer, &sub_project, 2).await;
    let case = filed["cases"][0]["id"].as_str().unwrap().to_owned();
    let case2 = filed["cases"][1]["id"].as_str().unwrap().to_owned();
    let filing = filed["id"].as_str().unwrap().to_owned();
    let window = app
        .open_window(
            &supervisor,
            crate::helpers::next_working_day(kitdesk::domain::time::desk_today()),
            "09:00",
            "09:30",
            15,
            2,
            "U.S. Embassy Seoul",
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let target_user = app.create_user(Role::Officer, None).await;
    let doc = upload_pdf(
        &app,
        &sub.employer.token,
        &format!("/api/v1/cases/{case}/documents"),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // an open trip for the exit rows, and an ESTA stay past its 90th day for the alert rows
    let trip = app
        .post_json(
            &format!("/api/v1/cases/{case}/trips"),
            Some(&officer.token),
            &json!({"admission_class": "B1", "entry_date": "2026-01-05"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let late = app
        .post_json(
            &format!("/api/v1/cases/{case}/trips"),
            Some(&officer.token),
            &json!({"admission_class": "WB", "entry_date": "2026-02-01", "exit_date": "2026-05-20"}),
        )
        .await;
    assert_eq!(late.status(), 201);
    let alerts: Value = app
        .get(
            &format!("/api/v1/cases/{case}/overstay-alerts"),
            Some(&officer.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let alert = alerts["items"][0]["id"].as_str().unwrap().to_owned();

    let tokens: HashMap<Actor, Option<String>> = HashMap::from([
        (Anonymous, None),
        (Admin, Some(admin.token.clone())),
        (Supervisor, Some(supervisor.token.clone())),
        (Officer, Some(officer.token.clone())),
        (Sub, Some(sub.employer.token.clone())),
        (Prime, Some(prime.employer.token.clone())),
        (Sibling, Some(sibling.employer.token.clone())),
        (Other, Some(other.employer.token.clone())),
    ]);
    let mut failures = Vec::new();
    for r in matrix(&sub_project, &officer.id) {
        let path = r
            .template
            .replace("{user}", &target_user.id)
            .replace("{subuser}", &sub.employer.id)
            .replace("{sponsor}", &sub.id)
            .replace("{pending}", &pending.id)
            .replace("{fresh}", &fresh.id)
            .replace("{item}", "business_registration")
            .replace("{project}", &sub_project)
            .replace("{case2}", &case2)
            .replace("{case}", &case)
            .replace("{filing}", &filing)
            .replace("{window}", &window)
            .replace("{route}", "ESTA-CIW")
            .replace("{capped}", "E4-PWK")
            .replace("{fy}", "2027")
            .replace("{run}", "0193a5c2-0000-7000-8000-000000000000")
            .replace("{doc}", &doc)
            .replace("{trip}", &trip)
            .replace("{alert}", &alert)
            .replace("{page}", "1")
            .replace("{token}", "not-a-token");
        let url = app.url(&format!("/api/v1{path}"));
        let (body, expect) = if r.template == "/sponsors/register" {
            (Some(app.sponsor_body(None)), 202)
        } else {
            (r.body.clone(), r.expect)
        };
        let mut req = match r.method {
            "get" => app.client.get(&url),
            "post" => app.client.post(&url),
            "patch" => app.client.patch(&url),
            "put" => app.client.put(&url),
            other => panic!("method {other}"),
        };
        if let Some(token) = tokens[&r.actor].as_ref() {
            req = req.bearer_auth(token);
        }
        if r.template.ends_with("/actions") {
            let (c, etag) = app.case(&officer, path.split('/').nth(2).unwrap()).await;
            let _ = c;
            req = req.header("if-match", etag);
        }
        req = match body {
            Some(b) => req.json(&b),
            None if r.method == "post" && r.template.ends_with("/documents") => {
                req.multipart(pdf_form())
            }
            None if r.template == "/filings/preview" => req.multipart(batch_form(&sub_project)),
            None if r.template.ends_with("/trips/import") => req
                .header("content-type", "text/csv")
                .body("date,class,type\n2026-02-02,B1,Arrival\n2026-02-09,,Departure\n"),
            None if r.template.ends_with("/training-sessions/import") => req
                .header("content-type", "text/csv")
                .body("date,hours,us_workers_trained,skill\n2026-01-05,7.5,4,Coating line\n"),
            None => req,
        };
        let got = req.send().await.unwrap().status().as_u16();
        if got != expect {
            failures.push(format!(
                "{} {} as {:?}: expected {expect}, got {got}",
                r.method.to_uppercase(),
                r.template,
                r.actor
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_api_route_has_a_row_in_the_matrix() {
    let rows = matrix("p", "o");
    let normalize = |t: &str| {
        t.replace("{user}", "{id}")
            .replace("{subuser}", "{user_id}")
            .replace("{sponsor}", "{id}")
            .replace("{pending}", "{id}")
            .replace("{fresh}", "{id}")
            .replace("{project}", "{id}")
            .replace("{case2}", "{id}")
            .replace("{case}", "{id}")
            .replace("{filing}", "{id}")
            .replace("{window}", "{id}")
            .replace("{doc}", "{id}")
            .replace("{trip}", "{trip_id}")
            .replace("{alert}", "{id}")
            .replace("{run}", "{sub}")
            .replace("{capped}", "{route}")
    };
    let covered: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_owned(), normalize(r.template)))
        .collect();
    let missing: Vec<String> = kitdesk::http::API_ROUTES
        .iter()
        .filter(|(m, p)| !covered.iter().any(|(cm, cp)| cm == m && cp == p))
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an authorization row: {missing:?}"
    );
}
