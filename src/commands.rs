//! What each CLI subcommand does. `main.rs` only parses the command line and calls [`run`].

use std::io::BufRead;
use std::process::ExitCode;

use crate::cli::{
    AuditCommand, Cli, Command, DemoCommand, DocumentsCommand, OutboxCommand, RulesCommand,
    UserCommand,
};
use crate::config::Config;
use crate::db::DbUrl;
use crate::domain::{EmailAddress, Password, Role};
use crate::notify::{Mailer, Worker};
use crate::service::accounts::{self, NewAccount};
use crate::service::outbox::{self, OutboxQuery};
use crate::service::{FieldErrors, ServiceError, Settings};
use crate::startup::{self, Application};
use crate::telemetry;

pub fn run(cli: Cli) -> ExitCode {
    telemetry::init_logging(cli.settings.log_format);
    // Checking and testing rule files needs no database or configuration.
    match &cli.command {
        Command::Rules(RulesCommand::Check { dir }) => return rules_check(dir, false),
        Command::Rules(RulesCommand::Test { dir }) => return rules_check(dir, true),
        _ => {}
    }
    let config = match Config::from_args(&cli.settings) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("could not start the runtime: {e}")),
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::User(UserCommand::Create {
                email,
                role,
                sponsor_id,
                name,
            }) => create_user(config, email, role, sponsor_id, name).await,
            Command::User(UserCommand::List) => list_users(config).await,
            Command::Audit(AuditCommand::Verify) => verify_audit(config).await,
            Command::Rules(RulesCommand::Impact { file, list }) => {
                rules_impact(config, file, list).await
            }
            Command::Rules(RulesCommand::Reevaluate) => rules_reevaluate(config).await,
            Command::Rules(_) => Ok(()),
            Command::Demo(DemoCommand::Seed { cases, jobs }) => {
                demo_seed(config, cases, jobs).await
            }
            Command::Outbox(OutboxCommand::Run { once }) => run_outbox(config, once).await,
            Command::Outbox(OutboxCommand::List { state, limit }) => {
                list_outbox(config, state, limit).await
            }
            Command::Outbox(OutboxCommand::Retry { id }) => retry_outbox(config, id).await,
            Command::Documents(DocumentsCommand::Gc { grace_hours }) => {
                documents_gc(config, grace_hours).await
            }
            Command::Documents(DocumentsCommand::Purge {
                closed_before,
                dry_run,
            }) => documents_purge(config, closed_before, dry_run).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("kitdesk: {message}");
    ExitCode::FAILURE
}

async fn serve(config: Config) -> Result<(), String> {
    let app = Application::build(config)
        .await
        .map_err(|e| e.to_string())?;
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

async fn migrate(config: Config) -> Result<(), String> {
    startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    println!("database {} is migrated", config.database.redacted());
    Ok(())
}

async fn create_user(
    config: Config,
    email: String,
    role: String,
    sponsor_id: Option<String>,
    name: Option<String>,
) -> Result<(), String> {
    let mut errors = FieldErrors::new();
    let email = errors.check("--email", EmailAddress::parse(&email));
    let role = errors.check("--role", role.parse::<Role>());
    let password = read_password()?;
    let password = errors.check("password (stdin)", Password::parse(&password));
    if let Err(ServiceError::Validation(errors)) = errors.finish() {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        return Err(lines.join("\n"));
    }
    let (Some(email), Some(role), Some(password)) = (email, role, password) else {
        return Err("invalid arguments".into());
    };
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let account = NewAccount {
        email,
        display_name: name,
        password,
        role,
        sponsor_id,
    };
    let user = ctx
        .run(move |conn, _| accounts::create_user(conn, account))
        .await
        .map_err(describe)?;
    println!("created {} user {} ({})", user.role, user.email, user.id);
    Ok(())
}

async fn list_users(config: Config) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let users = ctx
        .run(|conn, _| accounts::list_users(conn))
        .await
        .map_err(describe)?;
    println!("{:<38} {:<11} {:<9} EMAIL", "ID", "ROLE", "DISABLED");
    for u in users {
        println!("{:<38} {:<11} {:<9} {}", u.id, u.role, u.disabled, u.email);
    }
    Ok(())
}

