"""The municipality's working calendar and an account's operation hours (G-5-2).

Closed: Saturdays, Sundays, national holidays (振替休日 and 国民の休日 included, from jpholiday),
the year-end closure (12/29–1/3 by default, as almost every 条例 sets it) and extra days the
administrator adds. `open_days` override all of these (an equinox moved by the official
announcement, a Saturday the office opens for an election). Times are reasoned about in
Asia/Tokyo.

Operation hours are "HH:MM" spans per weekday, the end excluded; "24:00" is the end of the day,
so 00:00-24:00 covers the whole day up to 23:59:59.999….
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

logger = logging.getLogger(__name__)

JST = ZoneInfo("Asia/Tokyo")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Hours = Mapping[str, Sequence[Sequence[str]]]


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days the office works; extra closed and open days come from the database."""

    closed_days: Mapping[date, str] = field(default_factory=dict)
    open_days: frozenset[date] = frozenset()
    year_end_start: tuple[int, int] = (12, 29)
    year_end_end: tuple[int, int] = (1, 3)

    def closure_reason(self, day: date) -> str | None:
        """Why the office is closed on `day` (in Japanese, for messages), or None if open."""
        if day in self.open_days:
            return None
        if day in self.closed_days:
            return self.closed_days[day]
        if self._in_year_end(day):
            return "年末年始"
        holiday = jpholiday.is_holiday_name(day)
        if holiday:
            return str(holiday)
        if day.weekday() == 5:
            return "土曜日"
        if day.weekday() == 6:
            return "日曜日"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.closure_reason(day) is None

    def _in_year_end(self, day: date) -> bool:
        key = (day.month, day.day)
        start, end = self.year_end_start, self.year_end_end
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end  # the closure wraps round the new year


def parse_clock(text: object) -> timedelta | None:
    """An "HH:MM" time of day as the time since midnight; "24:00" is the end of the day.

    None for anything else, so a value stored before validation can never crash a page.
    """
    if not isinstance(text, str):
        return None
    if text in ("24:00", "24:00:00"):
        return timedelta(days=1)
    try:
        clock = time.fromisoformat(text)
    except ValueError:
        return None
    if clock.tzinfo is not None:
        return None
    return timedelta(
        hours=clock.hour, minutes=clock.minute, seconds=clock.second, microseconds=clock.microsecond
    )


def _parse_span(span: object) -> tuple[timedelta, timedelta] | None:
    if isinstance(span, str) or not isinstance(span, Sequence) or len(span) != 2:
        return None
    start, end = parse_clock(span[0]), parse_clock(span[1])
    if start is None or end is None or start >= end:
        return None
    return start, end


def _weekly_spans(hours: object) -> dict[str, list[tuple[timedelta, timedelta]]]:
    """Each weekday's spans as offsets from midnight, sorted. A malformed stored value counts
    as closed (and is logged) rather than breaking every page that shows the account."""
    weekly: dict[str, list[tuple[timedelta, timedelta]]] = {day: [] for day in WEEKDAYS}
    if not isinstance(hours, Mapping):
        logger.warning("Operation hours are not a mapping; treated as closed: %.200r", hours)
        return weekly
    for day in WEEKDAYS:
        spans = hours.get(day) or []
        if isinstance(spans, str) or not isinstance(spans, Sequence):
            logger.warning(
                "Operation hours of %s are malformed; treated as closed: %.200r", day, spans
            )
            continue
        for span in spans:
            parsed = _parse_span(span)
            if parsed is None:
                logger.warning(
                    "An operation-hours span of %s is malformed; treated as closed: %.200r",
                    day,
                    span,
                )
                continue
            weekly[day].append(parsed)
        weekly[day].sort()
    return weekly


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, JST)


def within_hours(at: datetime, hours: Hours, calendar: WorkingCalendar) -> bool:
    """Whether `at` falls on a working day inside the account's operation hours (G-5-2)."""
    local = at.astimezone(JST)
    day = local.date()
    if not calendar.is_working_day(day):
        return False
    moment = local - _midnight(day)
    spans = _weekly_spans(hours)[WEEKDAYS[day.weekday()]]
    return any(start <= moment < end for start, end in spans)


def next_allowed(
    at: datetime, hours: Hours, calendar: WorkingCalendar, *, horizon_days: int = 60
) -> datetime | None:
    """The earliest moment at or after `at` when a post may go out, or None within the horizon."""
    local = at.astimezone(JST)
    weekly = _weekly_spans(hours)
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        for start, end in weekly[WEEKDAYS[day.weekday()]]:
            begin = _midnight(day) + start
            finish = _midnight(day) + end  # 24:00 is the next midnight
            if local >= finish:
                continue
            return max(begin, local)
    return None


def add_working_time(
    start: datetime, amount: timedelta, calendar: WorkingCalendar, opens: time, closes: time
) -> datetime:
    """The moment `amount` of office time has passed after `start`, counting only working days
    between `opens` and `closes` (Asia/Tokyo): an hour asked for at 16:45 on a Friday is up at
    9:00 on Monday when the office opens at 8:30 and closes at 17:15."""
    at, left = start.astimezone(JST), amount
    for _day in range(800):  # more closed days in a row than any calendar has
        day = at.date()
        if calendar.is_working_day(day):
            begin = max(at, datetime.combine(day, opens, JST))
            end = datetime.combine(day, closes, JST)
            if begin < end:
                if begin + left <= end:
                    return begin + left
                left -= end - begin
        at = datetime.combine(day + timedelta(days=1), time(0), JST)
    raise ValueError("no working time in the calendar")
