"""One error type for every broken rule, translated to HTTP by the API and to flashes by the UI."""
from __future__ import annotations

MAX_DETAILS = 1000


class DomainError(Exception):
    """A business rule said no. ``code`` is machine-readable, ``message`` a sentence a person can
    act on, ``details`` every offending item (``{"serial"|"field"|"line_id", "code", "message"}``)."""

    status = 422

    def __init__(self, code: str, message: str, details: list[dict] | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details or [])
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        """The API's error body. A 422 always names at least one item (the rule itself when the
        service named none); at most MAX_DETAILS are listed, and how many more there were."""
        details = self.details or ([{"code": self.code, "message": self.message}] if self.status == 422 else [])
        error = {"code": self.code, "message": self.message, "details": details[:MAX_DETAILS]}
        if len(details) > MAX_DETAILS:
            error["details_omitted"] = len(details) - MAX_DETAILS
        return {"error": error}


class BadRequest(DomainError):
    status = 400

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__("bad_request", message, details)


class Unauthenticated(DomainError):
    status = 401

    def __init__(self, message: str = "Log in or send a valid 'Authorization: Bearer <token>' header."):
        super().__init__("unauthenticated", message)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str):
        super().__init__("forbidden", message)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str):
        super().__init__("not_found", message)


class InvalidState(DomainError):
    status = 409

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__("invalid_state", message, details)


def detail_label(detail: dict) -> str:
    """What a detail is about, for a person: its field, or else the item it names (its first key)."""
    if detail.get("field"):
        return str(detail["field"])
    return next((str(value) for key, value in detail.items() if key not in ("code", "message")), "")


def raise_if_problems(problems: list[dict], message: str) -> None:
    """Raise one 422 listing every problem; the error code is the first problem's code, so a
    client that only reads ``code`` still learns what kind of rule broke."""
    if problems:
        raise DomainError(problems[0]["code"], message, problems)
