"""The ``Server-Timing`` header of every response: ``db`` is the time the request spent running SQL
statements (measured around each one by SQLAlchemy's engine events), ``app`` the rest of the
server's time (routing, checks, reading and writing JSON or HTML). Browsers show it in their
developer tools; a client such as a scanner can log it to tell a slow network from a slow server."""
from __future__ import annotations

from time import perf_counter

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "before_cursor_execute")
def _statement_starts(conn, cursor, statement, parameters, context, executemany):
    if has_request_context():
        g.erp_statement_started = perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _statement_ends(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and "erp_statement_started" in g:
        g.erp_db_seconds = g.get("erp_db_seconds", 0.0) + perf_counter() - g.pop("erp_statement_started")


def init_app(app: Flask) -> None:
    @app.before_request
    def _request_starts():
        g.erp_request_started = perf_counter()

    @app.after_request
    def _server_timing(response):
        if "erp_request_started" in g:
            total, db = perf_counter() - g.erp_request_started, g.get("erp_db_seconds", 0.0)
            response.headers["Server-Timing"] = f"db;dur={db * 1000:.1f}, app;dur={(total - db) * 1000:.1f}"
        return response

    # First, so that the time of the other hooks counts.
    app.before_request_funcs[None].insert(0, app.before_request_funcs[None].pop())
