"""``python -m bench`` (``make bench``): run every scenario on SQLite, and on PostgreSQL when
BENCH_DATABASE_URL is set; print the measures with their targets, then every target of release 2
(issues 11, 12, 13) with met or missed; write the JSON to bench/results/. Each scenario runs in
its own process on its own database. ``--big`` (``make bench-big``): ten million stored units."""
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
BIG_STORED = 10_000_000
SCAN_TIME_LIMIT = 150  # seconds per scan-load phase: 3,200 scans take 11 s at the target, and a loaded machine must still finish
STATEMENT_BOUND = 30  # the bound the test suite holds validation to (addons/serial_tracking/tests/test_services_bulk.py)


LOADS: list[float] = []  # the 1-minute load average before and after every scenario


def scenario_in_own_process(*args: str) -> dict:
    """``python -m bench.scenarios *args`` in a process of its own: the JSON object of its last line."""
    done = subprocess.run([sys.executable, "-m", "bench.scenarios", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{done.stdout}{done.stderr}\nScenario {' '.join(args)} failed.")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_scenario(*args: str) -> dict:
    started = time.perf_counter()
    print(f"  {' '.join(args)} ...", end="", flush=True)
    LOADS.append(os.getloadavg()[0])
    try:
        result = scenario_in_own_process(*args)
    except RuntimeError as error:
        print(" failed")
        raise SystemExit(str(error)) from None
    finally:
        LOADS.append(os.getloadavg()[0])
    print(f" {time.perf_counter() - started:.0f} s (load {LOADS[-1]:.1f})")
    return result


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None) if Path("/proc/meminfo").exists() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": memory, "os": platform.platform(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "load_average_at_start": os.getloadavg()}


def postgres_version(url: str) -> str:
    from erp_core.testing.databases import pg_admin

    with pg_admin(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# ---------------------------------------------------------------- the tables

READ_LABELS = {"lookup": "lookup by name (API)", "detail_with_history": "detail + history (2 API calls)",
               "list_by_status": "list page by status (API)", "web_detail": "serial page with history (web)",
               "web_list_by_status": "serial list page by status (web)", "search_part_of_name": "search by part of name (API)",
               "search_prefix": "search by beginning, match=prefix (API)"}
# p95 targets in ms on SQLite (PostgreSQL: twice): release 1 with a million stored, issue 13 with ten million.
READ_LIMITS = {"lookup": 10, "detail_with_history": 10, "list_by_status": 100, "web_detail": 10, "web_list_by_status": 100}
BIG_READ_LIMITS = {"lookup": 10, "detail_with_history": 10, "list_by_status": 10, "web_detail": 10, "web_list_by_status": 10}
DELIVER_RATIO = 1.0  # issue 13: a delivery costs no more than its receipt


def ms(read: dict) -> str:
    return f"p50 {read['p50_ms']:.1f} / p95 {read['p95_ms']:.1f} ms"


def stored_rows(stored: dict, factor: float, limits: dict) -> list[tuple]:
    ratio = stored["receive_10000_stored"] / stored["receive_10000_empty"]
    rows = [(f"{stored['stored']:,} units stored: bulk load, then size on disk",
             f"{stored['load_seconds']:.0f} s, {stored['size_mb']:,} MB",
             "-", None),
            (f"receive 10,000 with {stored['stored']:,} stored, against an empty database",
             f"{stored['receive_10000_stored']:.2f} / {stored['receive_10000_empty']:.2f} s = {ratio:.2f} ×",
             "≤ 1.2 × empty", ratio <= 1.2)]
    for name, read in stored["reads"].items():
        limit = limits.get(name)
        rows.append((f"{READ_LABELS[name]}, {stored['stored']:,} stored", ms(read),
                     f"p95 ≤ {limit * factor:g} ms" if limit else "-",
                     read["p95_ms"] <= limit * factor if limit else None))
    return rows


def time_factor(backend: str) -> float:
    """PostgreSQL's time targets are twice SQLite's."""
    return 2.0 if backend == "postgresql" else 1.0


def rows_for(backend: str, result: dict) -> list[tuple]:
    """(measure, value, target, met) rows of one backend's detailed results."""
    factor = time_factor(backend)
    rows = []
    flows = result.get("flows", {})
    for via in flows:
        for count, run in sorted(flows[via].items()):
            receive, deliver = run["receive"], run["deliver"]
            steps = ", ".join(f"{step} {receive[step]:.2f}" for step in ("post", "assign", "validate"))
            limit = {10_000: 1.0, 100_000: 10.0}.get(count)
            rows.append((f"receive {count:,} via {via} ({steps})", f"{receive['total']:.2f} s",
                         f"≤ {limit * factor:g} s" if limit else "-", receive["total"] <= limit * factor if limit else None))
            steps = ", ".join(f"{step} {deliver[step]:.2f}" for step in ("post", "assign", "validate"))
            rows.append((f"deliver {count:,} via {via} ({steps})", f"{deliver['total']:.2f} s",
                         f"≤ {DELIVER_RATIO:g} × receive = {DELIVER_RATIO * receive['total']:.2f} s",
                         deliver["total"] <= DELIVER_RATIO * receive["total"]))
    api = flows.get("api", {})
    if 100_000 in api:
        memory = api[100_000]["peak_memory_mb"]
        rows.append(("peak memory, receive + deliver 100,000 via api", f"{memory:.0f} MB", "≤ 500 MB", memory <= 500))
    for direction in ("receive", "deliver") if api else ():
        counts = {count: api[count][direction]["statements"] for count in sorted(api)}
        same = len(set(counts.values())) == 1 and max(counts.values()) <= STATEMENT_BOUND
        rows.append((f"SQL statements per {direction} validation request (N: count)",
                     ", ".join(f"{n:,}: {c}" for n, c in counts.items()), f"same at every N, ≤ {STATEMENT_BOUND}", same))
    if "stored" in result:
        rows += stored_rows(result["stored"], factor, READ_LIMITS)
    return rows


def scan_value(phase: dict) -> str:
    planned = phase.get("planned", phase["scans"])
    stopped = f" (time limit: {phase['scans']:,} of {planned:,} scans)" if phase["scans"] < planned else ""
    return (f"{phase['scans_per_second']:.0f} scans/s, p50 {phase['p50_ms']:.0f} / p95 {phase['p95_ms']:.0f} / "
            f"p99 {phase['p99_ms']:.0f} ms, {phase['errors']} errors{stopped}")


def scan_met(phase: dict) -> bool:
    return phase["scans_per_second"] >= 300 and phase["p95_ms"] <= 50 and phase["errors"] == 0


def release2_rows(report: dict) -> list[tuple]:
    """Every target of issue 13's table (and issue 11's lots, issue 12's import and export), in its
    order, with what this run measured."""
    backends = report["backends"]
    rows = []

    def api_run(backend: str, count: int) -> dict | None:
        return backends.get(backend, {}).get("flows", {}).get("api", {}).get(count)

    sqlite_10k, pg_10k = api_run("sqlite", 10_000), api_run("postgresql", 10_000)
    if sqlite_10k and pg_10k:
        ratio = pg_10k["receive"]["total"] / sqlite_10k["receive"]["total"]
        rows.append(("receive 10,000 via API, PostgreSQL against SQLite (same run)",
                     f"{pg_10k['receive']['total']:.2f} s / {sqlite_10k['receive']['total']:.2f} s = {ratio:.1f} ×",
                     "≤ 2 × SQLite", ratio <= 2))
    pg_100k = api_run("postgresql", 100_000)
    if pg_100k:
        rows.append(("receive 100,000 via API, PostgreSQL", f"{pg_100k['receive']['total']:.2f} s", "≤ 3 s",
                     pg_100k["receive"]["total"] <= 3))
    for backend in backends:
        for count in (10_000, 100_000):
            run = api_run(backend, count)
            if run:
                ratio = run["deliver"]["total"] / run["receive"]["total"]
                rows.append((f"deliver / receive {count:,} via API, {backend}",
                             f"{run['deliver']['total']:.2f} / {run['receive']['total']:.2f} s = {ratio:.2f} ×",
                             f"≤ {DELIVER_RATIO:g} ×",
                             ratio <= DELIVER_RATIO))
    floor = report.get("sqlite_floor_10000")
    if sqlite_10k and floor:
        ratio = sqlite_10k["receive"]["total"] / floor["seconds"]
        rows.append(("receive 10,000 via API, SQLite, against the raw sqlite3 floor",
                     f"{sqlite_10k['receive']['total']:.2f} / {floor['seconds']:.2f} s = {ratio:.1f} ×",
                     "≤ 1.2 × the floor", ratio <= 1.2))
    copy_floor = report.get("postgresql_copy_floor_10000")
    if pg_10k and copy_floor:
        checked, unchecked = copy_floor["with_foreign_keys"], copy_floor["without_foreign_keys"]
        rows.append(("receive 10,000 via API, PostgreSQL, against the COPY floor: FK checked; FK triggers off",
                     f"{pg_10k['receive']['total'] / checked:.1f} × {checked:.2f} s; "
                     f"{pg_10k['receive']['total'] / unchecked:.1f} × "
                     f"{unchecked:.2f} s", "-", None))
    for backend, result in backends.items():
        single = result.get("scanload", {}).get("single")
        if single:
            receipt, delivery = single["receipt"], single["delivery"]
            rows.append((f"per-scan request, one scanner, server side (in-process), {backend}: receipt; delivery",
                         f"p50 {receipt['p50_ms']:.1f}; {delivery['p50_ms']:.1f} ms "
                         f"(p95 {receipt['p95_ms']:.1f}; {delivery['p95_ms']:.1f})",
                         "p50 ≤ 3 ms", max(receipt["p50_ms"], delivery["p50_ms"]) <= 3))
            counts = [(phase["statements_first_scan"], phase["statements_last_scan"]) for phase in (receipt, delivery)]
            rows.append((f"SQL statements per scan request, first and last of {receipt['samples']}, {backend}: receipt; delivery",
                         "; ".join(f"{first}, {last}" for first, last in counts), "the same", all(a == b for a, b in counts)))
    for backend, result in backends.items():
        load = result.get("scanload")
        for phase in ("receipt", "delivery") if load else ():
            rows.append((f"{load['clients']} scanners × {load['per_client']} scans, {load['workers']} gunicorn workers, "
                         f"{backend}, {phase}",
                         scan_value(load[phase]), "≥ 300 scans/s, p95 ≤ 50 ms", scan_met(load[phase])))
    reads = report.get("reads_during_write")
    if reads:
        rows.append((f"SQLite: serial pages read by a second process while {reads['count']:,} units validate",
                     f"{ms(reads['during'])}, longest {reads['during']['max_ms']:.0f} ms ({reads['during']['samples']} reads)",
                     "p95 ≤ 50 ms", reads["during"]["p95_ms"] <= 50))
    for backend, result in backends.items():
        if "big" in result:  # the same measures on each database: the label says which
            big = stored_rows(result["big"], time_factor(backend), BIG_READ_LIMITS)
            rows += [(f"{backend}: {measure}", *rest) for measure, *rest in big]
    for backend, result in backends.items():
        lots = result.get("lots")
        if lots:
            small, large = lots["small"], lots["large"]
            for direction in ("receive", "deliver"):
                rows.append((f"lots, {direction} {large['count']:,} units in {large['lots']} lots"
                             f"{' (first expiry first out)' if direction == 'deliver' else ''}, {backend}",
                             f"{large[direction]['total']:.2f} s", "-", None))
                counts = f"{small['count']:,} in {small['lots']}: {small[direction]['validate_statements']}, " \
                         f"{large['count']:,} in {large['lots']}: {large[direction]['validate_statements']}"
                rows.append((f"lots, SQL statements per {direction} validation request, {backend}", counts, "the same",
                             small[direction]["validate_statements"] == large[direction]["validate_statements"]))
    for backend, result in backends.items():
        imported = result.get("import")
        if imported:
            limit = 10 if backend == "sqlite" else None
            rows.append((f"import {imported['count']:,} serial rows (POST /serials/import), {backend}",
                         f"{imported['import_s']:.1f} s (dry run {imported['dry_run_s']:.1f} s)",
                         f"≤ {limit} s" if limit else "-",
                         imported["import_s"] <= limit if limit else None))
    for backend, result in backends.items():
        exported = result.get("stored", {}).get("export")
        if exported:
            rows.append((f"export every stored serial as streamed CSV, {backend}: the exporting process's peak memory",
                         f"{exported['peak_memory_mb']:.0f} MB ({exported['rows']:,} rows, "
                         f"{exported['mb']:.0f} MB in {exported['seconds']:.0f} s)",
                         "≤ 200 MB",
                         exported["peak_memory_mb"] <= 200))
    for load in report.get("scaling", []):
        for phase in ("receipt", "delivery"):
            rows.append((f"scaling out, PostgreSQL: {load['processes']} gunicorn × {load['workers']} workers behind the proxy, "
                         f"{phase}",
                         scan_value(load[phase]), "-", None))
    return rows


def print_table(title: str, table: list[dict]) -> None:
    if not table:
        return
    width = max(len(row["measure"]) for row in table)
    value_width = max(len(row["value"]) for row in table)
    print(f"\n{title}\n" + "-" * len(title))
    for row in table:
        verdict = {True: "met", False: "MISSED", None: ""}[row["met"]]
        print(f"{row['measure']:<{width}}  {row['value']:>{value_width}}  {row['target']:<32} {verdict}")


def as_table(rows: list[tuple]) -> list[dict]:
    return [{"measure": m, "value": v, "target": t, "met": ok} for m, v, t, ok in rows]


def add_tables(report: dict) -> None:
    """Each backend's detailed table and the release 2 targets, made from the run's measures: by a
    run, and again by ``bench.report`` for older runs (so every run has the current labels)."""
    for backend, result in report["backends"].items():
        result["table"] = as_table(rows_for(backend, result))
    report["targets"] = as_table(release2_rows(report))


# ---------------------------------------------------------------- the runs


def run_backend(backend: str, quick: bool) -> dict:
    """Every scenario of ``make bench`` on one backend."""
    sizes = QUICK_SIZES if quick else SIZES
    stored_count, samples, list_samples = (100_000, 100, 30) if quick else (1_000_000, 500, 150)
    clients, per_client, limit = (16, 50, "45") if quick else (16, 200, str(SCAN_TIME_LIMIT))
    repeats = ("--repeats", "3") if quick else ()
    flows = {via: {count: run_scenario("flow", "--backend", backend, "--via", via, "--count", str(count), *repeats)
                   for count in sizes}
             for via in (("api",) if quick else ("api", "services"))}
    return {
        "flows": flows,
        "stored": run_scenario("stored", "--backend", backend, "--stored", str(stored_count), "--samples", str(samples),
                               "--list-samples", str(list_samples), "--export", *repeats),
        "scanload": run_scenario("scanload", "--backend", backend, "--clients", str(clients), "--per-client", str(per_client),
                                 "--single", str(per_client), "--time-limit", limit),
        "lots": run_scenario("lots", "--backend", backend, "--count", "10000", "--lots", "100"),
        "import": run_scenario("import", "--backend", backend, "--count", str(10_000 if quick else 100_000)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, 3 repeats, the API only, no scaling-out runs: a check")
    parser.add_argument("--big", action="store_true", help="only the 10,000,000 stored units scenario (make bench-big)")
    parser.add_argument("--stored", type=int, default=BIG_STORED, help="--big: how many units to store")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append",
                        help="only this backend (repeatable); default: SQLite, and PostgreSQL when BENCH_DATABASE_URL is set")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    backends = args.backend or (["sqlite", "postgresql"] if pg_url else ["sqlite"])
    if "postgresql" in backends and not pg_url:
        raise SystemExit("Set BENCH_DATABASE_URL=postgresql+psycopg://user@host:5432/db (a user who may create databases).")

    started = datetime.now(timezone.utc)
    report = {"started_at": started.isoformat().replace("+00:00", "Z"), "command": " ".join(["python -m bench", *sys.argv[1:]]),
              "machine": machine(), "backends": {}}
    if "postgresql" in backends:
        report["machine"]["postgresql"] = postgres_version(pg_url)
    if args.big:
        for backend in backends:
            print(f"{backend}:")
            report["backends"][backend] = {"big": run_scenario("stored", "--backend", backend, "--stored", str(args.stored),
                                                               "--samples", "500", "--list-samples", "150")}
    else:
        report["sqlite_floor_10000"] = run_scenario("floor", "--count", "10000")
        if "postgresql" in backends:
            report["postgresql_copy_floor_10000"] = run_scenario("copy-floor", "--count", "10000")
        for backend in backends:
            print(f"{backend}:")
            report["backends"][backend] = run_backend(backend, args.quick)
        if "sqlite" in backends:
            report["reads_during_write"] = run_scenario("reads-during-write", "--count", str(20_000 if args.quick else 100_000),
                                                        "--stored", "10000", "--repeats", "1" if args.quick else "3")
        if "postgresql" in backends and not args.quick:
            report["scaling"] = [run_scenario("scanload", "--backend", "postgresql", "--processes", str(processes), "--proxy",
                                              "--time-limit", str(SCAN_TIME_LIMIT))
                                 for processes in (1, 2)]
    report["seconds"] = round((datetime.now(timezone.utc) - started).total_seconds())
    report["load_average"] = {"min": min(LOADS), "max": max(LOADS), "all": LOADS}

    add_tables(report)
    for backend, result in report["backends"].items():
        factor = time_factor(backend)
        print_table(f"{backend}{f' (time targets: {factor:g} × SQLite)' if factor > 1 else ''}", result["table"])
    targets = report["targets"]
    print_table("Release 2 targets (issues 11, 12, 13)", targets)
    missed = sum(1 for row in targets if row["met"] is False)
    print(f"\n{missed} of {sum(1 for row in targets if row['met'] is not None)} targets missed; "
          f"load average (1 min) between {min(LOADS):.1f} and {max(LOADS):.1f} on {os.cpu_count()} cores")
    RESULTS.mkdir(exist_ok=True)
    suffix = "-big" if args.big else "-quick" if args.quick else ""
    path = RESULTS / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}{suffix}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\n{report['seconds']} s in all; results in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
