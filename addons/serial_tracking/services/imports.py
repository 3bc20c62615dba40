"""Importing opening stock: serial numbers from a CSV file with the columns name, product (the
product's default code), location (its full name) and ref.

Every row is checked, and each bad row reported with its line number (the header is line 1), before
anything is written; a file with any problem writes nothing. The rows are read in Python and checked
against the database with three set-based queries (products, locations, existing serials), whatever
their number. A good file then arrives in stock the way any unit arrives from outside the warehouse:
one inventory adjustment per location, from the inventory location, with a line per product holding
its serials, created and validated by the ordinary move services in the same transaction. So every
unit gets its history row (where it came from) and its status and location, and the number of SQL
statements depends on the number of locations and products, not of rows."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import JSON, Integer, bindparam, cast, func, select, update

from erp_core import audit
from erp_core.database import db
from erp_core.errors import MAX_DETAILS
from erp_core.models import Product
from erp_core.text import text_problem

from ..models import Location, ProductTracking, Serial, StockMove
from .assignment import names_table, product_barcodes, serial_rule_problem
from .locations import location_of_usage
from .moves import create_move, scope
from .products import tracking_column
from .serial_rules import serial_for
from .validation import validate_move

IMPORT_COLUMNS = ("name", "product", "location", "ref")
OPTIONAL_COLUMNS = ("ref",)
REF_MAX = 64
PROGRESS_EVERY = 1000  # rows between two calls of the progress callback

Progress = Callable[[str, int], None]
"""``progress(stage, rows)``: ``rows`` more rows went through ``stage`` ("read", then "check")."""


@dataclass(frozen=True)
class ImportGroup:
    location: str
    product: str
    units: int


@dataclass
class ImportReport:
    """What an import found and did: the data rows of the file, the serials created (none in a dry
    run or when there are errors), the errors in line order, the units of the good rows per
    location and product (what a preview shows), and the adjustments it validated."""

    rows: int = 0
    created: int = 0
    errors: list[dict] = field(default_factory=list)
    groups: list[ImportGroup] = field(default_factory=list)
    moves: list[StockMove] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The API's answer: at most MAX_DETAILS errors, and how many more there were."""
        body = {"rows": self.rows, "created": self.created, "errors": self.errors[:MAX_DETAILS]}
        if len(self.errors) > MAX_DETAILS:
            body["errors_omitted"] = len(self.errors) - MAX_DETAILS
        return body


@dataclass
class _Row:
    line: int
    name: str
    product: str
    location: str
    ref: str | None


@dataclass
class _Good:
    """A row that passed every check, with what it resolved to."""

    name: str
    product_id: int
    location_id: int
    scope: int
    ref: str | None


def _error(line: int, code: str, message: str) -> dict:
    return {"line": line, "code": code, "message": message}


def import_serials(data: bytes | str, *, dry_run: bool, user=None, progress: Progress | None = None) -> ImportReport:
    """Check the CSV ``data`` and, unless ``dry_run`` or a row is bad, bring its units into stock in
    the caller's transaction. Never raises for a bad row: the report lists them all."""
    report = ImportReport()
    rows = _read(data, report, progress)
    good = _check(rows, report, progress)
    report.errors.sort(key=lambda error: error["line"])  # lines the reading refused, among those the checks refused
    if report.errors or dry_run or not good:
        return report
    report.moves = _bring_into_stock(good, user)
    report.created = len(good)
    audit.record("import", "move", report.moves[0].id, user, rows=report.rows, created=report.created,
                 moves=[{"id": m.id, "reference": m.reference, "location": m.dest_location.full_name} for m in report.moves])
    return report


# ---------------------------------------------------------------- reading the file


def _text(data: bytes | str, report: ImportReport) -> str | None:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")  # a byte order mark, as Excel writes, is not part of the header
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        report.errors.append(_error(line, "invalid_encoding", f"Line {line} is not UTF-8 text: save the file as CSV in UTF-8."))
        return None


def _header_problem(columns: list[str]) -> str | None:
    unknown = [c for c in columns if c not in IMPORT_COLUMNS]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    missing = [c for c in IMPORT_COLUMNS if c not in columns and c not in OPTIONAL_COLUMNS]
    if not (unknown or repeated or missing):
        return None
    found = ",".join(columns) if any(columns) else "nothing"
    return (f"The first line must name the columns {','.join(IMPORT_COLUMNS)} (ref may be left out, the order is free); "
            f"it has {found}.")


