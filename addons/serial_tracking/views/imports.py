"""Import Serials (inventory managers): upload a CSV file, see what it would import and every bad
line, then confirm. The checking and the import are the service's (``import_serials``, as the API
and ``erp serials import`` use it); between the preview and the confirmation the uploaded file waits
in the instance folder, under a random name only its uploader's session knows."""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField, FileRequired

from erp_core.auth import acting_user, requires
from erp_core.forms import ErpForm
from erp_core.web import perform

from .. import services
from ..services.imports import IMPORT_COLUMNS
from . import bp

KEPT_FOR = 24 * 3600  # seconds an uploaded file waits for its confirmation
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


class ImportForm(ErpForm):
    file = FileField("CSV file", validators=[FileRequired("Choose the CSV file to import.")], render_kw={"accept": ".csv,text/csv"},
                     description=f"Columns {','.join(IMPORT_COLUMNS)}; at most 10 MiB.")


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _path(token: str) -> Path | None:
    """Where the current user's upload ``token`` waits; None for anything that is not a token."""
    user = acting_user()
    return _folder() / f"{user.id}-{token}.csv" if TOKEN.match(token or "") else None


def _keep(data: bytes) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):  # uploads never confirmed
        if old.stat().st_mtime < time.time() - KEPT_FOR:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    _path(token).write_bytes(data)
    _path(token).chmod(0o600)
    return token


def _render(form: ImportForm, report=None, token: str | None = None, filename: str = "", status: int = 200):
    return render_template("serial_tracking/import.html", form=form, report=report, token=token, filename=filename,
                           columns=IMPORT_COLUMNS), status


@bp.route("/serials/import", methods=["GET", "POST"])
@requires("serial.create")
def serials_import():
    form = ImportForm()
    if not form.validate_on_submit():
        return _render(form, status=422 if request.method == "POST" else 200)
    data = form.file.data.read()
    report = perform(services.import_serials, data, dry_run=True)
    if report is None:
        return _render(form, status=422)
    token = _keep(data) if not report.errors else None
    return _render(ImportForm(formdata=None), report, token, form.file.data.filename or "", 422 if report.errors else 200)


@bp.post("/serials/import/confirm")
@requires("serial.create")
def serials_import_confirm():
    path = _path(request.form.get("token", ""))
    if path is None or not path.exists():
        flash("The file to import is no longer here (it waits a day); upload it again.", "error")
        return redirect(url_for(".serials_import"))
    report = perform(services.import_serials, path.read_bytes(), dry_run=False, user=acting_user())
    if report is None or report.errors:  # something changed since the preview: show what, and keep nothing
        path.unlink(missing_ok=True)
        return _render(ImportForm(formdata=None), report, None, request.form.get("filename", ""), 422)
    path.unlink(missing_ok=True)
    moves = ", ".join(move.reference for move in report.moves)
    flash(f"{report.created} serial numbers imported and in stock, by the inventory adjustment"
          f"{'s' if len(report.moves) > 1 else ''} {moves}.", "success")
    return redirect(url_for(".move", move_id=report.moves[0].id) if len(report.moves) == 1 else url_for(".moves", type="adjustment"))