async fn verify_audit(config: Config) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let path = config.data_dir.join(crate::service::audit::ANCHOR_FILE);
    let anchors = crate::service::audit::read_anchors(&path).map_err(describe)?;
    if anchors.is_empty() {
        eprintln!(
            "kitdesk: no anchors in {}: a truncated chain cannot be detected without them",
            path.display()
        );
    }
    let report = ctx
        .run(move |conn, ctx| {
            crate::service::audit::verify_chain(conn, &ctx.secrets.audit_chain, &anchors)
        })
        .await
        .map_err(describe)?;
    match (report.first_broken_seq, report.tampering, report.problem) {
        (None, _, _) => {
            println!(
                "audit chain intact: {} rows verified ({} unkeyed legacy rows), {} anchors matched",
                report.rows_checked, report.legacy_rows, report.anchors_checked
            );
            Ok(())
        }
        (Some(seq), kind, problem) => Err(format!(
            "audit chain broken at row {seq}: {}: {} ({} rows before it verified)",
            kind.map(|k| format!("{k:?}").to_lowercase())
                .unwrap_or_default(),
            problem.unwrap_or_default(),
            report.rows_checked
        )),
    }
}

fn rules_check(dir: &std::path::Path, run_tests: bool) -> ExitCode {
    let book = match crate::rules::check_dir(dir) {
        Ok(book) => book,
        Err(report) => {
            for problem in &report.problems {
                eprintln!("{problem}");
            }
            return fail(&format!(
                "{} problem(s) in {}",
                report.problems.len(),
                dir.display()
            ));
        }
    };
    let versions: usize = book.routes().iter().map(|r| book.versions(r).len()).sum();
    println!(
        "{}: {} routes, {versions} versions valid",
        dir.display(),
        book.routes().len()
    );
    if !run_tests {
        return ExitCode::SUCCESS;
    }
    let report = crate::rules::test_book(&book);
    println!("{report}");
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn documents_gc(config: Config, grace_hours: i64) -> Result<(), String> {
    if grace_hours < 0 {
        return Err("--grace-hours must be 0 or more".into());
    }
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let report = crate::service::documents::gc(&ctx, chrono::Duration::hours(grace_hours))
        .await
        .map_err(describe_with_details)?;
    println!(
        "{} objects in {}: {} orphans removed, {} younger than {grace_hours} h kept; {} ZIPs staged for a filing that never came removed",
        report.objects,
        ctx.documents.described,
        report.orphans_removed,
        report.orphans_kept,
        report.bundles_expired
    );
    Ok(())
}

async fn documents_purge(
    config: Config,
    closed_before: chrono::NaiveDate,
    dry_run: bool,
) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let report = crate::service::documents::purge(&ctx, closed_before, dry_run)
        .await
        .map_err(describe_with_details)?;
    println!(
        "{} {} documents ({} bytes) of cases closed before {closed_before}",
        if dry_run { "would remove" } else { "removed" },
        report.documents,
        report.bytes
    );
    Ok(())
}

async fn rules_reevaluate(config: Config) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let run = ctx
        .run(move |conn, ctx| {
            let run = crate::service::eligibility::new_reevaluation(
                conn,
                "reevaluate",
                uuid::Uuid::now_v7().to_string(),
            )?;
            let total = run.total;
            crate::service::eligibility::reevaluate_undecided(conn, ctx, &run.id, &mut |done| {
                eprint!("\rre-evaluated {done} of {total} undecided cases…");
            })
        })
        .await
        .map_err(describe_with_details)?;
    eprintln!();
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "{} undecided cases re-evaluated in {seconds:.1} s ({:.0} cases/s): {} changed outcome, {} failed",
        run.done,
        run.done as f64 / seconds,
        run.changed,
        run.failed
    );
    if run.failed > 0 {
        return Err(format!(
            "{} cases could not be re-evaluated (see the log)",
            run.failed
        ));
    }
    Ok(())
}

async fn rules_impact(config: Config, file: std::path::PathBuf, list: bool) -> Result<(), String> {
    let source = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let report = ctx
        .run(move |conn, ctx| {
            crate::service::eligibility::impact(conn, ctx, None, &source, &mut |evaluated| {
                let rate = evaluated as f64 / started.elapsed().as_secs_f64().max(1e-3);
                eprint!("\revaluated {evaluated} cases ({rate:.0} per second)…");
            })
        })
        .await
        .map_err(describe_with_details)?;
    eprintln!(" in {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "{} v{}: {} cases evaluated, {} would change",
        report.route, report.version, report.cases_evaluated, report.cases_changed
    );
    for (change, count) in &report.counts {
        println!("  {}: {count}", change.label());
    }
    if list {
        for c in &report.changes {
            println!(
                "  {} {} {} → {}",
                c.receipt_number,
                c.route,
                c.before.as_str(),
                c.after.as_str()
            );
        }
        if !report.changes_complete {
            println!(
                "  (the first {} changes; the counts above cover every case)",
                crate::service::eligibility::IMPACT_LISTED
            );
        }
    }
    Ok(())
}

