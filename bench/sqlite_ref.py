#!/usr/bin/env python3
"""SQLite reference for P2 and P3: the handler's own SQL (diesel's text for SQLite: the
PostgreSQL capture of bench/capture-sql with backtick quoting and ? placeholders), run in a
loop by CONNS processes at once for SECONDS, each with its own connection and the service's
pragmas. Rows are fetched in full, as the service does. Prints one JSON line.

  sqlite_ref.py DB p2|p3 INPUT_DIR SESSION_HASH CONNS SECONDS

Python's own per-row cost is part of this reference, so it is a lower bound of the limit
(the app/limit ratio it gives is flattering): see docs/benchmarks.md.
"""
import base64
import json
import multiprocessing
import random
import sqlite3
import sys
import time

CASE_COLUMNS = ", ".join(
    f"`cases`.`{c}`"
    for c in (
        "id receipt_number filing_id sponsor_id project_id status version assignee_id given_name "
        "family_name name_ko email date_of_birth nationality passport_ciphertext passport_last4 "
        "passport_index duplicate_passport facts_json filing_date suggested_route evidence_due "
        "interview_at decision_route decision_reason annotation decided_by decided_at created_at "
        "updated_at"
    ).split()
)
SESSION_SQL = (
    "SELECT `sessions`.`token_hash`, `sessions`.`user_id`, `sessions`.`created_at`, "
    "`sessions`.`last_seen_at`, `sessions`.`expires_at`, `users`.`id`, `users`.`email`, "
    "`users`.`email_normalized`, `users`.`display_name`, `users`.`password_hash`, `users`.`role`, "
    "`users`.`sponsor_id`, `users`.`disabled`, `users`.`created_at`, `users`.`updated_at` "
    "FROM (`sessions` INNER JOIN `users` ON (`sessions`.`user_id` = `users`.`id`)) "
    "WHERE (`sessions`.`token_hash` = ?) LIMIT ?"
)
QUEUE_COLUMNS = ", ".join(
    f"`cases`.`{c}`"
    for c in (
        "id receipt_number sponsor_id project_id status version assignee_id given_name "
        "family_name passport_last4 duplicate_passport suggested_route evidence_due filing_date "
        "created_at"
    ).split()
)
PAGE_SQL = (
    f"SELECT {QUEUE_COLUMNS} FROM `cases` WHERE (((`cases`.`status` = ?) AND "
    "(`cases`.`created_at` >= ?)) AND ((`cases`.`created_at` > ?) OR (`cases`.`id` > ?))) "
    "ORDER BY `cases`.`created_at` ASC, `cases`.`id` ASC LIMIT ?"
)
STATUS_SQL = f"SELECT {CASE_COLUMNS} FROM `cases` WHERE (`cases`.`receipt_number` = ?) LIMIT ?"


def cursors(path):
    out = []
    for line in open(path):
        raw = line.strip()
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        at, id_ = text.split("|")
        out.append((at.replace("T", " "), id_))
    return out


def worker(args):
    db, workload, input_dir, session, seconds, seed = args
    rnd = random.Random(seed)
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.executescript(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
    )
    if workload == "p2":
        keys = cursors(f"{input_dir}/cursors")
    else:
        keys = [line.split("\t")[0] for line in open(f"{input_dir}/receipts") if line.strip()]
    latencies = []
    end = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        if start >= end:
            break
        if workload == "p2":
            at, id_ = rnd.choice(keys)
            conn.execute(SESSION_SQL, (session, 1)).fetchall()
            rows = conn.execute(PAGE_SQL, ("filed", at, at, id_, 51)).fetchall()
        else:
            rows = conn.execute(STATUS_SQL, (rnd.choice(keys), 1)).fetchall()
        if not rows and workload == "p3":
            raise ValueError(f"no case for a receipt: the inputs do not match {db}")
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def main():
    db, workload, input_dir, session, conns, seconds = sys.argv[1:7]
    conns, seconds = int(conns), float(seconds)
    with multiprocessing.Pool(conns) as pool:
        started = time.perf_counter()
        results = pool.map(worker, [(db, workload, input_dir, session, seconds, i) for i in range(conns)])
        elapsed = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r)
    n = len(latencies)

    def pct(p):
        return round(latencies[min(n - 1, max(0, round(p / 100 * n) - 1))], 2) if n else 0.0

    print(json.dumps({
        "requests": n, "seconds": round(min(elapsed, seconds), 2), "rps": round(n / seconds, 1),
        "expected": n, "unexpected": 0, "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
        "max_ms": round(latencies[-1], 2) if n else 0.0,
    }))


if __name__ == "__main__":
    main()
