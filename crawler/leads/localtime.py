"""Times for people: the store's ISO stamps shown as real dates in the bureau's time zone.

The zone is chosen at the CLI edge (``--tz``, env TUTORWATCH_TZ, default Asia/Shanghai) and
passed down; nothing below reads the environment.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"


def zone(name: str) -> ZoneInfo:
    """The named IANA zone; ValueError with the name when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None


def local(stamp: str, tz: ZoneInfo) -> datetime | None:
    """An ISO stamp as a naive local datetime in ``tz`` (what a spreadsheet cell holds); None when empty or bad."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # stored without an offset: the machine's local time
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def shown(stamp: str, tz: ZoneInfo) -> str:
    """An ISO stamp as people read it: 2026-11-02 09:30 (local), or the text as it is when it is no time."""
    moment = local(stamp, tz)
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else stamp


def today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()
