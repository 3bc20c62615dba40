"""Where the time of one receipt and one delivery goes: each step's wall time split into the SQL
statements it sent (slowest first) and the rest (Python: the API, JSON, the services).

    python -m bench.profile [--backend postgresql] [--count 100000]
"""
from __future__ import annotations

import argparse
import os
import re
import time
from collections import defaultdict

from sqlalchemy import event

from .harness import Bench, database, instance_folder
from .scenarios import ApiFlow


def _label(statement: str) -> str:
    """The statement's verb and table, e.g. "UPDATE serials", "INSERT INTO serial_history"."""
    words = re.sub(r"\s+", " ", statement).strip().split(" ")
    if words[0] in ("INSERT", "DELETE"):
        return " ".join(words[:3])
    if words[0] == "UPDATE":
        return " ".join(words[:2])
    if words[0] == "SELECT" and " FROM " in statement:
        return "SELECT ... FROM " + statement.split(" FROM ", 1)[1].split()[0]
    return " ".join(words[:2])


def profile(backend: str, count: int) -> None:
    with database(backend, os.environ.get("BENCH_DATABASE_URL")) as url:
        bench = Bench(url)
        flow = ApiFlow(bench)
        spent: dict[str, float] = defaultdict(float)
        started: dict[int, float] = {}

        def before(conn, cursor, statement, *_):
            started[id(conn)] = time.perf_counter()

        def after(conn, cursor, statement, *_):
            spent[_label(statement)] += time.perf_counter() - started.pop(id(conn))

        event.listen(bench.engine, "before_cursor_execute", before)
        event.listen(bench.engine, "after_cursor_execute", after)
        product = flow.product("Profiled product")

        def step(name, action, *args):
            spent.clear()
            start = time.perf_counter()
            result = action(*args)
            total = time.perf_counter() - start
            sql = sum(spent.values())
            print(f"\n{name}: {total:.3f} s, of which SQL {sql:.3f} s, the rest {total - sql:.3f} s")
            for label, seconds in sorted(spent.items(), key=lambda item: -item[1])[:8]:
                print(f"  {seconds:7.3f} s  {label}")
            return result

        print(f"{backend}, {count:,} serials, through the API")
        move, line = step("post the vendor bill", flow.post, "vendor_bill", flow.vendor, product, count)
        names = step("generate the serials", flow.generate, move, line, "PR-0000001", count)
        step("validate the receipt", flow.validate, move)
        move, line = step("post the customer invoice", flow.post, "customer_invoice", flow.customer, product, count)
        step("PUT the list of serials", flow.put, move, line, names)
        step("validate the delivery", flow.validate, move)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with instance_folder():
        profile(args.backend, args.count)


if __name__ == "__main__":
    main()
