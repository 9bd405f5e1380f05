from datetime import date

from kagami.contentchecks.eras import era_of, era_to_western, format_era, nearest_date
from kagami.contentchecks.rules.pii import is_my_number, my_number_check_digit
from kagami.contentchecks.text import EMOJI_RE, TextView


def test_view_normalises_digits_hyphens_and_long_vowels_between_digits():
    v = TextView("０９０ー１２３４ー５６７８")
    assert v.norm == "090-1234-5678"
    assert v.span(0, 13) == (0, 13)


def test_view_keeps_long_vowel_in_words():
    assert TextView("コーヒー1ー2").norm == "コーヒー1-2"


def test_view_maps_expanded_characters_back_to_the_original():
    text = "㈱鏡野 ⑩番"
    v = TextView(text)
    assert v.norm == "(株)鏡野 (10)番"
    i = v.norm.index("鏡")
    assert v.span(i, i + 2) == (1, 3)
    j = v.norm.index("10")
    assert v.span(j, j + 2) == (4, 5)
    assert v.span(j + 3, j + 4) == (5, 6)


def test_view_composes_half_width_voiced_kana():
    text = "ﾊﾞｶだ"
    v = TextView(text)
    assert v.norm == "バカだ"
    assert v.span(0, 2) == (0, 3)


def test_era_conversion_from_meiji_to_reiwa():
    assert era_to_western("令和", 8) == 2026
    assert era_to_western("令和", 1) == 2019
    assert era_to_western("平成", 31) == 2019
    assert era_to_western("昭和", 64) == 1989
    assert era_to_western("大正", 15) == 1926
    assert era_to_western("明治", 1) == 1868
    assert era_of(date(2019, 4, 30)) == ("平成", 31)
    assert era_of(date(2019, 5, 1)) == ("令和", 1)
    assert format_era("令和", 1) == "令和元年"


def test_nearest_date_prefers_the_occurrence_closest_to_publishing():
    assert nearest_date(1, 10, date(2026, 12, 20)) == date(2027, 1, 10)
    assert nearest_date(12, 25, date(2027, 1, 5)) == date(2026, 12, 25)
    assert nearest_date(2, 30, date(2026, 1, 1)) is None


def test_my_number_check_digit_matches_the_published_vectors():
    assert my_number_check_digit("12345678901") == 8
    assert my_number_check_digit("11111111111") == 8
    assert my_number_check_digit("00011111111") == 1
    assert is_my_number("123456789018") and not is_my_number("123456789012")


def test_emoji_pattern_treats_sequences_as_one():
    assert EMOJI_RE.findall("👨‍👩‍👧‍👦🇯🇵1️⃣👍🏻★") == ["👨‍👩‍👧‍👦", "🇯🇵", "1️⃣", "👍🏻"]