def _read(data: bytes | str, report: ImportReport, progress: Progress | None) -> list[_Row]:
    """The data rows of the file; a wrong header or a line that is not a row goes to the report."""
    text = _text(data, report)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
    except csv.Error as exc:
        report.errors.append(_error(1, "wrong_header", f"The first line cannot be read as CSV ({exc})."))
        return []
    columns = [cell.strip().lower() for cell in header]
    problem = _header_problem(columns)
    position = {name: index for index, name in enumerate(columns)}
    rows, since_progress = [], 0
    while True:
        line = reader.line_num + 1  # where the row starts (a quoted value may span lines)
        try:
            cells = next(reader, None)
        except csv.Error as exc:  # an unbalanced quote, for example: report it and stop reading
            report.errors.append(_error(line, "malformed_csv", f"Line {line} cannot be read as CSV ({exc})."))
            break
        if cells is None:
            break
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        report.rows += 1
        since_progress += 1
        if progress and since_progress == PROGRESS_EVERY:
            progress("read", since_progress)
            since_progress = 0
        if problem:
            continue  # counted, but without a header that makes sense the cells mean nothing
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
            report.errors.append(_error(line, "wrong_column_count",
                                        f"Line {line} has {len(cells)} cells but the header names {len(columns)} columns; "
                                        "quote a value that holds a comma."))
            continue
        cells += [""] * (len(columns) - len(cells))  # cells left off at the end are empty
        ref = cells[position["ref"]].strip() if "ref" in position else ""
        rows.append(_Row(line, cells[position["name"]], cells[position["product"]].strip(), cells[position["location"]].strip(),
                         ref or None))
    if progress and since_progress:
        progress("read", since_progress)
    if problem:
        report.errors.insert(0, _error(1, "wrong_header", problem))
    elif not report.rows and not report.errors:
        report.errors.append(_error(1, "no_rows", "The file has no rows under its header: one serial number a line."))
    return rows


# ---------------------------------------------------------------- checking the rows


@dataclass(frozen=True)
class _Product:
    id: int
    display_name: str
    tracking: str
    serial_pattern: str | None
    serial_uppercase: bool


def _products(codes: set[str]) -> dict[str, _Product]:
    """{default code: product and its serial rules} of the products the file names, in one query."""
    if not codes:
        return {}
    table, _ = names_table(sorted(codes))
    found = db.session.execute(
        select(Product.default_code, Product.id, Product.name, tracking_column(), ProductTracking.serial_pattern,
               ProductTracking.serial_uppercase)
        .join(table, table.c.value == Product.default_code).outerjoin(ProductTracking, ProductTracking.product_id == Product.id))
    return {code: _Product(product_id, f"[{code}] {name}", tracking, pattern, bool(uppercase))
            for code, product_id, name, tracking, pattern, uppercase in found}


def _locations(full_names: set[str]) -> dict[str, tuple[int, str]]:
    """{full name: (id, usage)} of the locations the file names, in one query."""
    if not full_names:
        return {}
    table, _ = names_table(sorted(full_names))
    found = db.session.execute(select(Location.full_name, Location.id, Location.usage).join(table, table.c.value == Location.full_name))
    return {full_name: (location_id, usage) for full_name, location_id, usage in found}


def _existing(names: set[str]) -> dict[tuple[int, str], str]:
    """{(scope, name): product} of the serials that already have one of ``names``, in one query."""
    if not names:
        return {}
    table, _ = names_table(sorted(names))
    found = db.session.execute(select(Serial.scope, Serial.name, Product.default_code, Product.name)
                               .join(table, table.c.value == Serial.name).join(Product, Product.id == Serial.product_id))
    return {(name_scope, name): f"[{code}] {product}" if code else product for name_scope, name, code, product in found}


