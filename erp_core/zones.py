"""Times shown in each user's time zone. Everything is stored and sent by the API in UTC; only the
pages convert, through the ``local_time`` template filter, so that every page shows the same time
the same way."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask_login import current_user

DEFAULT_ZONE = "UTC"
DATE_TIME = "%Y-%m-%d %H:%M %Z"


@cache
def zone_names() -> frozenset[str]:
    """The IANA names (Europe/Paris, America/New_York, UTC...) of the tz database: the system's, or
    the tzdata package's where the system has none."""
    return frozenset(available_timezones())


def zone_problem(name: str | None) -> str | None:
    """Why ``name`` is not a time zone users can choose, or None."""
    if name not in zone_names():
        return (f"{name!r} is not a time zone name; use an IANA name such as Europe/Paris, America/New_York "
                f"or {DEFAULT_ZONE} (region/city, with the capitals and underscores as written).")
    return None


def zone_of(user) -> ZoneInfo:
    name = getattr(user, "time_zone", None) or DEFAULT_ZONE
    return ZoneInfo(name if name in zone_names() else DEFAULT_ZONE)


def local_time(value: datetime | None, fmt: str = DATE_TIME) -> str:
    """``value`` (an aware UTC datetime) in the logged-in user's time zone, as ``fmt`` (the date, the
    time and the zone's abbreviation by default: "2026-03-02 09:30 CET"); a date is written as it is."""
    if value is None:
        return ""
    if not isinstance(value, datetime):  # a calendar date (an invoice date) is the same day in every zone
        return value.strftime("%Y-%m-%d" if fmt == DATE_TIME else fmt)
    user = current_user if current_user and current_user.is_authenticated else None
    return value.astimezone(zone_of(user)).strftime(fmt)