async fn demo_seed(config: Config, cases: usize, jobs: Option<usize>) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let jobs = match (&config.database, jobs) {
        (_, Some(n)) => n.clamp(1, 8),
        (DbUrl::Postgres(_), None) => {
            std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
        }
        (DbUrl::Sqlite(_), None) => 1,
    };
    let bar = indicatif::ProgressBar::new(cases as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} filing demo cases [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let setup = ctx
        .run(|conn, ctx| crate::service::demo::prepare(conn, &ctx.settings.public_url))
        .await
        .map_err(describe)?;
    let setup = std::sync::Arc::new(setup);
    // Each filer files its share on its own connection; the service's own locks (receipt
    // counter, audit chain) keep the numbering gapless and the chain whole.
    let mut filers = Vec::with_capacity(jobs);
    for job in 0..jobs {
        let share = cases / jobs + usize::from(job < cases % jobs);
        let (ctx, setup, bar) = (ctx.clone(), setup.clone(), bar.clone());
        filers.push(tokio::spawn(async move {
            ctx.run(move |conn, ctx| {
                crate::db::relax_durability_for_bulk_load(conn)?;
                // Worker numbers (in demo e-mail addresses) stay distinct across filers.
                crate::service::demo::file_cases(conn, ctx, &setup, share, job * cases, &mut |n| {
                    bar.inc(n as u64)
                })
            })
            .await
        }));
    }
    for filer in filers {
        filer
            .await
            .map_err(|e| format!("a demo filer stopped: {e}"))?
            .map_err(describe)?;
    }
    bar.finish();
    println!(
        "filed {cases} demo cases in {:.1} s with {jobs} filer(s) into {}",
        started.elapsed().as_secs_f64(),
        config.database.redacted()
    );
    println!("\nsign-ins (shown once; store them now):");
    for c in &setup.credentials {
        println!(
            "  {:<10} {:<36} {:<32} {}",
            c.role.as_str(),
            c.email,
            c.password,
            c.note
        );
    }
    Ok(())
}

fn describe_with_details(e: ServiceError) -> String {
    match e {
        ServiceError::Conflict {
            message,
            details: Some(details),
            ..
        } => {
            let problems = details["problems"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            format!("{message}\n{problems}")
        }
        other => describe(other),
    }
}

async fn run_outbox(config: Config, once: bool) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let mailer = Mailer::from_config(&config.mail).map_err(|e| e.to_string())?;
    let worker = Worker::new(ctx.pool.clone(), mailer, config.outbox.clone());
    if once {
        // Progress on stderr at most once a second, for a backlog that takes minutes: what
        // was sent so far, and the rate since the start.
        let started = std::time::Instant::now();
        let mut shown = started;
        let report = worker
            .drain_with(&mut |total| {
                if shown.elapsed() >= std::time::Duration::from_secs(1) {
                    shown = std::time::Instant::now();
                    let seconds = started.elapsed().as_secs_f64();
                    eprint!(
                        "\rsent {} mails in {seconds:.1} s ({:.0} per second)…",
                        total.sent,
                        total.sent as f64 / seconds
                    );
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        if shown != started {
            eprintln!();
        }
        println!(
            "outbox: {} sent, {} to retry later, {} dead",
            report.sent, report.retried, report.dead
        );
        return Ok(());
    }
    let handle = worker.spawn();
    wait_for_stop_signal().await;
    eprintln!("kitdesk: stopping the outbox worker after the message in flight");
    handle.stop().await;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM (what `docker stop` and systemd send).
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn list_outbox(config: Config, state: Option<String>, limit: i64) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let page = ctx
        .run(move |conn, _| {
            outbox::list(
                conn,
                OutboxQuery {
                    state,
                    limit: Some(limit),
                },
            )
        })
        .await
        .map_err(describe)?;
    println!("counts: {}", page.counts);
    println!(
        "{:<38} {:<8} {:>5} {:<20} {:<28} LAST ERROR",
        "ID", "STATE", "TRIES", "KIND", "TO"
    );
    for m in page.items {
        println!(
            "{:<38} {:<8} {:>5} {:<20} {:<28} {}",
            m.id,
            m.state,
            m.attempts,
            m.kind,
            m.recipient,
            m.last_error.unwrap_or_default()
        );
    }
    Ok(())
}

async fn retry_outbox(config: Config, id: String) -> Result<(), String> {
    let ctx = startup::open_context(&config, Settings::unbounded())
        .await
        .map_err(|e| e.to_string())?;
    let item = ctx
        .run(move |conn, _| outbox::retry(conn, &id))
        .await
        .map_err(describe)?;
    println!("message {} is due again ({})", item.id, item.state);
    Ok(())
}

/// One line from standard input, without its line ending. Passwords never come from argv,
/// where `ps` would show them to every user of the machine.
fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("could not read the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A service error as one line for the terminal.
pub fn describe(e: ServiceError) -> String {
    match e {
        ServiceError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}
