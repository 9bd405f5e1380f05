from kagami.contentchecks import Config

from .helpers import found, spans

THIRD = "link.third-party"
SHORT = "link.shortener"
HTTP = "link.insecure"
QUOTE = "link.user-quote"


def test_third_party_flags_other_domains():
    [f] = found("http://example-blog.jp/entry の記事もどうぞ", THIRD)
    assert "example-blog.jp" in f.message


def test_third_party_accepts_official_and_government_domains():
    text = (
        "https://www.town.kagamino.lg.jp/soshiki/1.html https://www.pref.okayama.jp/page/1.html "
        "https://www.city.tsuyama.lg.jp/ https://www.jma.go.jp/ www.city.kurashiki.okayama.jp"
    )
    assert found(text, THIRD) == []


def test_third_party_reads_links_without_scheme():
    assert spans("詳しくは example.com/page へ", THIRD) == ["example.com/page"]


def test_shortener_flags_shortened_links():
    assert spans("詳細は https://bit.ly/3abcXYZ をご覧ください", SHORT) == [
        "https://bit.ly/3abcXYZ"
    ]
    assert found("t.co/abc tinyurl.com/x", SHORT) != []


def test_shortener_accepts_full_urls():
    assert found("詳細は https://www.town.kagamino.lg.jp/event/123.html", SHORT) == []


def test_insecure_flags_plain_http_and_suggests_https():
    [f] = found("http://www.town.kagamino.lg.jp/a", HTTP)
    assert f.suggestion == "https://www.town.kagamino.lg.jp/a"


def test_insecure_accepts_https():
    assert found("https://www.town.kagamino.lg.jp/a", HTTP) == []


def test_user_quote_flags_reposts_and_status_urls():
    assert spans("RT @taro123: 美味しかった", QUOTE) == ["RT @taro123"]
    text = "https://x.com/taro123/status/1234567890 と https://bsky.app/profile/hanako.bsky.social/post/3kabc"
    assert len(found(text, QUOTE)) == 2


def test_user_quote_accepts_the_towns_own_posts():
    config = Config.from_mapping({"municipality": {"official_accounts": ["kagamino_town"]}})
    text = "https://x.com/kagamino_town/status/1234567890 RT @kagamino_town"
    assert found(text, QUOTE, config=config) == []
    assert found(text, THIRD, config=config) == []
