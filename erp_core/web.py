"""The UI shell: login, dashboard, help, and the helpers every addon's views share."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import markdown
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired

from . import services
from .auth import SESSION_KEY, acting_user, may
from .database import MAX_ID, count_rows, db, run_in_transaction, transaction, utcnow
from .errors import BadRequest, DomainError, detail_label
from .forms import ErpForm, format_number
from .settings import secret_key_file
from .text import text_problem
from .zones import local_time, zone_names

bp = Blueprint("core", __name__)
PUBLIC_ENDPOINTS = {"core.login", "static"}

PAGE_SIZE = 50


class KeyOnFirstUseSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose key, when none is configured, is made in the instance folder by
    the first request that needs it (building the app writes nothing)."""

    def open_session(self, app, request):
        if not app.secret_key:
            app.secret_key = app.config["SECRET_KEY"] = secret_key_file(Path(app.instance_path))
        return super().open_session(app, request)


def init_app(app) -> None:
    """Login, CSRF, the security headers and the page shell every template extends."""
    from flask_wtf.csrf import CSRFProtect

    from .auth import login_manager

    login_manager.init_app(app)
    CSRFProtect(app)
    app.session_interface = KeyOnFirstUseSessionInterface()

    @app.before_request
    def _clean_query():
        # A search or filter with an invisible character (NUL) would reach the database: refuse it here.
        for name, value in request.args.items(multi=True):
            problem = text_problem(value) if name != "next" else None  # the login page checks where it sends back to
            if problem:
                raise BadRequest(f"The address holds an invisible character in {name!r}. {problem}",
                                 [{"field": f"query.{name}", "code": "invalid_text", "message": problem}])
        return None

    @app.before_request
    def _require_login():
        # Everything needs a logged-in user except login and static files (the core's and each
        # addon blueprint's "<name>.static"); the API checks tokens.
        if (request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS or request.endpoint.endswith(".static")
                or request.path.startswith("/api/")):
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("core.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _security_headers(response):
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: tell browsers never to use plain HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not (request.endpoint or "").endswith("static"):
            # Pages and answers show someone's data: no browser or proxy may keep them (the back
            # button after logging out shows nothing).
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response

    app.add_template_filter(format_number, "number")
    app.add_template_filter(local_time, "local_time")

    @app.context_processor
    def _shell():
        user = current_user if current_user.is_authenticated else None
        return {"menu": menu_for(user) if user else [], "may": lambda action: may(user, action),
                "guide_sections": guide_sections, "help_url": help_url,
                "addon_stylesheets": addon_stylesheets}


# ---------------------------------------------------------------- helpers for addon views


def perform(action, *args, form=None, **kwargs):
    """Run one business action as one transaction (again, when it lost a race to another). On a
    broken rule nothing is kept, the message is flashed, and field-level details are attached to
    ``form`` so they show next to the field. Returns the action's result, or None when it failed."""
    try:
        return run_in_transaction(action, *args, **kwargs)
    except DomainError as exc:
        flash_error(exc, form)
        return None


def flash_error(exc: DomainError, form=None) -> None:
    """Flash the error's message; with ``form`` (a form, or ``ErrorPlaces`` for nested fields) each
    field-level detail shows next to its field instead, and the rest is flashed (at most 20)."""
    from .forms import ErrorPlaces

    places = form if isinstance(form, ErrorPlaces) or form is None else ErrorPlaces(form)
    unplaced = [d for d in (places.place(exc.details) if places is not None else exc.details)
                if d.get("message") not in exc.message]  # a detail the message already says is said once
    flash(exc.message, "error")
    for detail in unplaced[:20]:
        label = detail_label(detail)
        flash(f"{label}: {detail['message']}" if label else detail["message"], "error")
    if len(unplaced) > 20:
        flash(f"... and {len(unplaced) - 20} more problems.", "error")


def page_args() -> tuple[int, int]:
    """(page number, offset) from ?page=N; a page past any list (or not a number) is read as the
    nearest one there can be."""
    try:
        page = min(max(1, int(request.args.get("page", 1))), MAX_ID // PAGE_SIZE)
    except ValueError:
        page = 1
    return page, (page - 1) * PAGE_SIZE


def detail_panels(record) -> list:
    """The panels addons show on ``record``'s page, in their order (none on a new record's form)."""
    if record is None:
        return []
    return sorted((p for found in current_app.extensions["erp"].hook.erp_detail_panels(record=record) for p in found), key=lambda p: p.order)


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its rows, its number, and how many rows the whole list holds (at least
    ``total`` when ``capped``). Render it with the ``pager`` macro of core/macros.html."""

    rows: list
    page: int
    total: int
    capped: bool = False
    page_size: int = 0


def list_page(stmt, cap: int | None = None, scalars: bool = True) -> ListPage:
    """The page ``?page=N`` of a select, PAGE_SIZE rows; ``?page=last``, or a page past the end,
    is the last page. A page that shows the end of the list needs no count. With ``cap`` the count
    stops a little past the page asked for (at least at ``cap`` rows): counting a million rows on
    every page load is the slowest part of such a list, and only the last page needs the exact number."""
    page = page_args()[0]
    last = request.args.get("page") == "last"

    def rows_of(number: int) -> list:  # one more row than shown: whether a next page exists
        return (db.session.scalars if scalars else db.session.execute)(
            stmt.limit(PAGE_SIZE + 1).offset((number - 1) * PAGE_SIZE)).all()

    rows = [] if last else rows_of(page)
    if not last and len(rows) <= PAGE_SIZE and (rows or page == 1):
        return ListPage(rows, page, (page - 1) * PAGE_SIZE + len(rows), False, PAGE_SIZE)
    limit = None if last or cap is None else max(cap, page * PAGE_SIZE)
    total = count_rows(stmt, limit)
    capped = limit is not None and total > limit
    if capped:
        total = limit
    elif not rows:  # past the end (or asked for the last page): show the last page
        page = max(1, -(-total // PAGE_SIZE))
        rows = rows_of(page)
    return ListPage(rows[:PAGE_SIZE], page, total, capped, PAGE_SIZE)


def page_of(stmt) -> tuple[int, int, list]:
    """(page number, total, rows of that page) of a select: ``list_page`` as a tuple, for list
    pages that render it with ``pager(page, total, page_size)``."""
    found = list_page(stmt)
    return found.page, found.total, found.rows


def web_error_handler(exc):
    """A page's answer to an error: the login page, the app's own error page, or back to the page
    the user came from with the message."""
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    db.session.rollback()
    if isinstance(exc, CSRFError) and not current_user.is_authenticated:
        # The form came from a session that has ended (logged out elsewhere, or expired): nothing
        # was saved; log in again (the user name typed is kept) and come back to the form.
        flash("Your session had ended, so nothing was saved. Log in, then send the form again.", "error")
        return redirect(url_for("core.login", next=_safe_next(_referrer_path()), username=request.form.get("username", "")))
    if isinstance(exc, CSRFError):  # opened in an earlier session, or sent by another site: refused, the session goes on
        message = "This form is out of date, so nothing was saved. Go back, reload the page, and send it again."
        return render_template("core/error.html", error=BadRequest(message)), 400
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.description)
        return render_template("core/error.html", error=DomainError(ERROR_CODES.get(status, "error"), message, status=status)), status
    if isinstance(exc, DomainError):
        if exc.status == 401:
            return current_app.login_manager.unauthorized()
        if exc.status in (400, 403, 404, 413, 429):
            return render_template("core/error.html", error=exc), exc.status
        flash_error(exc)
        return redirect(request.referrer or url_for("core.dashboard"))
    return render_template("core/error.html", error=None), 500


HTTP_MESSAGES = {
    404: "There is no page at this address. Check the address, or start again from the menu.",
    405: "This page cannot be used that way; go back and use its buttons.",
    413: "What you sent is too large (more than 10 MiB); send less at once.",
}
ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def _referrer_path() -> str | None:
    """The path of the page the request came from, when it is this site."""
    referrer = request.referrer or ""
    return referrer.split(request.host_url.rstrip("/"), 1)[1] if referrer.startswith(request.host_url) else None


# ---------------------------------------------------------------- pages


class LoginForm(ErpForm):
    username = StringField("User name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    # Only a path on this site: browsers read "/\host" and "/<tab>/host" as "//host", another site.
    if target and target.startswith("/") and not re.match(r"/[\s/\\]", target) and target.isprintable():
        return target
    return url_for("core.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET" and request.args.get("username"):  # kept from a form whose session had ended
        form.username.data = request.args["username"]
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            with transaction():
                user = services.authenticate(form.username.data, form.password.data, request.remote_addr)
                session[SESSION_KEY] = services.start_session(user)
        except DomainError as exc:
            form.password.errors = [exc.message]
            if exc.status == 429:
                status, headers = 429, exc.headers
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    with transaction():
        services.end_session(session.pop(SESSION_KEY, None))
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("core.login"))


@bp.route("/")
@login_required
def dashboard():
    cards = [c for cards in current_app.extensions["erp"].hook.erp_dashboard_cards(user=current_user) for c in cards]
    return render_template("core/dashboard.html", cards=sorted(cards, key=lambda c: c.order))


class TimeZoneForm(ErpForm):
    # Any name is taken here: the users service refuses one that is not a time zone, saying why.
    time_zone = SelectField("Time zone", choices=lambda: sorted(zone_names()), validate_choice=False,
                            description="Pages show dates and times in this zone. Type the first letters of the region "
                                        "to jump to it (Europe/Paris, America/New_York...).")


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """The logged-in user's own settings: their time zone."""
    me = acting_user()
    form = TimeZoneForm(data={"time_zone": me.time_zone})
    if form.validate_on_submit():
        saved = perform(services.update_user, me, {"time_zone": form.time_zone.data}, me, form=form)
        if saved is not None:
            flash(f"Your time zone is now {saved.time_zone}.", "success")
            return redirect(url_for("core.preferences"))
    return render_template("core/preferences.html", form=form, now=utcnow()), 422 if form.is_submitted() else 200


# ---------------------------------------------------------------- in-app guide


def _addon_paths() -> tuple[Path, ...]:
    return tuple(a.path for a in current_app.extensions["erp"].addons)


# A guide file says which pages its text is about with a mark just before a heading, such as
# <!-- help: serial_tracking.move serial_tracking.moves --> (endpoints, or a blueprint for all its pages).
HELP_MARK = re.compile(r'<!--\s*help:(.*?)-->\s*<h[1-6] id="([^"]+)"', re.S)


@cache
def _render_guide(path: Path) -> tuple[str, Markup]:
    text = path.read_text()
    title = re.search(r"^#\s+(.+)$", text, re.M)
    html = markdown.markdown(text, extensions=["tables", "sane_lists", "toc"])
    # A wide table scrolls inside its own box on a phone, not the page (erp.js makes the box focusable).
    html = html.replace("<table>", '<div class="table-wrap"><table>').replace("</table>", "</table></div>")
    return (title.group(1).strip() if title else path.stem), Markup(html)


def guide_sections() -> list[dict]:
    return _guide_sections(_addon_paths())


# The guide's files are found once per set of addons, as their text is read once (_render_guide), not
# on every page (the Help button's link needs them): a file added to a running server shows after a restart.
@cache
def _guide_sections(addon_paths: tuple[Path, ...]) -> list[dict]:
    folders = [Path(__file__).parent / "guide"] + [path / "guide" for path in addon_paths]
    files = sorted((f for folder in folders if folder.is_dir() for f in folder.glob("*.md")), key=lambda f: f.name)
    return [{"slug": re.sub(r"^\d+-", "", f.stem), "title": _render_guide(f)[0], "path": f} for f in files]


def help_pages() -> dict[str, tuple[str, str]]:
    """{endpoint or blueprint: (guide section slug, heading id)} from the guide files' help marks;
    when two marks name the same page, the first in guide order wins."""
    return _help_pages(_addon_paths())


@cache
def _help_pages(addon_paths: tuple[Path, ...]) -> dict[str, tuple[str, str]]:
    pages: dict[str, tuple[str, str]] = {}
    for section in _guide_sections(addon_paths):
        for names, anchor in HELP_MARK.findall(_render_guide(section["path"])[1]):
            for name in names.split():
                pages.setdefault(name, (section["slug"], anchor))
    return pages


def help_url() -> str:
    """Where the header's Help button leads: the guide's part about this page (its endpoint, else its
    blueprint), or the guide's start."""
    pages = help_pages()
    found = pages.get(request.endpoint) or pages.get(request.blueprint)
    return url_for("core.guide", slug=found[0], _anchor=found[1]) if found else url_for("core.guide")


@bp.route("/help")
@bp.route("/help/<slug>")
@login_required
def guide(slug: str | None = None):
    sections = guide_sections()
    if not sections:
        abort(404)
    section = next((s for s in sections if s["slug"] == slug), None) if slug else sections[0]
    if section is None:
        abort(404)
    return render_template("core/guide.html", sections=sections, section=section, body=_render_guide(section["path"])[1])


def addon_stylesheets() -> list[str]:
    """Each loaded addon's ``static/<addon>.css``, on every page: an addon's panels (and their
    badges) show on other addons' pages too."""
    return [url_for(f"{a.name}.static", filename=f"{a.name}.css") for a in current_app.extensions["erp"].addons
            if (a.path / "static" / f"{a.name}.css").exists() and f"{a.name}.static" in current_app.view_functions]


def menu_for(user) -> list[tuple[str, list[tuple[str, list]]]]:
    """The header menu: [(menu, [(group, [items])])], items the user may use, in order."""
    items = [i for found in current_app.extensions["erp"].hook.erp_menu_items() for i in found]
    menus: dict[str, dict[str, list]] = {}
    order: dict[str, int] = {}
    for item in sorted(items, key=lambda i: (i.order, i.label)):
        if item.permission and not may(user, item.permission):
            continue
        menus.setdefault(item.menu, {}).setdefault(item.group, []).append(item)
        order.setdefault(item.menu, item.order)
    return [(menu, list(groups.items())) for menu, groups in sorted(menus.items(), key=lambda m: order[m[0]])]
