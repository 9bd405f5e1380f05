"""Screening never raises and every span lies within the original text."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kagami.screening import Author, Comment, screen

from .helpers import FACTS

PIECES = st.sampled_from(
    [
        "中村",
        "総務課の山田",
        "さん",
        "は",
        "ｸｽﾞ",
        "死ね",
        "し ね",
        "ゴミ",
        "外国人",
        "出ていけ",
        "090-1234-5678",
        "０９０ー１２３４ー５６７８",
        "123456789018",
        "http://bit.ly/x",
        "kagamino-town[.]jp/login",
        "https://www.town.kagamino.lg.jp/",
        "ｶﾞｲﾄﾞ",
        "\u3099",
        "ﾞ",
        "👨‍👩‍👧",
        "ダムが決壊",
        "らしい",
        "拡散",
        "？",
        "副業",
        "清き一票",
        "入信",
        "燃やしてやる",
        "住所教えろ",
        "　",
        "\n",
        "。",
        "a",
        "",
    ]
)
TEXTS = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=12).map("".join))
AUTHORS = st.builds(
    Author,
    handle=st.sampled_from(
        ["", "@kagamino_town", "@kagamin0_town", "@u1", "@u2", "ｋａｇａｍｉｎｏ"]
    ),
    name=st.sampled_from(["", "鏡野町【公式】", "鏡野町役場", "住民", "\u3099"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(TEXTS, AUTHORS, st.integers(0, 3600)), min_size=1, max_size=6))
def test_screening_never_crashes_and_spans_stay_in_the_text(rows):
    start = datetime(2026, 11, 24, tzinfo=UTC)
    comments = [
        Comment(i, text, author, at=start + timedelta(seconds=sec))
        for i, (text, author, sec) in enumerate(rows)
    ]
    results = screen(comments, FACTS)
    assert [r.id for r in results] == [c.id for c in comments]
    for comment, result in zip(comments, results, strict=True):
        assert result.verdict in ("remove", "review", "route", "keep")
        assert bool(result.categories) == (result.verdict in ("remove", "review"))
        for c in result.categories:
            assert 0 <= c.start <= c.end <= len(comment.text), (comment.text, c)
