"""Timers as Camunda Modeler writes them (SLA 时限, 催办): `timeDuration`, `timeDate`, `timeCycle`, `dueDate`.

SpiffWorkflow hands timer text to its script engine as Python, so a bare `PT1H` fails there; this module
reads the modeler's forms itself and evaluates `${...}` with the restricted evaluator:
- durations `PT30M`, `P3D`, `P1DT2H`, `P2W`, `PT0.5S`; `P1M`/`P1Y` count calendar months from the start
  (31 January + P1M is 28 or 29 February), so they work in `due_at` but not in `parse_duration`/cycles,
  which need a fixed length;
- dates `2026-12-01`, `2026-12-01T09:00:00+08:00`, `...Z`; without an offset they are read in the estate's
  zone (default Asia/Shanghai);
- cycles `R3/PT10M`, `R/PT1H` (forever), `R3/2026-01-01T00:00:00Z/PT1H` (from a start); cron is refused;
- `${...}` whose value is a timedelta, datetime, date, or any of the texts above, and text with pieces
  inside it (`PT${hours}H`). Timer expressions may call now(), today(), weeks/days/hours/minutes(n),
  duration("PT1H") and date("2026-12-01"); Camunda's `${dateTime().plusDays(2)}` is a method call and is
  refused: write `${now() + days(2)}`.
Every due time returned is timezone-aware and in UTC, the way times are stored.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .expressions import ExpressionError, evaluate

DEFAULT_TZ = "Asia/Shanghai"


class TimerError(ExpressionError, ValueError):
    """Timer text that cannot be read; catching ExpressionError also catches errors inside `${...}`."""


_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?!$)(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?"
    rf"(?:(?P<days>{_NUMBER})D)?(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?",
    re.IGNORECASE,
)
_CYCLE = re.compile(r"R(?P<repetitions>\d*)/(?P<rest>.+)", re.IGNORECASE | re.DOTALL)
_WHOLE = re.compile(r"[$#]\{(?P<expression>.*)\}", re.DOTALL)
_PIECE = re.compile(r"[$#]\{(?P<expression>[^{}]*)\}")


def parse_duration(text: str) -> timedelta:
    """A fixed-length ISO-8601 duration (`PT30M`, `P1DT2H`, `P2W`, `PT0.5S`) as a timedelta."""
    parts = _duration_parts(text)
    if parts.get("years") or parts.get("months"):
        raise TimerError(f"{text!r}: months and years have no fixed length; use weeks or days")
    return _fixed(parts, text)


def parse_datetime(text: str, *, tz: str = DEFAULT_TZ) -> datetime:
    """An ISO-8601 date or date-time; without an offset it is read in `tz`. Returned in UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimerError(f"not a date or time: {text!r} (write e.g. 2026-12-01T09:00:00+08:00)") from None
    return _aware(value, tz).astimezone(UTC)


def due_at(
    kind: str,
    text: str,
    *,
    variables: dict[str, Any] | None = None,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
) -> datetime:
    """When a timer of `kind` ("duration", "date" or "cycle") first falls due, counted from `now`.

    A duration or date is accepted under either kind (what staff mean is clear); a cycle first fires at
    its start, or one interval after `now`.
    """
    now = _now(now, tz)
    if kind == "cycle":
        _repetitions, start, interval = cycle(text, variables=variables, now=now, tz=tz)
        return start or now + interval
    if kind not in ("duration", "date"):
        raise ValueError(f"kind must be 'duration', 'date' or 'cycle', not {kind!r}")
    value = _resolve(text, variables, now, tz)
    if value is None:
        raise TimerError(f"{text!r} gave no value; a timer needs a duration or a date")
    return _due(value, now, tz)


def cycle(
    text: str,
    *,
    variables: dict[str, Any] | None = None,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
) -> tuple[int | None, datetime | None, timedelta]:
    """`(repetitions or None for forever, start or None, interval)` of `R3/PT10M`, `R/PT1H`, `R3/<date>/PT1H`."""
    now = _now(now, tz)
    value = _resolve(text, variables, now, tz)
    if not isinstance(value, str):
        raise TimerError(f"a cycle is text like R3/PT10M, not {type(value).__name__}")
    match = _CYCLE.fullmatch(value.strip())
    if not match:
        if " " in value.strip() or "*" in value:
            raise TimerError(f"{value!r}: cron cycles are not supported; write e.g. R/PT5M")
        raise TimerError(
            f"{value!r} is not a cycle; write e.g. R3/PT10M, R/PT1H or R3/2026-01-01T00:00:00Z/PT1H"
        )
    repetitions = int(match["repetitions"]) if match["repetitions"] else None
    pieces = match["rest"].split("/")
    if len(pieces) > 2 or pieces[-1].strip().upper()[:1] != "P":
        raise TimerError(f"{value!r}: write R<n>/<duration> or R<n>/<start>/<duration>")
    start = parse_datetime(pieces[0], tz=tz) if len(pieces) == 2 else None
    interval = parse_duration(pieces[-1].strip())
    if interval <= timedelta(0):
        raise TimerError(f"{value!r}: the interval must be longer than zero")
    return repetitions, start, interval


