"""Japanese era dates (和暦) for official documents: 令和8年11月24日, 令和元年, 令和8年度."""

from datetime import date

# (first day, era name), newest first.
ERAS = [
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 10, 23), "明治"),
]


def era_year(day: date) -> tuple[str, int]:
    """(era name, year within the era) of `day`."""
    for first, name in ERAS:
        if day >= first:
            return name, day.year - first.year + 1
    raise ValueError(f"{day} is before the Meiji era")


def _year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki(day: date) -> str:
    """「令和8年11月24日」."""
    name, year = era_year(day)
    return f"{name}{_year_text(year)}年{day.month}月{day.day}日"


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year (April to March) that `day` falls in, as a Western year."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    """「令和8年度」 for fiscal year 2026.

    A fiscal year is named by the calendar year it starts in, in the era of that calendar
    year: FY2019 is 令和元年度 (the era changed on 1 May 2019), FY1988 stays 昭和63年度."""
    name, era = era_year(date(year, 12, 31))
    return f"{name}{_year_text(era)}年度"