def _check(rows: list[_Row], report: ImportReport, progress: Progress | None) -> list[_Good]:
    """Every problem of every row, in line order, into the report; the good rows resolved."""
    products = _products({row.product for row in rows if row.product})
    locations = _locations({row.location for row in rows if row.location})
    # each name as its product stores it (upper case when the product asks)
    names = [serial_for(row.name, product.serial_uppercase if (product := products.get(row.product)) else False) for row in rows]
    barcodes = product_barcodes(sorted(set(names)))
    existing = _existing(set(names))
    first_line: dict[tuple[int, str], int] = {}
    units: dict[tuple[str, str], int] = defaultdict(int)
    good, since_progress = [], 0
    for row, name in zip(rows, names):
        problems = []
        product = products.get(row.product)
        name_problem = serial_rule_problem(name, product.display_name if product else "", product.serial_pattern if product else None,
                                           barcodes)
        if name_problem:
            problems.append(name_problem)
        if not row.product:
            problems.append(("missing_product", "The product is missing: give its internal reference (default code)."))
        elif product is None:
            problems.append(("unknown_product", f"No product has the internal reference {row.product}."))
        elif product.tracking != "serial":
            problems.append(("product_not_serial_tracked", f"{product.display_name} is not tracked by serial number; set its Tracking to "
                                                           "'By unique serial number' first."))
        location = locations.get(row.location)
        if not row.location:
            problems.append(("missing_location", "The location is missing: give its full name, such as WH/Stock."))
        elif location is None:
            problems.append(("unknown_location", f"No location is named {row.location}; give the full name, such as WH/Stock."))
        elif location[1] != "internal":
            problems.append(("location_not_internal", f"{row.location} is not a stock location (its usage is {location[1]}); "
                                                      "opening stock goes to an internal location."))
        if row.ref is not None and len(row.ref) > REF_MAX:
            problems.append(("invalid_ref", f"The internal reference has at most {REF_MAX} characters; this one has {len(row.ref)}."))
        elif row.ref is not None and text_problem(row.ref):
            problems.append(("invalid_ref", f"The internal reference cannot hold invisible characters: {text_problem(row.ref)}"))
        name_scope = scope(product.id) if product else None  # 0 when names are unique across products
        if not name_problem and name_scope is not None:
            key = (name_scope, name)
            if key in first_line:
                problems.append(("duplicate_serial", f"{name} is also on line {first_line[key]}; each unit is listed once."))
            else:
                first_line[key] = row.line
                if key in existing:
                    problems.append(("duplicate_serial", f"{name} already exists for {existing[key]}"
                                                         + (", and serial numbers are unique across products." if name_scope == 0 else ".")))
        if problems:
            report.errors += [_error(row.line, code, message) for code, message in problems]
        else:
            good.append(_Good(name, product.id, location[0], name_scope, row.ref))
            units[(row.location, product.display_name)] += 1
        since_progress += 1
        if progress and since_progress == PROGRESS_EVERY:
            progress("check", since_progress)
            since_progress = 0
    if progress and since_progress:
        progress("check", since_progress)
    report.groups = [ImportGroup(location, product, count) for (location, product), count in units.items()]
    return good


# ---------------------------------------------------------------- writing


def _bring_into_stock(good: list[_Good], user) -> list[StockMove]:
    """One done adjustment per location (in the file's order of first appearance), a line per
    product holding its serials: validating it creates the serials where they are counted, with
    their history."""
    inventory = location_of_usage("inventory")
    by_location: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in good:
        by_location[row.location_id][row.product_id].append(row.name)
    moves = []
    for location_id, by_product in by_location.items():
        lines = [{"product_id": product_id, "quantity": len(names), "serials": names} for product_id, names in by_product.items()]
        move = create_move("adjustment", inventory.id, location_id, lines, user=user)
        moves.append(validate_move(move, user))
    _write_refs([row for row in good if row.ref is not None])
    return moves


def _write_refs(rows: list[_Good]) -> None:
    """The internal references of the new serials, in one UPDATE ... FROM the rows unpacked from
    one JSON parameter by the database ([scope, name, ref] each)."""
    if not rows:
        return
    param = bindparam(None, [[row.scope, row.name, row.ref] for row in rows], type_=JSON)
    if db.session.get_bind().dialect.name == "postgresql":
        table = func.json_array_elements(param).table_valued("value").render_derived()
        cells = [func.json_extract_path_text(table.c.value, str(index)) for index in range(3)]
    else:
        table = func.json_each(param).table_valued("value")
        cells = [func.json_extract(table.c.value, f"$[{index}]") for index in range(3)]
    refs = select(cast(cells[0], Integer).label("scope"), cells[1].label("name"), cells[2].label("ref")).select_from(table).subquery()
    db.session.execute(update(Serial).where(Serial.scope == refs.c.scope, Serial.name == refs.c.name).values(ref=refs.c.ref),
                       execution_options={"synchronize_session": False})
