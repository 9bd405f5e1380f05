from datetime import date

import pytest

from kagami.lib.wareki import fiscal_year, fiscal_year_label, wareki


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 24), "令和8年11月24日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_dates_are_written_in_the_japanese_era(day: date, text: str) -> None:
    assert wareki(day) == text


def test_the_fiscal_year_runs_from_april_to_march() -> None:
    assert fiscal_year(date(2027, 3, 31)) == 2026
    assert fiscal_year(date(2027, 4, 1)) == 2027
    assert fiscal_year_label(2026) == "令和8年度"
    assert fiscal_year_label(2019) == "令和元年度"
    assert fiscal_year_label(2018) == "平成30年度"
    assert fiscal_year_label(1988) == "昭和63年度"
