"""Maintenance intervals (保养周期): one of four names, or an ISO-8601 date duration (`P2W`, `P10D`, `P1Y6M`).

Dates move by calendar months, not by 30-day blocks: monthly from 15 Jan is 15 Feb. A day the target month
lacks is clamped to its last day (31 Jan + 1 month = 28 or 29 Feb). `anchor_day` keeps a month-based schedule
on its day after a short month (31 Jan → 28 Feb → 31 Mar, not 28 Mar); plans store it when a person sets the
due date.

Time parts (`PT12H`) are refused: maintenance falls due on a day, not at an hour. This is a small parser of
its own because the engine's timer parser belongs to `workflows`, which the domain does not import.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAMED_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
MAX_DAYS = 3660  # ten years: longer is a typing mistake, not a maintenance plan
_ISO = re.compile(
    r"^P(?:(?P<years>\d{1,3})Y)?(?:(?P<months>\d{1,4})M)?(?:(?P<weeks>\d{1,4})W)?(?:(?P<days>\d{1,5})D)?$"
)


class IntervalError(ValueError):
    """Text that is no interval we understand."""


@dataclass(frozen=True)
class Interval:
    months: int = 0
    days: int = 0

    @property
    def approx_days(self) -> int:
        return self.months * 31 + self.days

    def after(self, start: dt.date, *, anchor_day: int | None = None) -> dt.date:
        """The date one interval after `start`: calendar months first (clamped), then days.

        `anchor_day` (1–31) is the day of month the schedule keeps; it applies to whole-month intervals only,
        as "every 1 month and 10 days" has no fixed day of month.
        """
        day = anchor_day if anchor_day and not self.days else None
        return add_months(start, self.months, day=day) + dt.timedelta(days=self.days)


def add_months(start: dt.date, months: int, *, day: int | None = None) -> dt.date:
    """`start` moved by whole calendar months, on `day` (default: start's day), clamped to the month's end."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day or start.day, last))


def parse_interval(text: str) -> Interval:
    """`monthly`, `quarterly`, `semiannual`, `annual`, or `P[nY][nM][nW][nD]` (at least one day long)."""
    value = (text or "").strip()
    if value.lower() in NAMED_MONTHS:
        return Interval(months=NAMED_MONTHS[value.lower()])
    match = _ISO.match(value.upper())
    if not match or not any(match.groupdict().values()):
        raise IntervalError(value)
    parts = {name: int(number or 0) for name, number in match.groupdict().items()}
    interval = Interval(months=parts["years"] * 12 + parts["months"], days=parts["weeks"] * 7 + parts["days"])
    if not 1 <= interval.approx_days <= MAX_DAYS:
        raise IntervalError(value)
    return interval


def normalize_interval(text: str) -> str:
    """The stored spelling: names in lower case, durations in upper case (`p2w` → `P2W`)."""
    parse_interval(text)
    value = text.strip()
    return value.lower() if value.lower() in NAMED_MONTHS else value.upper()


def validate_interval(value: str) -> None:
    try:
        parse_interval(value)
    except IntervalError:
        raise ValidationError(
            _(
                "Use monthly, quarterly, semiannual, annual or an ISO-8601 duration in days, weeks, months "
                "or years such as P2W or P10D (at least one day, at most ten years)."
            ),
            code="invalid_interval",
        ) from None
