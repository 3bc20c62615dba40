"""Finding one record by id, or answering 404 with what was asked for."""
from __future__ import annotations

from ..database import db
from ..errors import NotFound


def get_or_404(model, record_id: int, label: str, options=()):
    """The record, with the loader ``options`` given; NotFound names the ``label``."""
    record = db.session.get(model, record_id, options=options)
    if record is None:
        raise NotFound(f"There is no {label} with id {record_id}.")
    return record
