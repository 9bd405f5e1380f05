"""Japanese eras (明治 to 令和) and date resolution."""

from __future__ import annotations

import calendar
import itertools
from datetime import date
from functools import lru_cache

# (name, first day).  明治 counts from 1868-01-01: the era was declared retroactively for that year.
ERAS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
    ("大正", date(1912, 7, 30)),
    ("明治", date(1868, 1, 1)),
)
_START = dict(ERAS)
_END: dict[str, date | None] = {"令和": None}
for (_newer, _newer_start), (_older, _) in itertools.pairwise(ERAS):
    _END[_older] = date.fromordinal(_newer_start.toordinal() - 1)

WEEKDAYS = "月火水木金土日"


def era_year_number(written: str) -> int:
    return 1 if written == "元" else int(written)


def era_to_western(era: str, n: int) -> int:
    return _START[era].year + n - 1


def era_last_year(era: str) -> int | None:
    end = _END[era]
    return None if end is None else end.year


def era_range(era: str) -> tuple[date, date | None]:
    return _START[era], _END[era]


def era_of(d: date) -> tuple[str, int]:
    for name, start in ERAS:
        if d >= start:
            return name, d.year - start.year + 1
    return "明治", d.year - 1868 + 1


def era_of_year(year: int) -> tuple[str, int]:
    """The era in force at the end of the year (令和 for 2019, the common usage)."""
    return era_of(date(year, 12, 31))


def format_era(era: str, n: int) -> str:
    return f"{era}{'元' if n == 1 else n}年"


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_date(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and day >= 1 and 1 <= year <= 9999):
        return False
    if month == 2 and day == 29:
        return calendar.isleap(year)
    return day <= _DAYS[month - 1]


@lru_cache(maxsize=4096)
def nearest_date(month: int, day: int, around: date) -> date | None:
    """The valid date with this month and day nearest to `around` (previous, same or next year)."""
    best: date | None = None
    for year in (around.year - 1, around.year, around.year + 1):
        if valid_date(year, month, day):
            cand = date(year, month, day)
            if best is None or abs((cand - around).days) < abs((best - around).days):
                best = cand
    return best
