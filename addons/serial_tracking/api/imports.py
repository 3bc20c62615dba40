"""Importing opening stock over HTTP: a CSV file of serial numbers, checked (``dry_run=true``) or
brought into stock. The answer is the import's report, ``{"rows", "created", "errors": [{"line",
"code", "message"}]}``, with status 200 whatever the outcome, as the contract has it: errors in the
file are the report's content, not a failed request (nothing is written when there are any)."""
from __future__ import annotations

from flask import request
from pydantic import BaseModel, Field

from erp_core.api import Filters
from erp_core.auth import api_user
from erp_core.errors import MAX_DETAILS

from .. import services
from ..services.imports import IMPORT_COLUMNS
from . import routes


class ImportQuery(Filters):
    dry_run: bool = Field(False, description="true: only check the file and report; nothing is written.")


class ImportRowError(BaseModel):
    line: int = Field(description="The line of the file (the header is line 1, the first data row line 2).")
    code: str = Field(description="invalid_serial, duplicate_serial, missing_product, unknown_product, product_not_serial_tracked, "
                                  "missing_location, unknown_location, location_not_internal, invalid_ref, wrong_header, "
                                  "wrong_column_count, malformed_csv, invalid_encoding, no_rows")
    message: str = Field(description="A sentence saying what is wrong with the line and how to fix it.")


class ImportReport(BaseModel):
    rows: int = Field(description="Data rows in the file (blank lines are not rows).")
    created: int = Field(description="Serial numbers created and brought into stock: 0 for a dry run and whenever there are errors.")
    errors: list[ImportRowError] = Field(max_length=MAX_DETAILS, description="Every problem of every row, in line order.")
    errors_omitted: int | None = Field(None, ge=1, description=f"Present only when there were more than {MAX_DETAILS} errors: "
                                                               "how many were left out of errors.")


@routes.route("/serials/import", "POST", summary=f"Import opening stock from a CSV file ({','.join(IMPORT_COLUMNS)}): product by its "
              "default code, location by its full name; the report lists every bad line, and nothing is written when there is one",
              permission="serial.create", raw_body="text/csv", query=ImportQuery, response=ImportReport)
def import_serials(query: ImportQuery):
    return services.import_serials(request.get_data(), dry_run=query.dry_run, user=api_user()).to_dict()
