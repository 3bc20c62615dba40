"""``python -m fuzz`` (``make fuzz``): schemathesis against the served OpenAPI document of /api/v1, with
an admin token, on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (both at once).

For each database: a fresh database, ``erp init --demo``, an admin user and its token, the app under
gunicorn on a free port, then ``schemathesis run`` with a fixed seed and no example database
(fuzz/schemathesis.toml). A database passes when schemathesis exits 0 and its JSON report counts at
least 5,000 requests with no failure and no error, and when the server's own logs show no 5xx and no
unhandled error. Everything a run wrote is in fuzz/results/<database>/; see docs/fuzzing.md."""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from erp_core.testing.databases import scratch_database
from erp_core.testing.processes import free_port, stop

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
CONFIG = HERE / "schemathesis.toml"
BIN = Path(sys.executable).parent  # erp, gunicorn and schemathesis of this venv
MIN_REQUESTS = 5_000
USER, PASSWORD = "fuzz", "fuzz-password-" + secrets.token_hex(8)
ACCESS_FORMAT = "%(s)s %(r)s"  # status and request line (its path still percent-encoded): one line per request


def erp(env: dict, *args: str, log: Path) -> str:
    done = subprocess.run([str(BIN / "erp"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    with log.open("a") as f:
        f.write(f"$ erp {' '.join(a if a != PASSWORD else '***' for a in args)}\n{done.stdout}{done.stderr}")
    if done.returncode != 0:
        raise RuntimeError(f"erp {args[0]} failed (exit {done.returncode}); see {log}")
    return done.stdout


def fuzz(backend: str, base_url: str | None, options: argparse.Namespace) -> dict:
    out = options.results / backend
    shutil.rmtree(out, ignore_errors=True)
    (out / "instance").mkdir(parents=True)
    result = {"database": backend, "problems": []}
    started = time.perf_counter()
    with scratch_database(backend, out, base_url, "erp_fuzz") as url:
        env = {**os.environ, "DATABASE_URL": url, "ERP_INSTANCE_PATH": str(out / "instance"),
               "ERP_SECRET_KEY": secrets.token_hex(32)}
        setup_log = out / "setup.log"
        erp(env, "init", "--demo", log=setup_log)
        erp(env, "user", "create", USER, "--role", "admin", "--password", PASSWORD, log=setup_log)
        token = erp(env, "token", "create", USER, log=setup_log).strip().splitlines()[-1]
        port = free_port()
        with (out / "server.log").open("w") as server_log:
            server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--access-logfile",
                                       str(out / "access.log"), "--access-logformat", ACCESS_FORMAT, "erp_core:create_app()"],
                                      env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            with (out / "schemathesis.out").open("w") as st_out:
                # Run from the results folder: schemathesis keeps its cache (.schemathesis/) in the working directory.
                rc = subprocess.run([str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run",
                                     f"http://127.0.0.1:{port}/api/v1/openapi.json", "--wait-for-schema", "60",
                                     "--seed", str(options.seed), "--max-examples", str(options.max_examples), "--no-color",
                                     "--report", "json,junit", "--report-dir", str(out)],
                                    env={**env, "ERP_FUZZ_TOKEN": token, "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py")},
                                    cwd=out, stdout=st_out, stderr=subprocess.STDOUT).returncode
        finally:
            stop(server)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return check(out, rc, result, options.min_requests)


def check(out: Path, rc: int, result: dict, min_requests: int) -> dict:
    """Everything a pass needs, with one sentence per problem."""
    problems = result["problems"]
    reports = sorted(out.glob("json-*.json"))
    if not reports:
        problems.append(f"schemathesis exited {rc} without a JSON report; see {out / 'schemathesis.out'}")
        return result
    report = json.loads(reports[-1].read_text())
    result.update(requests=report["test_cases"]["generated"], schemathesis_seconds=round(report["running_time"], 1),
                  seed=report["seed"], failures=report["failures"], errors=len(report["errors"]),
                  token_renewals=report["auth"]["reauth_count"])
    # Split on line feeds only: a fuzzed path may hold other characters that str.splitlines() breaks at.
    access = [line.split(" ", 1)[0] for line in (out / "access.log").read_text(errors="replace").split("\n") if line]
    result["served"] = len(access)
    result["statuses"] = {status: access.count(status) for status in sorted(set(access))}
    server_errors = sum(1 for status in access if status.startswith("5"))
    unhandled = len(re.findall(r"Unhandled error", (out / "server.log").read_text()))
    if rc != 0 or report["exit_code"] != 0:
        problems.append(f"schemathesis exited {rc}")
    if result["requests"] < min_requests:
        problems.append(f"only {result['requests']:,} requests, fewer than {min_requests:,}")
    for failure in report["failures"]:
        problems.append(f"{failure['code']} {failure['title']} ({failure['count']}): {', '.join(failure['operations'])}")
    if report["warnings"].get("missing_auth"):
        problems.append(f"only 401/403 answers from {', '.join(report['warnings']['missing_auth'])}")
    if report["errors"]:
        problems.append(f"{len(report['errors'])} errors: {'; '.join(str(e)[:200] for e in report['errors'])}")
    if server_errors or unhandled:
        problems.append(f"the server answered {server_errors} 5xx and logged {unhandled} unhandled errors; "
                        f"see {out / 'server.log'}")
    return result


def failures_section(out: Path) -> str:
    text = (out / "schemathesis.out").read_text() if (out / "schemathesis.out").exists() else ""
    start = text.find("FAILURES")
    return text[start:start + 6000] if start >= 0 else text[-3000:]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-examples", type=int, default=120, help="test cases per operation and phase")
    parser.add_argument("--min-requests", type=int, default=MIN_REQUESTS)
    parser.add_argument("--results", type=lambda p: Path(p).resolve(), default=RESULTS,
                        help="folder for everything the runs write")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append",
                        help="only these (default: sqlite, and postgresql when TEST_DATABASE_URL is set)")
    options = parser.parse_args()
    pg_url = os.environ.get("TEST_DATABASE_URL")
    backends = options.database or ["sqlite"] + (["postgresql"] if pg_url else [])
    if "postgresql" in backends and not pg_url:
        parser.error("postgresql needs TEST_DATABASE_URL, such as postgresql+psycopg://postgres@127.0.0.1:5432/test")
    print(f"Fuzzing /api/v1 on {' and '.join(backends)} (seed {options.seed}, {options.max_examples} examples per operation "
          f"and phase); results in {options.results}/", flush=True)
    results: dict[str, dict] = {}

    def run(backend: str) -> None:
        try:
            results[backend] = fuzz(backend, pg_url, options)
        except Exception as exc:  # a setup step failed: report it like any other problem
            results[backend] = {"database": backend, "problems": [f"{type(exc).__name__}: {exc}"]}

    threads = [threading.Thread(target=run, args=(backend,)) for backend in backends]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = round(time.perf_counter() - started, 1)
    options.results.mkdir(parents=True, exist_ok=True)
    (options.results / "summary.json").write_text(json.dumps({"wall_seconds": wall, "results": results}, indent=2) + "\n")
    failed = False
    for backend in backends:
        r = results[backend]
        if "requests" in r:
            print(f"{backend:>10}: {r['requests']:,} requests ({r['served']:,} answered by the server: "
                  f"{', '.join(f'{s}: {n}' for s, n in r['statuses'].items())}) in {r['schemathesis_seconds']} s "
                  f"({r['seconds']} s with setup)")
        for problem in r["problems"]:
            print(f"{backend:>10}: FAIL {problem}")
        if r["problems"]:
            failed = True
            if (options.results / backend / "schemathesis.out").exists():
                print(failures_section(options.results / backend))
        else:
            print(f"{backend:>10}: PASS, 0 server errors and 0 schema violations")
    print(f"Wall time {wall} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
