from kagami.contentchecks import Config, Image
from kagami.contentchecks.platforms import PLATFORMS, measure

from .helpers import found

LEN = "platform.length"
MEDIA = "platform.media-required"
TAGS = "platform.hashtag-count"


def test_x_counts_japanese_as_two_and_urls_as_23():
    assert measure("鏡野町からのお知らせです。", "twitter-v3", 280).count == 26
    assert measure("令和7年4月1日（火）午前9時から", "twitter-v3", 280).count == 30
    text = "english text 日本語 😷 https://example.com"
    assert measure(text, "twitter-v3", 280).count == 46


def test_length_flags_long_japanese_post_on_x_from_the_overflow_point():
    text = "あ" * 141
    [f] = found(text, LEN, platforms=("x",))
    assert (f.start, f.end) == (140, 141)
    assert "282" in f.message and "X" in f.message


def test_length_accepts_text_within_every_targets_limit():
    text = "鏡野町の桜が見頃です。詳しくは https://www.town.kagamino.lg.jp/sakura/" + "い" * 100
    assert found(text, LEN, platforms=tuple(PLATFORMS)) == []


def test_x_url_counts_23_however_long():
    url = "https://www.town.kagamino.lg.jp/" + "a" * 300
    assert found("お知らせ " + url, LEN, platforms=("x",)) == []


def test_bluesky_counts_graphemes():
    assert measure("👨‍👩‍👧" * 3 + "が", "graphemes", 300).count == 4
    assert found("あ" * 300, LEN, platforms=("bluesky",)) == []
    assert found("あ" * 301, LEN, platforms=("bluesky",)) != []


def test_threads_counts_emoji_as_utf8_bytes():
    assert measure("あ😀", "utf8-emoji", 500).count == 5
    assert found("あ" * 480, LEN, platforms=("threads",)) == []
    [f] = found("あ" * 490 + "😀" * 3, LEN, platforms=("threads",))
    assert f.start == 492


def test_line_counts_utf16_units():
    assert measure("𠮷🍎あ", "utf16", 5000).count == 5
    assert found("🍎" * 2501, LEN, platforms=("line",)) != []
    assert found("あ" * 5000, LEN, platforms=("line",)) == []


def test_instagram_facebook_and_mastodon_limits():
    images = (Image("写真", "職員撮影"),)
    assert found("あ" * 2201, LEN, platforms=("instagram",), images=images) != []
    assert found("あ" * 2200, LEN, platforms=("instagram",), images=images) == []
    assert found("あ" * 501, LEN, platforms=("mastodon",)) != []
    assert found("あ" * 63206, LEN, platforms=("facebook",)) == []


def test_mastodon_limit_is_configurable_per_instance():
    config = Config.from_mapping({"rules": {"platform.length": {"limits": {"mastodon": 1000}}}})
    assert found("あ" * 900, LEN, platforms=("mastodon",), config=config) == []


def test_media_required_flags_instagram_without_image():
    [f] = found("秋祭りのお知らせ", MEDIA, platforms=("instagram", "x"))
    assert "Instagram" in f.message


def test_media_required_accepts_instagram_with_image():
    assert found("秋祭り", MEDIA, platforms=("instagram",), images=(Image("写真", "職員"),)) == []
    assert found("秋祭り", MEDIA, platforms=("x",)) == []


def test_hashtag_count_flags_instagram_over_five():
    text = "#鏡野町 #岡山 #紅葉 #奥津温泉 #旅行 #絶景"
    [f] = found(text, TAGS, platforms=("instagram",), images=(Image("写真", "職員"),))
    assert text[f.start : f.end] == "#絶景"


def test_hashtag_count_flags_threads_over_one():
    assert found("#鏡野町 #紅葉", TAGS, platforms=("threads",)) != []
    assert found("#鏡野町 の紅葉", TAGS, platforms=("threads",)) == []


def test_hashtag_count_accepts_within_the_limit():
    text = "#鏡野町 #紅葉 #奥津温泉"
    assert found(text, TAGS, platforms=("instagram", "x"), images=(Image("写真", "職員"),)) == []
