#!/usr/bin/env python3
"""Helpers of bench/run (standard library only).

  report.py pgbench-log SUMMARY LOG...   one JSON line from pgbench's summary and its
                                         per-transaction logs (-l): rate and percentiles
  report.py p9 MAILS LEFT T0 T1 LOG       one JSON line for an outbox drain: rate overall and
                                         in its first and last fifth (from the progress that
                                         `kitdesk outbox run --once` writes to LOG)
  report.py rounds RAW ID N               of the N alternated rounds RAW/ID-app-r<n>.json and
                                         RAW/ID-pgbench-r<n>.json, the one with the median
                                         ratio becomes RAW/ID-app.json and RAW/ID-pgbench.json;
                                         every round's ratio goes to RAW/ID-rounds.json
  report.py table OUT                    OUT/results.md and OUT/results.json from OUT/raw/*.json
"""
import json
import re
import sys
from pathlib import Path


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def pgbench_log(summary_path, log_paths):
    summary = Path(summary_path).read_text()
    latencies = []
    for path in log_paths:
        for line in Path(path).read_text().splitlines():
            fields = line.split()
            # client_id transaction_no time_us script_no time_epoch time_us
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000)
    latencies.sort()
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", summary)
    failed = re.search(r"number of failed transactions: (\d+)", summary)
    duration = re.search(r"duration: (\d+) s", summary)
    seconds = float(duration.group(1)) if duration else 0.0
    result = {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": float(tps.group(1)) if tps else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p90_ms": round(percentile(latencies, 90), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else 0.0,
        "expected": len(latencies),
        "unexpected": int(failed.group(1)) if failed else 0,
    }
    print(json.dumps(result))


# The ratios docs/benchmarks.md's history table keeps, in its column order.
HISTORY_COLUMNS = ["P1-postgres", "P2-postgres", "P3-postgres", "P4-postgres", "P5-postgres",
                   "P2-sqlite", "P3-sqlite"]


def p9(mails, left, t0, t1, log_path):
    mails, left, seconds = int(mails), int(left), float(t1) - float(t0)
    # "sent N mails in S s (R per second)…", at most once a second, separated by \r: the
    # worker's own count, so that measuring adds no query to the database being drained
    samples = [(float(s), int(n)) for n, s in
               re.findall(r"sent (\d+) mails in ([0-9.]+) s", Path(log_path).read_text())]

    def rate_between(lo, hi):
        """Mails per second while the mails sent went from lo to hi."""
        inside = [(t, sent) for t, sent in samples if lo <= sent <= hi]
        if len(inside) < 2 or inside[-1][0] == inside[0][0]:
            return None
        return round((inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]), 1)

    result = {
        "mails": mails,
        "left": left,
        "seconds": round(seconds, 1),
        "per_s": round((mails - left) / seconds, 1) if seconds > 0 else 0.0,
        "first_fifth_per_s": rate_between(0, mails // 5),
        "last_fifth_per_s": rate_between(mails - mails // 5, mails),
    }
    print(json.dumps(result))


def load(raw, name):
    path = raw / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def rate(m):
    """Answers per second that were the expected answer (a 429 or 500 is not throughput)."""
    if m is None:
        return None
    if "hashes_per_s" in m:
        return m["hashes_per_s"]
    if "expected" in m and m.get("seconds"):
        return m["expected"] / m["seconds"]
    return m.get("rps")


def median(items, key):
    """The item with the median key (the lower of the two middle ones for an even count)."""
    ordered = sorted(items, key=key)
    return ordered[(len(ordered) - 1) // 2]


def rounds(raw, id_, n):
    raw, n = Path(raw), int(n)
    pairs = []
    for i in range(1, n + 1):
        app, ref = load(raw, f"{id_}-app-r{i}"), load(raw, f"{id_}-pgbench-r{i}")
        a, r = rate(app), rate(ref)
        pairs.append((i, a / r if a is not None and r else 0.0))
    middle = median(pairs, key=lambda p: p[1])[0]
    for kind in ("app", "pgbench"):
        (raw / f"{id_}-{kind}.json").write_text((raw / f"{id_}-{kind}-r{middle}.json").read_text())
    result = {"ratios": [round(ratio, 3) for _, ratio in pairs], "median_round": middle}
    (raw / f"{id_}-rounds.json").write_text(json.dumps(result) + "\n")
    print(f"   {id_} rounds: " + ", ".join(f"{ratio:.2f}" for _, ratio in pairs) + f" (median: round {middle})")


def rounds_note(raw, id_):
    """The rounds' ratios and which one the figures are from, when measured in rounds."""
    r = load(raw, f"{id_}-rounds")
    if not r or len(r["ratios"]) < 2:
        return ""
    return ("rounds " + ", ".join(f"{x:.2f}" for x in r["ratios"])
            + f" (app and limit alternated; figures of round {r['median_round']}, the median)")


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def lat(m):
    if m is None or "p50_ms" not in m:
        return "–"
    return f"{m['p50_ms']:.1f} / {m['p99_ms']:.1f}"


def latency_checks(checks, note, full, half, limit_ms):
    """p99 against its target at half the maximum rate when measured (else at the maximum),
    with the other figure in the note."""
    if half:
        checks = checks + [(f"p99 ≤ {limit_ms} ms at half rate ({half['p99_ms']:.1f})", half["p99_ms"] <= limit_ms)]
        extra = (f"half rate: {rate(half):.0f}/s, p50/p99 {half['p50_ms']:.1f}/{half['p99_ms']:.1f} ms; "
                 f"p99 at the maximum rate {full['p99_ms']:.1f} ms")
    else:
        checks = checks + [(f"p99 ≤ {limit_ms} ms ({full['p99_ms']:.1f})", full["p99_ms"] <= limit_ms)]
        extra = ""
    return checks, "; ".join(x for x in (note, extra) if x)


def table(out):
    out = Path(out)
    raw = out / "raw"
    meta = load(raw, "meta") or {}
    rows = []

    def row(id_, backend, workload, app, ref, ratio_target, extra_checks, note="", floor=False):
        """`floor`: the ratio has no target, only a level it must not fall below."""
        a, r = rate(app), rate(ref)
        ratio = a / r if a is not None and r else None
        checks = []
        if ratio_target is not None and ratio is not None:
            label = (f"not below {ratio_target:.2f} × (no target; the ratio when issue 18 was filed)"
                     if floor else f"≥ {ratio_target:.2f} ×")
            checks.append((label, ratio >= ratio_target))
        checks.extend(extra_checks)
        if app is not None and app.get("unexpected"):
            sample = app.get("unexpected_sample")
            # scripts that let wrk count (count_in_wrk) know only that the status was ≥ 400
            example = f"e.g. {sample}" if sample else "status 400 or more"
            note = (note + "; " if note else "") + (
                f"{app['unexpected']} unexpected answers ({example})"
            )
        rows.append(
            {
                "id": id_,
                "backend": backend,
                "workload": workload,
                "app_per_s": round(a, 1) if a is not None else None,
                "limit_per_s": round(r, 1) if r is not None else None,
                "ratio": round(ratio, 3) if ratio is not None else None,
                "app_p50_ms": app.get("p50_ms") if app else None,
                "app_p99_ms": app.get("p99_ms") if app else None,
                "limit_p50_ms": ref.get("p50_ms") if ref else None,
                "limit_p99_ms": ref.get("p99_ms") if ref else None,
                "checks": [{"target": t, "met": bool(m)} for t, m in checks],
                "note": note,
                "_app": app,
                "_ref": ref,
            }
        )

    p1, p1h = load(raw, "p1-app"), load(raw, "p1-app-half")
    if p1:
        checks = []
        note = ""
        if p1h:
            checks.append((f"p99 ≤ 50 ms at half rate ({p1h['p99_ms']:.1f})", p1h["p99_ms"] <= 50))
            note = f"half rate: {rate(p1h):.0f}/s offered, p50/p99 {p1h['p50_ms']:.1f}/{p1h['p99_ms']:.1f} ms"
        note = "; ".join(x for x in (rounds_note(raw, "p1"), note) if x)
        row("P1", "postgres", "file one case", p1, load(raw, "p1-pgbench"), 0.75, checks, note)
    p2 = load(raw, "p2-app")
    if p2:
        plan_path = out / "p2-plan-postgres.txt"
        plan = plan_path.read_text() if plan_path.exists() else ""
        index_no_sort = "Index" in plan and "Sort" not in plan
        first = plan.splitlines()[1].strip() if len(plan.splitlines()) > 1 else ""
        checks = [("index, no sort", index_no_sort)]
        note = "; ".join(x for x in (rounds_note(raw, "p2"), f"plan: {first}") if x)
        checks, note = latency_checks(checks, note, p2, load(raw, "p2-app-half"), 25)
        row("P2", "postgres", "queue page of 50, filter, keyset", p2, load(raw, "p2-pgbench"), 0.60, checks, note)
    p3 = load(raw, "p3-app")
    if p3:
        checks, note = latency_checks([], rounds_note(raw, "p3"), p3, load(raw, "p3-app-half"), 10)
        row("P3", "postgres", "public status look-up", p3, load(raw, "p3-pgbench"), 0.50, checks, note)
    p4 = load(raw, "p4-app")
    if p4:
        alone, flood = load(raw, "p3-light"), load(raw, "p3-light-flood")
        checks, note = [], ""
        if alone and flood and alone["p99_ms"]:
            factor = flood["p99_ms"] / alone["p99_ms"]
            checks.append((f"P3 p99 ≤ 2× during flood ({factor:.1f}×)", factor <= 2))
            note = (f"P3 at a light load: p99 {alone['p99_ms']:.1f} ms alone, "
                    f"{flood['p99_ms']:.1f} ms during the flood")
        ref = load(raw, "p4-argon2-raw")
        if ref:
            note += f"; raw argon2 on {ref['threads']} threads"
        row("P4", "postgres", "sign-in flood (argon2id m=19456 t=2 p=1)", p4, ref, 0.90, checks, note)
    p8 = load(raw, "p8-app")
    if p8:
        plan_path = out / "p8-plan-postgres.txt"
        plan = plan_path.read_text() if plan_path.exists() else ""
        # The distinct names are read by case_names_trgm_idx, or scanned while they are few
        # (the demo seed has 240); each name's page comes from its queue-order index.
        checks = [("each name's page from cases_search_names_queue_idx",
                   "cases_search_names_queue_idx" in plan),
                  (f"p99 ≤ 50 ms ({p8['p99_ms']:.1f})", p8["p99_ms"] <= 50)]
        row("P8", "postgres", "search: name, receipt, passport last four", p8, None, None, checks,
            "600 searches drawn from the stored cases")
    p7 = load(raw, "p7")
    if p7:
        n = p7["rounds"]
        for id_, workload, limit_ms in (("p2", "queue page", 25), ("p3", "status look-up", 10)):
            base = [load(raw, f"p7-{id_}-base-r{i}") for i in range(1, n + 1)]
            grown = [load(raw, f"p7-{id_}-grown-r{i}") for i in range(1, n + 1)]
            if not all(base) or not all(grown):
                continue
            app = median(grown, key=lambda m: m["p99_ms"])
            b, g = median(base, key=lambda m: m["p99_ms"])["p99_ms"], app["p99_ms"]
            factor = g / b if b else float("inf")
            checks = [(f"p99 at half rate ≤ 1.2× the {p7['base_cases']:,}-case p99 ({factor:.2f}×: "
                       f"{g:.1f} vs {b:.1f} ms)", factor <= 1.2),
                      (f"p99 ≤ {limit_ms} ms at {p7['grown_cases']:,} cases ({g:.1f})", g <= limit_ms)]
            note = (f"medians of {n} alternated rounds at one offered rate; p99 ms at "
                    f"{p7['base_cases']:,}: " + ", ".join(f"{m['p99_ms']:.1f}" for m in base)
                    + f"; at {p7['grown_cases']:,}: " + ", ".join(f"{m['p99_ms']:.1f}" for m in grown))
            row("P7", "postgres", f"{workload} at {p7['grown_cases']:,} cases", app, None, None, checks, note)
    p5 = load(raw, "p5-app")
    if p5:
        row("P5", "postgres", "officer action with If-Match", p5, load(raw, "p5-pgbench"), 0.75, [])
    for mailer in ("files", "smtp"):
        m = load(raw, f"p9-{mailer}")
        if m:
            first, last = m.get("first_fifth_per_s"), m.get("last_fifth_per_s")
            steady = first is not None and last is not None and last >= 0.8 * first
            checks = [(f"≥ 1,000 mails/s ({m['per_s']:,.0f})", m["per_s"] >= 1000),
                      (f"steady: last fifth ≥ 0.8 × first ({fmt(last)} vs {fmt(first)}/s)", steady)]
            app = {"expected": m["mails"] - m["left"], "seconds": m["seconds"]}
            row("P9", "postgres", f"outbox drain of {m['mails']:,} mails to {mailer}", app, None, None, checks,
                f"{m['left']} left; first fifth {fmt(first)}/s, last fifth {fmt(last)}/s")
    sp2 = load(raw, "p2-app-sqlite")
    if sp2:
        row("P2", "sqlite", "queue page of 50, filter, keyset", sp2, load(raw, "p2-ref-sqlite"), 0.46,
            [(f"p99 ≤ 25 ms ({sp2['p99_ms']:.1f})", sp2["p99_ms"] <= 25)], "reference: Python sqlite3 loop",
            floor=True)
    sp3 = load(raw, "p3-app-sqlite")
    if sp3:
        row("P3", "sqlite", "public status look-up", sp3, load(raw, "p3-ref-sqlite"), 0.17,
            [(f"p99 ≤ 10 ms ({sp3['p99_ms']:.1f})", sp3["p99_ms"] <= 10)], "reference: Python sqlite3 loop",
            floor=True)

    memory = []
    for backend in ("postgres", "sqlite"):
        idle, loaded = load(raw, f"rss-idle-{backend}"), load(raw, f"rss-load-{backend}")
        if idle:
            mb = idle["rss_kb"] / 1024
            value = f"{mb:.1f} MB"
            if "anon_kb" in idle:
                value += f" ({idle['anon_kb'] / 1024:.1f} MB heap and stacks, {idle['file_kb'] / 1024:.1f} MB mapped files)"
            memory.append({"what": f"RSS idle ({backend})", "value": value, "target": "≤ 64 MB", "met": mb <= 64})
        if loaded:
            mb = loaded["hwm_kb"] / 1024
            memory.append({"what": f"RSS peak under load ({backend})", "value": f"{mb:.1f} MB", "target": "≤ 256 MB", "met": mb <= 256})
    cold = out / "coldstart.txt"
    if cold.exists():
        for backend in ("sqlite", "postgres"):
            runs = [int(m) for m in re.findall(rf"^{backend}\s+run \d+: (\d+) ms", cold.read_text(), re.M)]
            if runs:
                memory.append({"what": f"cold start with migrations ({backend})",
                               "value": ", ".join(f"{r} ms" for r in runs), "target": "≤ 1 s", "met": max(runs) <= 1000})
    for backend in ("postgres", "sqlite"):
        seed = load(raw, f"seed-{backend}")
        if seed:
            memory.append({"what": f"demo seed ({backend})", "value": f"{seed['cases']:,} cases in {seed['seconds']} s",
                           "target": "", "met": None})

    lines = [
        f"Run {meta.get('stamp', '?')} at {meta.get('commit', '?')}: {meta.get('cases', '?'):,} cases, "
        f"{meta.get('connections', '?')} connections, {meta.get('threads', '?')} load threads, "
        f"{meta.get('seconds', '?')} s per run, {meta.get('cores', '?')} cores, load average before: {meta.get('load_before', '?')}",
        "",
        "| id | backend | workload | app /s | limit /s | app/limit | app p50 / p99 ms | limit p50 / p99 ms | targets | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        targets = "; ".join(f"{'✅' if c['met'] else '❌'} {c['target']}" for c in r["checks"])
        lines.append(
            f"| {r['id']} | {r['backend']} | {r['workload']} | {fmt(r['app_per_s'])} | {fmt(r['limit_per_s'])} | "
            f"{fmt(r['ratio'], 2)} | {lat(r['_app'])} | {lat(r['_ref'])} | {targets} | {r['note']} |"
        )
    if memory:
        lines += ["", "| M | value | target |", "|---|---|---|"]
        for m in memory:
            mark = "" if m["met"] is None else ("✅ " if m["met"] else "❌ ")
            lines.append(f"| {m['what']} | {m['value']} | {mark}{m['target']} |")
    # One line per target, met or missed, with its figure: what a reader looks for first.
    verdicts = []
    for r in rows:
        figure = f"{r['ratio']:.2f} of the limit" if r["ratio"] is not None else ""
        for c in r["checks"]:
            mark = "met   " if c["met"] else "MISSED"
            target = c["target"]
            if target.startswith("≥") and figure:
                target = f"{figure} (target {target.rstrip(' ×')})"
            verdicts.append(f"{mark} {r['id']} {r['backend']}: {r['workload']}: {target}")
    for m in memory:
        if m["met"] is not None:
            mark = "met   " if m["met"] else "MISSED"
            verdicts.append(f"{mark} {m['what']}: {m['value']} (target {m['target']})")
    if verdicts:
        lines += ["", "Verdicts:", "", "```", *verdicts, "```"]
    # The row for docs/benchmarks.md's history table (commit, date, each ratio).
    ratios = {f"{r['id']}-{r['backend']}": r["ratio"] for r in rows if r["ratio"] is not None}
    history = (f"| {meta.get('commit', '?')} | {meta.get('stamp', '?')[:8]} | {meta.get('cases', '?'):,} | "
               + " | ".join(fmt(ratios.get(k), 2) for k in HISTORY_COLUMNS) + " |")
    lines += ["", "History row (docs/benchmarks.md):", "", history]
    markdown = "\n".join(lines) + "\n"
    (out / "results.md").write_text(markdown)
    for r in rows:
        r.pop("_app"), r.pop("_ref")
    (out / "results.json").write_text(json.dumps({"meta": meta, "workloads": rows, "memory_and_start": memory}, indent=2, ensure_ascii=False) + "\n")
    print(markdown)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "pgbench-log":
        pgbench_log(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 7 and sys.argv[1] == "p9":
        p9(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "rounds":
        rounds(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)