def parse_due_date(
    text: str | None,
    *,
    variables: dict[str, Any] | None = None,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
) -> datetime | None:
    """A user task's `camunda:dueDate`: a duration from now, a date, or `${...}`; None when blank or null."""
    if text is None or not text.strip():
        return None
    now = _now(now, tz)
    value = _resolve(text, variables, now, tz)
    return None if value is None else _due(value, now, tz)


# --------------------------------------------------------------------------- helpers


def _resolve(text: str, variables: dict[str, Any] | None, now: datetime, tz: str) -> Any:
    """The literal text, the value of a whole `${...}`, or the text with each `${...}` filled in."""
    if not isinstance(text, str):
        raise TimerError(f"a timer is text, not {type(text).__name__}")
    text = text.strip()
    functions = _functions(now, tz)
    whole = _WHOLE.fullmatch(text)
    if whole and "${" not in whole["expression"] and "#{" not in whole["expression"]:
        return evaluate(text, variables or {}, functions=functions)
    if "${" in text or "#{" in text:
        return _PIECE.sub(
            lambda m: str(evaluate(m["expression"], variables or {}, functions=functions)), text
        )
    return text


def _functions(now: datetime, tz: str) -> dict[str, Callable[..., Any]]:
    return {
        "now": lambda: now,
        "today": lambda: now.astimezone(ZoneInfo(tz)).date(),
        "weeks": lambda n: timedelta(weeks=n),
        "days": lambda n: timedelta(days=n),
        "hours": lambda n: timedelta(hours=n),
        "minutes": lambda n: timedelta(minutes=n),
        "duration": parse_duration,
        "date": lambda text: parse_datetime(text, tz=tz),
    }


def _due(value: Any, now: datetime, tz: str) -> datetime:
    """The due time a resolved timer value stands for."""
    try:
        if isinstance(value, timedelta):
            return (now + value).astimezone(UTC)
        if isinstance(value, datetime):
            return _aware(value, tz).astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, datetime.min.time(), ZoneInfo(tz)).astimezone(UTC)
    except OverflowError:
        raise TimerError(f"{value!r} is too far away") from None
    if not isinstance(value, str):
        raise TimerError(f"a timer needs a duration or a date, not {type(value).__name__} {value!r}")
    text = value.strip()
    if text[:1].upper() == "R":
        raise TimerError(f"{text!r} is a cycle; use it in a cycle timer")
    if text[:1].upper() == "P":
        return _add(now, _duration_parts(text), text, tz)
    return parse_datetime(text, tz=tz)


def _duration_parts(text: str) -> dict[str, float]:
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise TimerError(f"not a duration: {text!r} (write e.g. PT30M, P3D or P1DT2H)")
    parts = {unit: float(number.replace(",", ".")) for unit, number in match.groupdict().items() if number}
    if any(not parts.get(unit, 0.0).is_integer() for unit in ("years", "months")):
        raise TimerError(f"{text!r}: months and years must be whole numbers")
    return parts


def _fixed(parts: dict[str, float], text: str) -> timedelta:
    fixed = {unit: amount for unit, amount in parts.items() if unit not in ("years", "months")}
    try:
        return timedelta(**fixed)
    except OverflowError:
        raise TimerError(f"{text!r} is too long") from None


def _add(start: datetime, parts: dict[str, float], text: str, tz: str) -> datetime:
    """`start` plus a duration, counting months on the estate's calendar (day clamped to the month's end)."""
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    try:
        if months:
            local = start.astimezone(ZoneInfo(tz))
            year, month = divmod(local.year * 12 + local.month - 1 + months, 12)
            day = min(local.day, calendar.monthrange(year, month + 1)[1])
            start = local.replace(year=year, month=month + 1, day=day).astimezone(UTC)
        return (start + _fixed(parts, text)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimerError(f"{text!r} is too long") from None


def _aware(value: datetime, tz: str) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(tz))


def _now(now: datetime | None, tz: str) -> datetime:
    """`now` in UTC; a naive `now` is read in `tz`."""
    return datetime.now(UTC) if now is None else _aware(now, tz).astimezone(UTC)


def expression_functions(now: datetime, *, tz: str = DEFAULT_TZ) -> dict[str, Callable[..., Any]]:
    """The functions conditions and scripts may call, the same as in timer expressions."""
    return _functions(now, tz)
