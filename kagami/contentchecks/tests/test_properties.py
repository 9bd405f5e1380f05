"""No input, however strange, raises or returns offsets outside the text."""

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kagami.contentchecks import JST, Image, Post, check
from kagami.contentchecks.platforms import PLATFORMS

ALL = tuple(PLATFORMS)
JA_PIECES = st.sampled_from(
    [
        "11月24日(月)",
        "令和8年（2025年）",
        "2月30日",
        "午後13時",
        "①",
        "ｶﾞｲﾄﾞ",
        "お　知　ら　せ",
        "🎉",
        "👨‍👩‍👧",
        "#kagaminotownevent",
        "090ー1234ー5678",
        "taro@gmail.com",
        "1234 5678 9018",
        "中央1丁目2-3",
        "山田太郎さん",
        "http://bit.ly/x",
        "RT @u",
        "候補を応援しよう",
        "【秘】",
        "ばか",
        "https://www.town.kagamino.lg.jp/",
        "　",
        "\n",
        "゛",
        "\u3099",
        "ー",
        "(",
        "）",
        "年",
        "月",
        "日",
    ]
)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_sane(text: str, images: tuple[Image, ...] = ()) -> None:
    findings = check(Post(text, platforms=ALL, images=images))
    for f in findings:
        if f.start is None:
            assert f.end is None
        else:
            assert f.end is not None and 0 <= f.start <= f.end <= len(text), f
        assert f.message and "{" not in f.message


@SETTINGS
@given(st.text())
def test_any_unicode_text_is_checked_without_error(text):
    assert_sane(text)


@SETTINGS
@given(st.lists(st.one_of(JA_PIECES, st.text(max_size=3)), max_size=30).map("".join))
def test_japanese_fragments_in_any_order_are_checked_without_error(text):
    assert_sane(text)


@settings(max_examples=50, deadline=None)
@given(
    st.text(max_size=50),
    st.lists(
        st.builds(Image, st.none() | st.text(max_size=20), st.none() | st.text(max_size=5)),
        max_size=4,
    ),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)).map(
        lambda d: d.replace(tzinfo=JST)
    ),
)
def test_images_and_publish_times_never_break_the_checks(text, images, at):
    for f in check(Post(text, platforms=ALL, publish_at=at, images=tuple(images))):
        assert f.start is None or 0 <= f.start <= (f.end or 0) <= len(text)


def test_empty_text_has_no_text_findings():
    assert [f for f in check(Post("", platforms=ALL)) if f.start is not None] == []


def test_a_100_kb_post_is_checked_quickly_and_correctly():
    chunk = (
        "11月24日(火)午前10時から鏡野町役場で開催。問い合わせ 0868-54-2111。①ｶﾅ 090-1234-5678 🎉\n"
    )
    text = (chunk * (100_000 // len(chunk) + 1))[:100_000]
    start = datetime.now()
    assert_sane(text)
    assert datetime.now() - start < timedelta(seconds=10)


def test_a_lone_surrogate_next_to_a_name_does_not_break_the_checks():
    # json.loads accepts "\ud800", so `kagami check --jsonl` can be given one.
    text = "担当\ud800山田太郎さん\udfff、鈴木様"
    for f in check(Post(text, platforms=("x", "bluesky", "threads", "line"))):
        assert f.start is None or 0 <= f.start <= f.end <= len(text)
