"""``erp serials import FILE [--dry-run]``: the same import as the API, from a file, with a progress
bar while the rows are read and checked, the result on stdout, and exit code 1 on any error."""
from __future__ import annotations

from erp_addons.serial_tracking.models import Serial, SerialHistory, StockMove

from .common import create_product, ok, serial, table_counts


def write_file(tmp_path, *rows: str):
    path = tmp_path / "opening-stock.csv"
    path.write_text("name,product,location,ref\n" + "".join(row + "\n" for row in rows))
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["serials", "import", *map(str, args)])


def test_dry_run_then_import_from_the_command_line(app, api, tmp_path):
    product = create_product(api, "Laptop")
    ok(api.as_("inventory_manager").patch(f"/products/{product['id']}", json={"default_code": "LAP"}))
    path = write_file(tmp_path, *(f"SN-{n:04d},LAP,WH/Stock,R{n}" for n in range(1, 2501)))
    before = table_counts(Serial, SerialHistory, StockMove)

    checked = run(app, path, "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "2500 rows checked: no errors. Nothing was written (dry run)" in checked.stdout
    assert "2,500 x [LAP] Laptop at WH/Stock" in checked.stdout
    assert "Checking rows: 2,500 at " in checked.stderr and "rows/s" in checked.stderr  # the progress, beside the result
    assert table_counts(Serial, SerialHistory, StockMove) == before

    imported = run(app, path)
    assert imported.exit_code == 0, imported.output
    assert "Imported 2500 serial numbers into stock by the inventory adjustment WH/ADJ/" in imported.stdout
    unit = serial(api, "SN-2500")
    assert (unit["status"], unit["location"], unit["ref"]) == ("available", "WH/Stock", "R2500")
    history = ok(api.get(f"/serials/{unit['id']}/history"))["items"]
    assert [(h["type"], h["source_location"], h["user"]) for h in history] == [("adjustment", "Virtual/Inventory adjustment", None)]

    again = run(app, path, "--dry-run")
    assert again.exit_code == 1
    assert "2500 rows read, 2500 with errors; nothing was written" in again.output
    assert "line 2: SN-0001 already exists for [LAP] Laptop. (duplicate_serial)" in again.output
    assert "... and 1500 more errors." in again.output


def test_a_file_with_errors_exits_with_1_and_writes_nothing(app, api, tmp_path):
    product = create_product(api, "Laptop")
    ok(api.as_("inventory_manager").patch(f"/products/{product['id']}", json={"default_code": "LAP"}))
    path = write_file(tmp_path, "SN-1,LAP,WH/Stock,", "SN-2,LAP,Nowhere,", "SN-3,LAP,WH/Stock,")
    before = table_counts(Serial, SerialHistory, StockMove)
    result = run(app, path)
    assert result.exit_code == 1
    assert "3 rows read, 1 with errors; nothing was written" in result.output
    assert "line 3: No location is named Nowhere" in result.output
    assert "Traceback" not in result.output
    assert table_counts(Serial, SerialHistory, StockMove) == before


def test_a_missing_file_is_a_usage_error(app, tmp_path):
    result = run(app, tmp_path / "nope.csv")
    assert result.exit_code == 2 and "does not exist" in result.output
