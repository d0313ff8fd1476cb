//! Rules engine throughput: the full path (a facts v2 document as JSON text → parse → all seven
//! routes of contract v2 evaluated → explanation serialized) and a dry run of a draft over
//! 100,000 stored cases.
//!
//! Run: `cargo bench --bench rules`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kitdesk::rules::{DryRunCase, EvalContext, RuleBook};
use serde_json::Value;
use std::hint::black_box;
use std::time::{Duration, Instant};

const FACTS: &str = r#"{
  "facts_version": 2,
  "filing_date": "2027-01-11",
  "applicant": {
    "nationality": "KR", "other_nationalities": [], "date_of_birth": "1988-04-12",
    "passport_expiry": "2031-05-01", "education": "bachelor", "degree_in_specialty": false,
    "degree_equivalent": false, "years_experience": 9,
    "months_employed_by_sponsor_last_3y": 30, "tenure_continuous": true, "role": "installer",
    "specialized_knowledge": true, "prior_us_violation": false, "previously_detained_2025": false,
    "prior_visa_refusal": false, "prior_esta_denial": false,
    "travel_since_2011": [{"country": "JP", "from": "2019-05-01", "to": "2019-05-09"}],
    "e4_initial": true
  },
  "assignment": {
    "activities": ["install", "train_us_workers"],
    "planned_entry": "2027-02-01", "planned_exit": "2027-04-01",
    "pay_source": "foreign", "equipment_purchased_abroad": true,
    "contract_requires_seller_services": true, "worker_employed_by_seller": true,
    "worksite_controlled_by_group": true, "specialty_occupation": false,
    "offered_wage_usd": 98000, "prevailing_wage_usd": 91000, "actual_wage_usd": 95000
  },
  "employer": {
    "korean_ownership_pct": 100, "treaty_investor": true,
    "qualifying_relationship": "subsidiary", "labor_attestation_filed": false,
    "strike_or_lockout": false
  }
}"#;

fn load() -> RuleBook {
    match RuleBook::builtin() {
        Ok(book) => book,
        Err(report) => panic!("{report}"),
    }
}

/// One application end to end; returns the JSON length so nothing is optimised away.
fn full_path(book: &RuleBook, text: &str, ctx: &EvalContext) -> usize {
    let facts: Value = serde_json::from_str(text).unwrap();
    let evaluation = book.evaluate(&facts, ctx).unwrap();
    evaluation.to_json().len()
}

fn bench_full_path(c: &mut Criterion) {
    let book = load();
    let ctx = EvalContext::new().with_e4_cap_used(1_234);
    println!("explanation size: {} bytes", full_path(&book, FACTS, &ctx));
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(1));
    group.bench_function("full_path_one_application", |b| {
        b.iter(|| full_path(&book, black_box(FACTS), &ctx))
    });
    group.finish();

    // One thread, by the wall clock and by the thread's own CPU clock. The target is "on one
    // core": the CPU figure is what one core does, whatever else the machine is running
    // (criterion's wall-clock figures drop when other processes share the cores).
    let n = 50_000;
    let (start, cpu_start) = (Instant::now(), thread_cpu_seconds());
    let mut bytes = 0;
    for _ in 0..n {
        bytes += full_path(&book, black_box(FACTS), &ctx);
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds() - cpu_start;
    println!(
        "full path, one thread: {n} applications in {secs:.3} s wall = {:.0}/s; {cpu:.3} s CPU = {:.0} per CPU-second; {:.1} µs CPU each ({bytes} bytes)",
        n as f64 / secs,
        n as f64 / cpu,
        cpu * 1e6 / n as f64
    );
}

/// CPU time consumed by the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9
}

fn cases(n: usize) -> Vec<DryRunCase> {
    let base: Value = serde_json::from_str(FACTS).unwrap();
    (0..n)
        .map(|i| {
            let mut facts = base.clone();
            // Stays of 30..150 days so that a tighter ESTA limit changes some outcomes.
            let exit = chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()
                + chrono::Days::new(29 + (i % 121) as u64);
            facts["assignment"]["planned_exit"] = Value::String(exit.to_string());
            DryRunCase {
                facts,
                context: EvalContext::new().with_e4_cap_used((i % 16_000) as u64),
            }
        })
        .collect()
}

fn bench_dry_run(c: &mut Criterion) {
    let book = load();
    let draft_text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/esta-ciw.v2.toml"
    ))
    .replacen("version = 2", "version = 3", 1)
    .replacen("value = 90,", "value = 60,", 1);
    let draft = book.compile_draft(&draft_text).unwrap();
    let drafts = std::slice::from_ref(&draft);
    let all = cases(100_000);
    let start = Instant::now();
    let report = book.dry_run(drafts, &all);
    println!(
        "dry run: {} cases in {:.3} s on {} thread(s), {} outcome changes",
        report.cases,
        start.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        report.changed.len()
    );
    let mut group = c.benchmark_group("rules");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("dry_run_10k_cases", |b| {
        b.iter_batched(
            || cases(10_000),
            |cs| book.dry_run(drafts, &cs).changed.len(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_full_path, bench_dry_run);
criterion_main!(benches);
