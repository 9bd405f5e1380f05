"""The working calendar of G-5-2: weekends, national holidays, the year-end closure, extra days."""

import logging
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from kagami.lib.workcalendar import (
    JST,
    WEEKDAYS,
    WorkingCalendar,
    next_allowed,
    parse_clock,
    within_hours,
)

OFFICE = {d: [["08:30", "17:15"]] for d in ("mon", "tue", "wed", "thu", "fri")}
CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 11, 24), None),  # Tuesday
        (date(2026, 11, 28), "土曜日"),
        (date(2026, 11, 29), "日曜日"),
        (date(2026, 11, 23), "勤労感謝の日"),
        (date(2026, 9, 22), "国民の休日"),
        (date(2026, 12, 28), None),  # the last working day of the year
        (date(2026, 12, 29), "年末年始"),
        (date(2027, 1, 3), "年末年始"),
        (date(2027, 1, 4), None),
    ],
)
def test_closed_days_and_their_reasons(day: date, reason: str | None) -> None:
    assert CAL.closure_reason(day) == reason


def test_a_substitute_holiday_is_closed() -> None:
    assert "振替休日" in (CAL.closure_reason(date(2026, 5, 6)) or "")


def test_extra_closed_and_open_days_come_from_the_administrator() -> None:
    calendar = WorkingCalendar(
        closed_days={date(2026, 11, 24): "庁舎停電"}, open_days=frozenset({date(2026, 11, 28)})
    )
    assert calendar.closure_reason(date(2026, 11, 24)) == "庁舎停電"
    assert calendar.is_working_day(date(2026, 11, 28))


def test_posts_go_out_inside_working_days_and_operation_hours() -> None:
    assert within_hours(datetime(2026, 11, 24, 9, 0, tzinfo=JST), OFFICE, CAL)
    assert not within_hours(datetime(2026, 11, 24, 17, 15, tzinfo=JST), OFFICE, CAL)
    assert not within_hours(datetime(2026, 11, 24, 8, 29, tzinfo=JST), OFFICE, CAL)
    assert not within_hours(datetime(2026, 11, 23, 10, 0, tzinfo=JST), OFFICE, CAL)  # holiday


def test_the_next_allowed_slot_skips_closed_days() -> None:
    friday_evening = datetime(2026, 12, 25, 18, 0, tzinfo=JST)
    assert next_allowed(friday_evening, OFFICE, CAL) == datetime(2026, 12, 28, 8, 30, tzinfo=JST)
    new_year = datetime(2026, 12, 28, 17, 30, tzinfo=JST)
    assert next_allowed(new_year, OFFICE, CAL) == datetime(2027, 1, 4, 8, 30, tzinfo=JST)
    inside = datetime(2026, 11, 24, 10, 5, tzinfo=JST)
    assert next_allowed(inside, OFFICE, CAL) == inside


def test_an_account_with_no_hours_has_no_slot() -> None:
    assert next_allowed(datetime(2026, 11, 24, 10, 0, tzinfo=JST), {}, CAL) is None


ALL_DAY = {d: [["00:00", "24:00"]] for d in WEEKDAYS}
EVERY_DAY = WorkingCalendar(
    open_days=frozenset(date(2026, 11, 20) + timedelta(days=n) for n in range(30))
)


def test_24_00_is_the_end_of_the_day() -> None:
    assert parse_clock("24:00") == timedelta(days=1)
    assert parse_clock("08:30") == timedelta(hours=8, minutes=30)
    tuesday = datetime(2026, 11, 24, 0, 0, tzinfo=JST)
    assert within_hours(tuesday, ALL_DAY, CAL)
    assert within_hours(datetime(2026, 11, 24, 23, 59, 59, 999999, tzinfo=JST), ALL_DAY, CAL)
    assert not within_hours(datetime(2026, 11, 24, 23, 59, 59, tzinfo=JST), OFFICE, CAL)
    evening = {"tue": [["20:00", "24:00"]]}
    assert within_hours(datetime(2026, 11, 24, 23, 59, 59, tzinfo=JST), evening, CAL)
    assert not within_hours(datetime(2026, 11, 25, 0, 0, tzinfo=JST), evening, CAL)  # Wednesday


def test_the_next_allowed_slot_crosses_midnight() -> None:
    late = datetime(2026, 11, 24, 23, 59, 59, tzinfo=JST)
    assert next_allowed(late, ALL_DAY, CAL) == late
    evening = {"tue": [["20:00", "24:00"]], "wed": [["00:00", "06:00"]]}
    assert next_allowed(datetime(2026, 11, 24, 23, 30, tzinfo=JST), evening, CAL) == datetime(
        2026, 11, 24, 23, 30, tzinfo=JST
    )
    midnight = datetime(2026, 11, 25, 0, 0, tzinfo=JST)
    assert next_allowed(midnight, evening, CAL) == midnight
    assert next_allowed(datetime(2026, 11, 25, 7, 0, tzinfo=JST), evening, CAL) == datetime(
        2026, 12, 1, 20, 0, tzinfo=JST
    )
    # Every day open: the slot after Friday's close is Saturday at 00:00.
    friday = {"fri": [["18:00", "24:00"]], "sat": [["00:00", "24:00"]]}
    saturday = datetime(2026, 11, 28, 0, 0, tzinfo=JST)
    assert next_allowed(datetime(2026, 11, 27, 23, 59, 59, tzinfo=JST), friday, EVERY_DAY) == (
        datetime(2026, 11, 27, 23, 59, 59, tzinfo=JST)
    )
    assert next_allowed(saturday, friday, EVERY_DAY) == saturday
    assert next_allowed(saturday, {"fri": [["18:00", "24:00"]]}, EVERY_DAY) == datetime(
        2026, 12, 4, 18, 0, tzinfo=JST
    )


@pytest.mark.parametrize(
    "hours",
    [
        {"tue": [["09:00", "25:00"]]},
        {"tue": [["9 o'clock", "17:00"]]},
        {"tue": [["17:00", "09:00"]]},
        {"tue": [["09:00"]]},
        {"tue": [[9, 17]]},
        {"tue": [None]},
        {"tue": "09:00-17:00"},
        {"tue": 42},
        {"tue": [["09:00+09:00", "17:00"]]},
        ["09:00", "17:00"],
        None,
    ],
)
def test_a_malformed_stored_value_counts_as_closed_and_is_logged(
    hours: Any, caplog: pytest.LogCaptureFixture
) -> None:
    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
    with caplog.at_level(logging.WARNING, logger="kagami.lib.workcalendar"):
        assert not within_hours(tuesday, hours, CAL)
        assert next_allowed(tuesday, hours, CAL) is None
    assert "treated as closed" in caplog.text


def test_a_malformed_span_leaves_the_good_ones_of_the_day_in_force(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hours = {"tue": [["09:00", "24:60"], ["13:00", "17:00"]]}
    with caplog.at_level(logging.WARNING, logger="kagami.lib.workcalendar"):
        assert next_allowed(datetime(2026, 11, 24, 10, 0, tzinfo=JST), hours, CAL) == datetime(
            2026, 11, 24, 13, 0, tzinfo=JST
        )
    assert "24:60" in caplog.text
