"""The ``/api/v1`` plumbing: routes declared with their permission and schemas, one error shape, and
pagination. The OpenAPI document is generated from the same declarations (``erp_core.openapi``)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Callable, Generic, TypeVar

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema, create_model, model_validator
from werkzeug.exceptions import HTTPException

from .auth import api_user, authorize
from .database import MAX_ID, count_rows, db, run_in_transaction
from .errors import BadRequest, DomainError

MAX_LIMIT = 1000
MAX_BODY = 10 * 2**20  # bytes; a larger request is refused (413) before it is read


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A record's id in a body or a query string: outside 1..2^31-1 it names nothing (400)."""


class ApiModel(BaseModel):
    """A JSON request body: strict types (a quantity must be a number, not a string), and no field
    the endpoint does not know (a misspelt field is refused, not silently dropped)."""

    model_config = ConfigDict(strict=True, extra="forbid")


def _json_number(value):
    # Quantities and prices are JSON numbers, never strings; taken through repr() so 0.1 stays 0.1.
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError("must be a JSON number")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


# NaN and infinity (which Python's json writes as NaN and Infinity) reach the service, whose range
# check answers 422 invalid_quantity / invalid_amount for them like for any other number too large.
Number = Annotated[Decimal, Field(allow_inf_nan=True), BeforeValidator(_json_number), WithJsonSchema({"type": "number"})]
Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list: ``items`` and the ``total`` number of matches."""

    items: list[Item]
    total: int


class Filters(BaseModel):
    """Query-string parameters arrive as text, so they are converted, then range-checked."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_any(cls, values: dict) -> dict:
        # ?type=&state=posted: an empty filter is no filter, as in a search form.
        return {key: value for key, value in values.items() if value != ""}


class ListQuery(Filters):
    """The query of a list: its filters, and the page asked for."""

    limit: int = Field(100, ge=0, description=f"Page size; values above {MAX_LIMIT} count as {MAX_LIMIT}.")
    offset: int = Field(0, ge=0, le=MAX_ID)


def without_paging(query: type[ListQuery]) -> type[Filters]:
    """The filters of a list's query without ``limit`` and ``offset``, for an export of the same
    list: it writes every match, and its OpenAPI parameters are exactly the list's filters."""
    fields = {name: (info.annotation, info) for name, info in query.model_fields.items() if name not in ListQuery.model_fields}
    return create_model(query.__name__.removesuffix("Query") + "Filters", __base__=Filters, __doc__=query.__doc__, **fields)


@dataclass
class Route:
    rule: str
    method: str
    view: Callable
    summary: str
    permission: str | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    tag: str
    errors: tuple[int, ...] = ()  # error statuses beyond those the declaration implies (OpenAPI)
    raw_body: str | None = None  # the media type of a body the view reads itself (a CSV file), instead of ``body``
    body_optional: bool = False  # ``body`` may be left out (an action with options): its defaults apply
    produces: str = "application/json"  # the media type of the success answer; another one is a Response the view makes


@dataclass
class ApiRoutes:
    """Endpoints an addon serves: its ``api.routes`` (the core's are in ``core_api.routes``)."""

    tag: str
    routes: list[Route] = field(default_factory=list)

    def route(self, rule: str, method: str = "GET", *, summary: str, permission: str | None = None, body=None, query=None,
              response=None, status: int = 200, auth: bool = True, errors: tuple[int, ...] = (), raw_body: str | None = None,
              body_optional: bool = False, produces: str = "application/json"):
        def decorator(view):
            self.routes.append(Route(rule, method, view, summary, permission, body, query, response, status, auth, self.tag, errors,
                                     raw_body, body_optional, produces))
            return view

        return decorator


def _validation_details(exc: ValidationError, prefix: str = "") -> list[dict]:
    return [
        {"field": prefix + ".".join(str(p) for p in err["loc"]) or "body", "code": err["type"], "message": err["msg"]}
        for err in exc.errors(include_url=False)
    ]


def resolve_model(model):
    """Schemas may be given lazily (a function returning the model) when they depend on the loaded
    addons, like Product with the columns addons add."""
    return model if model is None or isinstance(model, type) else model()


JSON_TYPES = ("application/json",)


def _json_body() -> bytes:
    """The request body, refused with 415 when it is not JSON (an empty body is no body)."""
    raw = request.get_data(cache=True)
    if raw.strip() and not (request.mimetype in JSON_TYPES or request.mimetype.endswith("+json")):
        raise DomainError("unsupported_media_type", f"Send the body as JSON with Content-Type: application/json "
                          f"(not {request.mimetype or 'no type'}).", [{"field": "Content-Type", "code": "unsupported_media_type",
                                                                       "message": "Use application/json."}], status=415)
    return raw


def _raw_body(media_type: str) -> None:
    """A body the view reads itself must be of the route's media type (an empty body is no body)."""
    if request.get_data(cache=True).strip() and request.mimetype != media_type:
        raise DomainError("unsupported_media_type", f"Send the body with Content-Type: {media_type} (not {request.mimetype or 'no type'}).",
                          [{"field": "Content-Type", "code": "unsupported_media_type", "message": f"Use {media_type}."}], status=415)


