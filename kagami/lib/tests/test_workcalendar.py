"""The working calendar of G-5-2: weekends, national holidays, the year-end closure, extra days."""

from datetime import date, datetime

import pytest

from kagami.lib.workcalendar import JST, WorkingCalendar, next_allowed, within_hours

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
