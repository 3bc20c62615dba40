"""Gap-free counters: document numbers and move references."""
from __future__ import annotations

from sqlalchemy import update

from ..database import db, dialect_insert
from ..models import Sequence


def next_sequence_value(code: str) -> int:
    """Take the next number of ``code``. The row is locked by the UPDATE until the transaction ends,
    so concurrent takers queue, and a rollback gives the number back: no gaps, no duplicates."""
    db.session.execute(dialect_insert(Sequence.__table__).values(code=code, last_value=0).on_conflict_do_nothing())
    return db.session.execute(
        update(Sequence).where(Sequence.code == code).values(last_value=Sequence.last_value + 1).returning(Sequence.last_value)
    ).scalar_one()