def _parse_body(model: type[BaseModel], optional: bool = False) -> BaseModel:
    raw = _json_body()
    if not raw.strip():
        if optional:
            return model()
        raise BadRequest("Send a JSON object as the request body.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise BadRequest("The request body is not valid JSON; send a JSON object with Content-Type: application/json.") from None
        if any(err["type"] == "model_type" and not err["loc"] for err in exc.errors()):
            raise BadRequest("The request body must be a JSON object.") from None
        unknown = [err for err in exc.errors() if err["type"] == "extra_forbidden"]
        if unknown:
            names = ", ".join(".".join(str(p) for p in err["loc"]) for err in unknown)
            raise BadRequest(f"Unknown fields: {names}. Check their spelling against /api/v1/openapi.json.",
                             _validation_details(exc)) from None
        raise BadRequest("Some fields are missing or have the wrong type.", _validation_details(exc)) from None


def _no_body() -> None:
    """An endpoint that takes no body may get none, or an empty JSON object; anything else is refused."""
    raw = _json_body()
    if raw.strip():
        try:
            data = json.loads(raw)
        except ValueError:
            raise BadRequest("The request body is not valid JSON; this endpoint needs no body at all.") from None
        if data not in ({}, None):
            raise BadRequest("This endpoint takes no body; send none, or {}.",
                             [{"field": key, "code": "extra_forbidden", "message": "Unknown field."} for key in data]
                             if isinstance(data, dict) else [{"field": "body", "code": "extra_forbidden", "message": "Send no body."}])


def _parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise BadRequest("Some query parameters are invalid.", _validation_details(exc, "query.")) from None


def reject_nulls(values: dict, required) -> None:
    """A PATCH may leave a required field out, but not set it to null."""
    nulls = [key for key in required if key in values and values[key] is None]
    if nulls:
        raise BadRequest("These fields cannot be null.", [{"field": key, "code": "null", "message": "Give a value."} for key in nulls])


def paginate(stmt, to_dict: Callable[[Any], dict], query: ListQuery, scalars: bool = True) -> dict:
    """``{"items": [...], "total": N}`` for a select, honouring ``limit`` (capped) and ``offset``."""
    limit = min(query.limit, MAX_LIMIT)
    page = stmt.limit(limit).offset(query.offset)
    rows = list(db.session.scalars(page) if scalars else db.session.execute(page))
    # A page that is not full ends the list, so it tells the total: the count query (a scan of
    # every match, the slow part on big tables) is only needed for full or empty pages.
    if 0 < len(rows) < limit or (not rows and query.offset == 0 and limit > 0):
        total = query.offset + len(rows)
    else:
        total = count_rows(stmt)
    return {"items": [to_dict(r) for r in rows], "total": total}


def _make_view(route: Route):
    def view(**kwargs):
        def action():
            if route.auth:
                api_user()
            if route.permission:
                authorize(route.permission)
            if route.body is not None:
                kwargs["body"] = _parse_body(resolve_model(route.body), route.body_optional)
            elif route.raw_body is not None:
                _raw_body(route.raw_body)
            else:
                _no_body()
            if route.query is not None:
                kwargs["query"] = _parse_query(route.query)
            return route.view(**kwargs)

        result = run_in_transaction(action)
        if isinstance(result, Response):  # not JSON: a file the view answers itself, such as a streamed CSV
            return result
        return jsonify(result), route.status

    view.__name__ = route.view.__name__
    return view


ERROR_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "invalid_state", 413: "payload_too_large", 415: "unsupported_media_type", 429: "too_many_attempts"}


def _error_response(status: int, code: str, message: str, details: list | None = None):
    return jsonify({"error": {"code": code, "message": message, "details": details or []}}), status


def register_api(app: Flask, route_sets: list[ApiRoutes]) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    routes = [r for rs in route_sets for r in rs.routes]
    for r in routes:
        bp.add_url_rule(r.rule, endpoint=f"{r.tag}_{r.view.__name__}", view_func=_make_view(r), methods=[r.method])
    app.extensions["erp"].api_routes = routes
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["csrf"].exempt(bp)  # token-authenticated: no session cookie, so no CSRF
    app.register_blueprint(bp)

    def is_api() -> bool:
        return request.path == "/api/v1" or request.path.startswith("/api/v1/")

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if is_api():
            # HTTP requires a 401 to name the scheme that would work; a 429 says when to retry.
            headers = {"WWW-Authenticate": 'Bearer realm="erp"'} if exc.status == 401 else getattr(exc, "headers", {})
            return jsonify(exc.to_dict()), exc.status, headers
        return app.extensions["erp"].web_error_handler(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not is_api():
            return app.extensions["erp"].web_error_handler(exc)
        messages = {404: f"No endpoint answers {request.path}; see /api/v1/openapi.json.",
                    405: f"{request.method} is not allowed on {request.path}; see /api/v1/openapi.json.",
                    413: f"The request body is larger than {MAX_BODY // 2**20} MiB; send less at once (a long list in several requests)."}
        response, status = _error_response(exc.code, ERROR_CODES.get(exc.code, "error"), messages.get(exc.code, exc.description))
        # Keep the exception's own headers, such as a 405's Allow (required by HTTP).
        response.headers.extend((k, v) for k, v in exc.get_headers() if k.lower() != "content-type")
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if is_api():
            return _error_response(500, "internal_error", "Something went wrong on the server; nothing was changed. Try again, or report it with the time of the request.")
        return app.extensions["erp"].web_error_handler(exc)
