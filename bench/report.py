"""Markdown tables for docs/performance.md from the JSON of one or more runs: the release 2
targets with one column per run (the spread), and each database's detailed table of one run.

    python -m bench.report bench/results/bench-A.json bench/results/bench-B.json ...
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


from .__main__ import add_tables

VERDICT = {True: "met", False: "**missed**", None: ""}


def read_run(path: str) -> dict:
    """A run's JSON with its tables made again by the current code (same labels in every run).
    JSON turned the sizes of the flows into strings; they are numbers again."""
    report = json.loads(Path(path).read_text())
    for result in report["backends"].values():
        result["flows"] = {via: {int(n): run for n, run in runs.items()} for via, runs in result.get("flows", {}).items()}
    add_tables(report)
    return report


def _when(report: dict) -> str:
    return report["started_at"][11:16] + " UTC"


def spread(reports: list[dict]) -> str:
    """Every target row of the first run, with its value in every run that measured it."""
    lines = ["| measure | " + " | ".join(_when(r) for r in reports) + " | target |",
             "| --- |" + " --- |" * len(reports) + " --- |"]
    for row in reports[0]["targets"]:
        cells = []
        for report in reports:
            found = next((r for r in report["targets"] if r["measure"] == row["measure"]), None)
            cells.append(f"{found['value']} {VERDICT[found['met']]}".strip() if found else "-")
        lines.append(f"| {row['measure']} | " + " | ".join(cells) + f" | {row['target']} |")
    return "\n".join(lines)


def detail(report: dict, backend: str) -> str:
    lines = ["| measure | result | target | |", "| --- | --- | --- | --- |"]
    lines += [f"| {r['measure']} | {r['value']} | {r['target']} | {VERDICT[r['met']]} |"
              for r in report["backends"][backend]["table"]]
    return "\n".join(lines)


def main() -> None:
    reports = [read_run(path) for path in sys.argv[1:]]
    if not reports:
        raise SystemExit(__doc__)
    for report in reports:
        load = report.get("load_average", {})
        print(f"- {report['started_at']}: `{report['command']}`, {report['seconds']} s, "
              f"load average {load.get('min', 0):.1f} to {load.get('max', 0):.1f}")
    print("\n" + spread(reports))
    for backend, result in reports[-1]["backends"].items():
        if result["table"]:  # a bench-big run has only the targets above
            print(f"\n{backend}, {_when(reports[-1])}:\n\n" + detail(reports[-1], backend))


if __name__ == "__main__":
    main()
