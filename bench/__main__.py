"""``python -m bench`` (``make bench``): run every scenario of issue 5 on SQLite, and on PostgreSQL
when BENCH_DATABASE_URL is set; print the measures with their targets; write the JSON to
bench/results/. Each scenario runs in its own process on its own database."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
STATEMENT_BOUND = 30  # the bound the test suite holds validation to (addons/serial_tracking/tests/test_services_bulk.py)


def run_scenario(*args: str) -> dict:
    started = time.perf_counter()
    print(f"  {' '.join(args)} ...", end="", flush=True)
    done = subprocess.run([sys.executable, "-m", "bench.scenarios", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(" failed")
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"Scenario {' '.join(args)} failed.")
    print(f" {time.perf_counter() - started:.0f} s")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None) if Path("/proc/meminfo").exists() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": memory, "os": platform.platform(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "load_average_at_start": os.getloadavg()}


def postgres_version(url: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username, password=parsed.password,
                         dbname=parsed.database) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# ---------------------------------------------------------------- the table


def rows_for(backend: str, flows: dict, stored: dict | None, factor: float) -> list[tuple]:
    """(measure, value, target, met) rows; PostgreSQL targets are the SQLite ones times ``factor``."""
    rows = []
    for via in ("api", "services"):
        for count, run in sorted(flows[via].items()):
            receive, deliver = run["receive"], run["deliver"]
            steps = ", ".join(f"{step} {receive[step]:.2f}" for step in ("post", "assign", "validate"))
            limit = {10_000: 1.0, 100_000: 10.0}.get(count)
            rows.append((f"receive {count:,} via {via} ({steps})", f"{receive['total']:.2f} s",
                         f"≤ {limit * factor:g} s" if limit else "-", receive["total"] <= limit * factor if limit else None))
            steps = ", ".join(f"{step} {deliver[step]:.2f}" for step in ("post", "assign", "validate"))
            rows.append((f"deliver {count:,} via {via} ({steps})", f"{deliver['total']:.2f} s",
                         f"≤ 1.5 × receive = {1.5 * receive['total']:.2f} s", deliver["total"] <= 1.5 * receive["total"]))
    api = flows["api"]
    if 100_000 in api:
        memory = api[100_000]["peak_memory_mb"]
        rows.append(("peak memory, receive + deliver 100,000 via api", f"{memory:.0f} MB", "≤ 500 MB", memory <= 500))
    for direction in ("receive", "deliver"):
        counts = {count: api[count][direction]["statements"] for count in sorted(api)}
        same = len(set(counts.values())) == 1 and max(counts.values()) <= STATEMENT_BOUND
        rows.append((f"SQL statements per {direction} validation request (N: count)",
                     ", ".join(f"{n:,}: {c}" for n, c in counts.items()), f"same at every N, ≤ {STATEMENT_BOUND}", same))
    if stored:
        ratio = stored["receive_10000_stored"] / stored["receive_10000_empty"]
        rows.append((f"receive 10,000 with {stored['stored']:,} stored (empty: {stored['receive_10000_empty']:.2f} s)",
                     f"{stored['receive_10000_stored']:.2f} s = {ratio:.2f} ×", "≤ 1.2 × empty", ratio <= 1.2))
        limits = {"lookup": 10, "detail_with_history": 10, "list_by_status": 100, "web_detail": 10, "web_list_by_status": 100}
        labels = {"lookup": "lookup by name (API)", "detail_with_history": "detail + history (2 API calls)",
                  "list_by_status": "list page by status (API)", "web_detail": "serial page with history (web)",
                  "web_list_by_status": "serial list page by status (web)", "search_part_of_name": "search by part of name (API)",
                  "search_prefix": "search by beginning, match=prefix (API)"}
        for name, read in stored["reads"].items():
            limit = limits.get(name)
            target = f"p95 ≤ {limit * factor:g} ms" if limit else "-"
            rows.append((f"{labels[name]}, {stored['stored']:,} stored", f"p50 {read['p50_ms']:.1f} / p95 {read['p95_ms']:.1f} ms",
                         target, read["p95_ms"] <= limit * factor if limit else None))
    return rows


def print_table(title: str, rows: list[tuple]) -> None:
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"\n{title}\n" + "-" * len(title))
    for measure, value, target, met in rows:
        verdict = {True: "ok", False: "MISSED", None: ""}[met]
        print(f"{measure:<{width}}  {value:>{value_width}}  {target:<32} {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N up to 10,000 and 100,000 stored serials: a check in about a minute")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append",
                        help="only this backend (repeatable); default: SQLite, and PostgreSQL when BENCH_DATABASE_URL is set")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    backends = args.backend or (["sqlite", "postgresql"] if pg_url else ["sqlite"])
    if "postgresql" in backends and not pg_url:
        raise SystemExit("Set BENCH_DATABASE_URL=postgresql+psycopg://user@host:5432/db (a user who may create databases).")
    sizes = QUICK_SIZES if args.quick else SIZES
    stored_count, samples, list_samples = (100_000, 200, 60) if args.quick else (1_000_000, 1000, 300)

    started = datetime.now(timezone.utc)
    report = {"started_at": started.isoformat().replace("+00:00", "Z"), "command": " ".join(["python -m bench", *sys.argv[1:]]),
              "machine": machine(), "backends": {}}
    floor = run_scenario("floor", "--count", "10000")
    report["sqlite_floor_10000"] = floor
    for backend in backends:
        print(f"{backend}:")
        flows = {via: {count: run_scenario("flow", "--backend", backend, "--via", via, "--count", str(count)) for count in sizes}
                 for via in ("api", "services")}
        stored = run_scenario("stored", "--backend", backend, "--stored", str(stored_count), "--samples", str(samples),
                              "--list-samples", str(list_samples))
        report["backends"][backend] = {"flows": flows, "stored": stored}
        if backend == "postgresql":
            report["machine"]["postgresql"] = postgres_version(pg_url)
    report["seconds"] = round((datetime.now(timezone.utc) - started).total_seconds())

    for backend, result in report["backends"].items():
        factor = 2.0 if backend == "postgresql" else 1.0
        rows = rows_for(backend, result["flows"], result["stored"], factor)
        result["table"] = [{"measure": m, "value": v, "target": t, "met": ok} for m, v, t, ok in rows]
        print_table(f"{backend}{' (targets: 2 × SQLite)' if factor > 1 else ''}", rows)
    receive_10k = report["backends"].get("sqlite", {}).get("flows", {}).get("api", {}).get(10_000)
    if receive_10k:
        ratio = receive_10k["receive"]["total"] / floor["seconds"]
        print(f"\nraw sqlite3 floor for the rows of a 10,000-unit receipt: {floor['seconds']:.2f} s; "
              f"receive 10,000 via the API takes {ratio:.1f} × that (aim: within 10 ×)")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\n{report['seconds']} s in all; results in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
