"""Maintenance intervals: names and ISO durations, calendar months clamped to the month's end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from backoffice.facilities.intervals import (
    Interval,
    IntervalError,
    add_months,
    normalize_interval,
    parse_interval,
    validate_interval,
)

D = dt.date


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("monthly", Interval(months=1)),
        ("quarterly", Interval(months=3)),
        ("semiannual", Interval(months=6)),
        ("annual", Interval(months=12)),
        ("Monthly", Interval(months=1)),
        ("P2W", Interval(days=14)),
        ("P10D", Interval(days=10)),
        ("p2w", Interval(days=14)),
        ("P1Y", Interval(months=12)),
        ("P1Y6M", Interval(months=18)),
        ("P1M10D", Interval(months=1, days=10)),
        ("P1W3D", Interval(days=10)),
        (" P3M ", Interval(months=3)),
    ],
)
def test_parse(text, interval):
    assert parse_interval(text) == interval


@pytest.mark.parametrize(
    "text",
    [
        "",
        "weekly",
        "daily",
        "P",
        "P0D",
        "P0Y0M",
        "PT1H",
        "P1DT2H",
        "P1.5M",
        "1M",
        "P-1D",
        "P11Y",
        "P3700D",
        "PM",
    ],
)
def test_refused(text):
    with pytest.raises(IntervalError):
        parse_interval(text)
    with pytest.raises(ValidationError) as exc:
        validate_interval(text)
    assert exc.value.code == "invalid_interval"


def test_normalized_spelling():
    assert normalize_interval(" Quarterly ") == "quarterly"
    assert normalize_interval("p10d") == "P10D"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2027, 1, 15), 1, D(2027, 2, 15)),
        (D(2027, 1, 31), 1, D(2027, 2, 28)),  # clamped to the month's end
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2027, 3, 31), 1, D(2027, 4, 30)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
        (D(2027, 12, 31), 1, D(2028, 1, 31)),  # across the year
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
    ],
)
def test_calendar_months(start, months, expected):
    assert add_months(start, months) == expected
    assert Interval(months=months).after(start) == expected


def test_anchor_day_keeps_the_month_end_after_a_short_month():
    monthly = parse_interval("monthly")
    dates = [D(2027, 1, 31)]
    for _ in range(4):
        dates.append(monthly.after(dates[-1], anchor_day=31))
    assert dates == [D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31), D(2027, 4, 30), D(2027, 5, 31)]
    # without the anchor a schedule would slide to the 28th for good
    assert monthly.after(D(2027, 2, 28)) == D(2027, 3, 28)


def test_annual_plan_on_29_february_comes_back_in_leap_years():
    annual = parse_interval("annual")
    assert annual.after(D(2028, 2, 29), anchor_day=29) == D(2029, 2, 28)
    assert annual.after(D(2031, 2, 28), anchor_day=29) == D(2032, 2, 29)


def test_day_durations_are_plain_days():
    assert parse_interval("P2W").after(D(2027, 2, 20)) == D(2027, 3, 6)
    assert parse_interval("P10D").after(D(2027, 12, 25), anchor_day=25) == D(2028, 1, 4)
    # months first, then days; no anchor for mixed intervals
    assert parse_interval("P1M10D").after(D(2027, 1, 31), anchor_day=31) == D(2027, 3, 10)
