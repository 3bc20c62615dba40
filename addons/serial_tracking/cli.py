"""``erp serials ...``: serial numbers on the command line. ``erp serials import FILE`` brings opening
stock in from a CSV file, as ``POST /api/v1/serials/import`` does, with a progress bar while the rows
are read and checked."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from erp_core.cli import command_transaction
from erp_core.errors import MAX_DETAILS


class RowProgress:
    """One progress bar per stage of an import (reading, then checking the rows), on stderr so that
    the result alone goes to stdout, each showing the rows per second of its stage."""

    LABELS = {"read": "Reading rows ", "check": "Checking rows"}

    def __init__(self, total: int):
        self.total = total
        self.stage, self.bar, self.done, self.started = None, None, 0, 0.0

    def __call__(self, stage: str, rows: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done, self.started = stage, 0, time.perf_counter()
            self.bar = click.progressbar(length=self.total, label=self.LABELS.get(stage, stage), show_pos=True, file=sys.stderr,
                                         item_show_func=lambda rate: rate)
            self.bar.__enter__()
        self.done += rows
        self.bar.update(rows, f"{self.rate():,.0f} rows/s")

    def rate(self) -> float:
        return self.done / max(time.perf_counter() - self.started, 1e-6)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            if not sys.stderr.isatty():  # a log, not a terminal: no bar was drawn, so say where the stage ended
                click.echo(f"{self.LABELS[self.stage].strip()}: {self.done:,} at {self.rate():,.0f} rows/s", err=True)
            self.bar = None


@click.group("serials", help="Serial numbers: import opening stock.")
def serials_group():
    pass


@serials_group.command("import", help="Import opening stock from a CSV file with the columns name,product,location,ref "
                       "(product: its default code; location: its full name, such as WH/Stock). Every row is checked first; "
                       "a file with any error writes nothing and exits with 1.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file and list its errors; write nothing.")
@with_appcontext
def import_command(file: Path, dry_run: bool):
    from .services import import_serials

    data = file.read_bytes()
    progress = RowProgress(total=max(data.count(b"\n") - 1, 1))
    try:
        with command_transaction():
            report = import_serials(data, dry_run=dry_run, progress=progress)
    finally:
        progress.close()
    if report.errors:
        lines = [f"{report.rows} rows read, {len(report.errors)} with errors; nothing was written. Fix these lines and run again:"]
        lines += [f"  line {e['line']}: {e['message']} ({e['code']})" for e in report.errors[:MAX_DETAILS]]
        if len(report.errors) > MAX_DETAILS:
            lines.append(f"  ... and {len(report.errors) - MAX_DETAILS} more errors.")
        raise click.ClickException("\n".join(lines))
    for group in report.groups:
        click.echo(f"  {group.units:>8,} x {group.product} at {group.location}")
    if dry_run:
        click.echo(f"{report.rows} rows checked: no errors. Nothing was written (dry run); run again without --dry-run to import.")
    else:
        moves = ", ".join(move.reference for move in report.moves)
        plural = "s" if len(report.moves) > 1 else ""
        click.echo(f"Imported {report.created} serial numbers into stock by the inventory adjustment{plural} {moves}.")
