from datetime import datetime

from kagami.contentchecks import JST

from .helpers import found, spans

WEEKDAY = "accuracy.weekday-mismatch"
ERA = "accuracy.era-mismatch"
DATE = "accuracy.invalid-date"
TIME = "accuracy.invalid-time"


def test_weekday_mismatch_flags_wrong_weekday():
    [f] = found("11月24日(月)に開催します。", WEEKDAY)
    assert f.suggestion == "火"
    assert f.severity == "error" and f.clause == "G-5-1-a"
    assert "火曜日" in f.message


def test_weekday_mismatch_reads_full_width_and_long_forms():
    text = "令和8年11月24日（月曜日）午前10時から"
    [f] = found(text, WEEKDAY)
    assert text[f.start : f.end] == "月"
    assert f.suggestion == "火"


def test_weekday_mismatch_accepts_correct_weekdays():
    assert found("11月24日(火)、11月25日（水曜日）、2026年12月1日(火・祝)", WEEKDAY) == []


def test_weekday_mismatch_ignores_dates_without_weekday():
    assert found("11月24日に開催します。", WEEKDAY) == []


def test_weekday_mismatch_resolves_january_written_in_december_to_next_year():
    december = datetime(2026, 12, 20, 9, 0, tzinfo=JST)
    # 2027-01-10 is a Sunday; 2026-01-10 was a Saturday.
    assert found("1月10日(日)は出初式です", WEEKDAY, at=december) == []
    [f] = found("1月10日(土)は出初式です", WEEKDAY, at=december)
    assert f.suggestion == "日"
    assert "2027年" in f.message


def test_weekday_mismatch_carries_the_year_to_later_dates_and_days():
    text = "2025年11月24日(月)と11月25日(火)、26日(木)"
    assert spans(text, WEEKDAY) == ["木"]


def test_weekday_mismatch_checks_slash_dates_with_weekday():
    assert spans("11/24(月)開催", WEEKDAY) == ["月"]
    assert found("11/24(火)開催", WEEKDAY) == []


def test_era_mismatch_flags_wrong_western_year():
    [f] = found("令和8年（2025年）4月1日", ERA)
    assert f.suggestion == "令和8年（2026年）"


def test_era_mismatch_flags_gannen_with_wrong_western_year():
    [f] = found("令和元年(2020年)", ERA)
    assert "2019" in f.message


def test_era_mismatch_suggests_the_era_when_the_western_year_is_the_near_one():
    [f] = found("令和7年（2026年）の予算", ERA)
    assert f.suggestion == "令和8年（2026年）"


def test_era_mismatch_accepts_consistent_pairs():
    text = "令和8年（2026年）、平成31年（2019年）、令和元年（2019年）、2026年（令和8年）、昭和64年（1989年）"
    assert found(text, ERA) == []


def test_era_mismatch_flags_years_after_the_era_ended():
    [f] = found("平成32年3月末まで", ERA)
    assert f.suggestion == "令和2年"


def test_era_mismatch_flags_dates_outside_the_era():
    [f] = found("令和元年4月1日", ERA)
    assert f.suggestion == "平成31年"
    [g] = found("平成31年5月1日", ERA)
    assert g.suggestion == "令和元年"
    assert found("令和元年5月1日、平成31年4月30日、明治45年7月29日、大正元年8月1日", ERA) == []


def test_invalid_date_flags_impossible_dates():
    assert spans("2月30日、13月1日、4月31日", DATE) == ["2月30日", "13月1日", "4月31日"]


def test_invalid_date_accepts_february_29_in_a_leap_year():
    assert found("2028年2月29日(火)", DATE) == []
    assert found("2月29日", DATE, at=datetime(2027, 12, 1, tzinfo=JST)) == []


def test_invalid_date_flags_february_29_outside_leap_years():
    [f] = found("2026年2月29日", DATE)
    assert "うるう年" in f.message


def test_invalid_date_suggests_the_last_day_of_the_month():
    [f] = found("4月31日", DATE)
    assert "30日" in (f.suggestion or "")


def test_invalid_time_flags_impossible_times():
    assert spans("25時から、10時60分に、午後13時集合", TIME) == ["25時", "10時60分", "午後13時"]


def test_invalid_time_suggests_afternoon_form():
    [f] = found("午後13時30分から", TIME)
    assert f.suggestion == "午後1時30分"


def test_invalid_time_accepts_durations_and_normal_times():
    assert found("24時間対応、25時間耐久、午後1時、午前10時30分、24時まで、3時限目", TIME) == []


def test_invalid_time_reads_full_width_digits():
    assert spans("２５時", TIME) == ["２５時"]


def test_weekday_mismatch_reads_dates_in_kanji_numerals():
    [f] = found("十一月二十四日（月）に開催します。", WEEKDAY)
    assert f.suggestion == "火" and "2026年11月24日" in f.message
    assert spans("令和八年十一月二十四日（月曜日）", WEEKDAY) == ["月"]
    assert spans("二〇二六年十一月二十四日(月)", WEEKDAY) == ["月"]
    assert spans("令和元年五月一日(木)", WEEKDAY) == ["木"]  # 2019-05-01 was a Wednesday


def test_weekday_mismatch_accepts_correct_kanji_dates_and_carries_the_month():
    assert found("十一月二十四日（火）、十二月一日(火)と三日(木)、一月十日(日)", WEEKDAY) == []
    assert spans("十二月一日(火)と三日(金)", WEEKDAY) == ["金"]


def test_invalid_date_flags_kanji_dates_that_do_not_exist():
    assert spans("二月三十日に", DATE) == ["二月三十日"]
    assert spans("十三月一日", DATE) == ["十三月一日"]
    assert spans("十一月三十一日", DATE) == ["十一月三十一日"]
    assert spans("令和八年二月二十九日", DATE) == ["二月二十九日"]
    assert found("令和十年二月二十九日", DATE) == []  # 2028 is a leap year


def test_kanji_numerals_in_ordinary_words_are_not_dates():
    text = "町内一斉の清掃です。一日中開いています。毎月一日は休館日。十一月中に申し込み"
    assert found(text, DATE) == [] and found(text, WEEKDAY) == []


def test_kanji_number_reads_tens_and_digit_by_digit_forms():
    from kagami.contentchecks.rules.accuracy import kanji_number

    assert [kanji_number(s) for s in ("一", "十", "十一", "二十", "二十四", "三十一")] == [
        1,
        10,
        11,
        20,
        24,
        31,
    ]
    assert kanji_number("二〇二六") == 2026
    assert kanji_number("十十") is None and kanji_number("〇十") is None
