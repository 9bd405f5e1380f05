"""The municipality's working calendar and an account's operation hours (G-5-2).

Closed: Saturdays, Sundays, national holidays (振替休日 and 国民の休日 included, from jpholiday),
the year-end closure (12/29–1/3 by default, as almost every 条例 sets it) and extra days the
administrator adds. `open_days` override all of these (an equinox moved by the official
announcement, a Saturday the office opens for an election). Times are reasoned about in
Asia/Tokyo.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

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


def _spans(hours: Hours, day: date) -> list[tuple[time, time]]:
    spans = []
    for start, end in hours.get(WEEKDAYS[day.weekday()], []):
        spans.append((time.fromisoformat(start), time.fromisoformat(end)))
    return spans


def within_hours(at: datetime, hours: Hours, calendar: WorkingCalendar) -> bool:
    """Whether `at` falls on a working day inside the account's operation hours (G-5-2)."""
    local = at.astimezone(JST)
    if not calendar.is_working_day(local.date()):
        return False
    moment = local.time()
    return any(start <= moment < end for start, end in _spans(hours, local.date()))


def next_allowed(
    at: datetime, hours: Hours, calendar: WorkingCalendar, *, horizon_days: int = 60
) -> datetime | None:
    """The earliest moment at or after `at` when a post may go out, or None within the horizon."""
    local = at.astimezone(JST)
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        for start, end in sorted(_spans(hours, day)):
            begin = datetime.combine(day, start, JST)
            finish = datetime.combine(day, end, JST)
            if offset == 0 and local >= finish:
                continue
            return max(begin, local) if offset == 0 else begin
    return None
