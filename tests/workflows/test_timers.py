"""Timer text as Camunda Modeler writes it, read against a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.engine.expressions import ExpressionError, UnsafeExpression
from workflows.engine.timers import TimerError, cycle, due_at, parse_datetime, parse_due_date, parse_duration

NOW = datetime(2026, 1, 31, 2, 0, tzinfo=UTC)  # 10:00 on 31 January in Asia/Shanghai


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT30M", timedelta(minutes=30)),
        ("P3D", timedelta(days=3)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P2W", timedelta(weeks=2)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("PT1,5H", timedelta(minutes=90)),
        ("pt1h30m", timedelta(minutes=90)),
        ("PT0S", timedelta(0)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "30M", "-PT1H", "PT1H30", "1 hour", "PTXH"])
def test_bad_durations_are_refused(text):
    with pytest.raises(TimerError, match="not a duration"):
        parse_duration(text)


def test_months_have_no_fixed_length():
    with pytest.raises(TimerError, match="months and years have no fixed length"):
        parse_duration("P1M")


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("duration", "PT30M", utc(2026, 1, 31, 2, 30)),
        ("duration", "P1DT2H", utc(2026, 2, 1, 4, 0)),
        ("duration", "P1M", utc(2026, 2, 28, 2, 0)),  # 31 January + 1 month: the end of February
        ("duration", "P1Y", utc(2027, 1, 31, 2, 0)),
        ("date", "2026-12-01T09:00:00+08:00", utc(2026, 12, 1, 1, 0)),
        ("date", "2026-12-01T01:00:00Z", utc(2026, 12, 1, 1, 0)),
        ("date", "2026-12-01T09:00:00", utc(2026, 12, 1, 1, 0)),  # no offset: read in Asia/Shanghai
        ("date", "2026-12-01", utc(2026, 11, 30, 16, 0)),
        ("date", "PT1H", utc(2026, 1, 31, 3, 0)),  # a duration under timeDate still means "from now"
        ("cycle", "R3/PT10M", utc(2026, 1, 31, 2, 10)),
        ("cycle", "R3/2026-03-01T00:00:00Z/PT1H", utc(2026, 3, 1)),
    ],
)
def test_due_at(kind, text, expected):
    due = due_at(kind, text, variables={}, now=NOW)
    assert due == expected
    assert due.tzinfo is UTC


def test_naive_dates_and_clock_use_the_given_zone():
    assert due_at("date", "2026-12-01T09:00:00", now=NOW, tz="UTC") == utc(2026, 12, 1, 9, 0)
    assert due_at("duration", "PT1H", now=datetime(2026, 1, 31, 10, 0)) == utc(2026, 1, 31, 3, 0)
    assert parse_datetime("2026-12-01", tz="Europe/Berlin") == utc(2026, 11, 30, 23, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R3/PT10M", (3, None, timedelta(minutes=10))),
        ("R/PT1H", (None, None, timedelta(hours=1))),
        ("R0/PT1H", (0, None, timedelta(hours=1))),
        ("R3/2026-01-01T00:00:00Z/PT1H", (3, utc(2026, 1, 1), timedelta(hours=1))),
        ("R2/2026-01-01T08:00:00/P1D", (2, utc(2026, 1, 1), timedelta(days=1))),
    ],
)
def test_cycle(text, expected):
    assert cycle(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("PT1H", "is not a cycle"),
        ("0 0/5 * * * ?", "cron cycles are not supported"),
        ("R3/P1M", "months and years have no fixed length"),
        ("R/PT0S", "the interval must be longer than zero"),
        ("R3/PT1H/2026-01-01T00:00:00Z", "write R<n>/<duration>"),
        ("R3/tomorrow/PT1H", "not a date or time"),
    ],
)
def test_bad_cycles_are_refused(text, reason):
    with pytest.raises(TimerError, match=reason):
        cycle(text, now=NOW)


@pytest.mark.parametrize(
    ("kind", "text", "variables", "expected"),
    [
        ("duration", "${sla}", {"sla": "PT2H"}, utc(2026, 1, 31, 4, 0)),
        ("duration", "${hours(3)}", {}, utc(2026, 1, 31, 5, 0)),
        ("duration", "PT${hours}H", {"hours": 4}, utc(2026, 1, 31, 6, 0)),
        ("duration", "${wait}", {"wait": timedelta(minutes=5)}, utc(2026, 1, 31, 2, 5)),
        ("date", "${now() + days(2)}", {}, utc(2026, 2, 2, 2, 0)),
        ("date", "${today() + days(1)}", {}, utc(2026, 1, 31, 16, 0)),  # midnight 1 February, Shanghai
        ("date", "${due}", {"due": "2026-02-10T18:00:00+08:00"}, utc(2026, 2, 10, 10, 0)),
        ("date", "${due}", {"due": datetime(2026, 2, 10, 10, 0, tzinfo=UTC)}, utc(2026, 2, 10, 10, 0)),
        ("date", "${due}", {"due": date(2026, 2, 10)}, utc(2026, 2, 9, 16, 0)),
        ("date", "${date(deadline) + minutes(30)}", {"deadline": "2026-02-10"}, utc(2026, 2, 9, 16, 30)),
        ("date", "${'PT1H' if urgent else 'PT8H'}", {"urgent": True}, utc(2026, 1, 31, 3, 0)),
        ("cycle", "${reminder}", {"reminder": "R2/PT5M"}, utc(2026, 1, 31, 2, 5)),
    ],
)
def test_expressions_over_process_variables(kind, text, variables, expected):
    assert due_at(kind, text, variables=variables, now=NOW) == expected


def test_cycle_from_an_expression():
    assert cycle("${every}", variables={"every": "R/PT15M"}, now=NOW) == (None, None, timedelta(minutes=15))


def test_bad_expressions_are_refused():
    with pytest.raises(TimerError, match="a timer needs a duration or a date, not int"):
        due_at("duration", "${minutes}", variables={"minutes": 30}, now=NOW)
    with pytest.raises(TimerError, match="gave no value"):
        due_at("date", "${due}", variables={"due": None}, now=NOW)
    with pytest.raises(TimerError, match="is a cycle"):
        due_at("date", "R3/PT1H", now=NOW)
    with pytest.raises(ExpressionError, match="unknown variable: sla"):
        due_at("duration", "${sla}", variables={}, now=NOW)
    with pytest.raises(UnsafeExpression, match="calling '__import__' is not allowed"):
        due_at("duration", "${__import__('os')}", variables={}, now=NOW)
    with pytest.raises(UnsafeExpression, match="method calls are not allowed"):
        due_at("date", "${dateTime().plusDays(2).toDate()}", variables={}, now=NOW)
    with pytest.raises(TimerError, match="too long"):
        due_at("duration", "P99999999D", now=NOW)
    with pytest.raises(ValueError, match="kind must be"):
        due_at("later", "PT1H", now=NOW)


def test_timer_error_is_both_a_value_error_and_an_expression_error():
    assert issubclass(TimerError, ValueError)
    assert issubclass(TimerError, ExpressionError)


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("P2D", {}, utc(2026, 2, 2, 2, 0)),
        ("PT4H", {}, utc(2026, 1, 31, 6, 0)),
        ("2026-02-10", {}, utc(2026, 2, 9, 16, 0)),
        ("2026-02-10T18:00:00+08:00", {}, utc(2026, 2, 10, 10, 0)),
        ("${deadline}", {"deadline": "P1D"}, utc(2026, 2, 1, 2, 0)),
        ("${deadline}", {"deadline": None}, None),
        ("", {}, None),
        (None, {}, None),
    ],
)
def test_parse_due_date(text, variables, expected):
    assert parse_due_date(text, variables=variables, now=NOW) == expected


def test_bad_due_date_is_refused():
    with pytest.raises(TimerError, match="not a date or time"):
        parse_due_date("next week", variables={}, now=NOW)
