#!/usr/bin/env python3
"""Where the CPU of a load run goes, per request: the whole machine, the kitdesk server, the
PostgreSQL cluster and the load generator (wrk or pgbench), from /proc before and after.

    bench/cpu_split.py [--server-pid PID] -- wrk -t2 -c8 -d10s -s bench/lua/p2_queue.lua URL
    bench/cpu_split.py -- pgbench -n -M prepared -c 8 -j 2 -T 10 -f bench/pgbench/p2_queue.sql …

The number of requests is read from the command's output: the `BENCH_JSON` line of the Lua
scripts (expected answers only) or pgbench's "number of transactions actually processed".
PostgreSQL's share counts its live processes and the children its postmaster has reaped;
the second reading waits until the backends the command opened (pgbench's) are reaped. A
ratio from bench/run tells how far the service is from its limit; this tells which process
spends the difference (docs/benchmarks.md, "Where the time goes").
"""

import json
import os
import re
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def machine_ticks():
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    # user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    values = [int(v) for v in fields[:8]]
    return sum(values) - values[3] - values[4]


def proc_stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    # the command name may hold spaces: split after its closing parenthesis
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return comm, int(rest[1]), [int(v) for v in rest[11:15]]  # ppid, utime stime cutime cstime


def postgres_ticks():
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = proc_stat(name)
        if stat is None or stat[0] != "postgres":
            continue
        comm, ppid, (utime, stime, cutime, cstime) = stat
        total += utime + stime
        parent = proc_stat(ppid)
        if parent is None or parent[0] != "postgres":  # a postmaster: add its reaped backends
            total += cutime + cstime
    return total


def postgres_pids():
    return {
        name
        for name in os.listdir("/proc")
        if name.isdigit() and (proc_stat(name) or ("",))[0] == "postgres"
    }


def settle_backends(before, limit=5.0):
    """Waits (up to `limit` s) until the backends the command opened have exited and been
    reaped: until then their time is in neither a live process nor the postmaster's reaped
    children, and a reading would miss it (a third of PostgreSQL's time in a pgbench run)."""
    deadline = time.monotonic() + limit
    while postgres_pids() - before and time.monotonic() < deadline:
        time.sleep(0.05)


def server_ticks(pid):
    stat = proc_stat(pid) if pid else None
    return sum(stat[2][:2]) if stat else 0


def requests_in(output):
    m = re.search(r"^BENCH_JSON (.*)$", output, re.M)
    if m:
        return json.loads(m.group(1))["expected"]
    m = re.search(r"number of transactions actually processed: (\d+)", output)
    if m:
        return int(m.group(1))
    sys.exit("cpu_split: found no request count in the command's output")


def main():
    args = sys.argv[1:]
    server = None
    if args[:1] == ["--server-pid"]:
        server, args = int(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    before_pids = postgres_pids()
    before = (machine_ticks(), server_ticks(server), postgres_ticks())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    run = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    settle_backends(before_pids)
    after = (machine_ticks(), server_ticks(server), postgres_ticks())
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        sys.stderr.write(run.stdout + run.stderr)
        sys.exit(f"cpu_split: the command failed ({run.returncode})")
    n = requests_in(run.stdout)
    machine, kitdesk, postgres = (
        (a - b) / TICK for a, b in zip(after, before)
    )
    load = (children_after.ru_utime - children.ru_utime) + (
        children_after.ru_stime - children.ru_stime
    )
    per = lambda seconds: round(seconds * 1e6 / n)  # noqa: E731
    print(
        json.dumps(
            {
                "requests": n,
                "rps": round(n / elapsed, 1),
                "us_per_request": {
                    "machine": per(machine),
                    "kitdesk": per(kitdesk),
                    "postgres": per(postgres),
                    "load_generator": per(load),
                    "other": per(machine - kitdesk - postgres - load),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
