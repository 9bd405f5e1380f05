"""Where a link starts and ends in Japanese posts: twitter-text's rules, in our own examples.

Each test restates one rule of twitter-text's conformance suite (conformance/extract.yml and
validate.yml in twitter/twitter-text) in the kind of post a town office writes.  The differential
test (`test_twitter_text_differential.py`) holds the extractor to the npm package itself.
"""

import pytest

from kagami.contentchecks.link_extractor import (
    _CASE_EXTRA,
    _CYRILLIC,
    _LATIN_ACCENTS,
    Link,
    find_links,
    read_tlds,
)
from kagami.contentchecks.platforms import measure

from .helpers import found, spans

TOWN = "https://www.town.kagamino.lg.jp/event/"


def urls(text: str) -> list[str]:
    return [link.url for link in find_links(text)]


def linked(text: str) -> list[str]:
    """The text each link covers."""
    return [text[link.start : link.end] for link in find_links(text)]


def x_count(text: str) -> int:
    return measure(text, "twitter-v3", 280).count


# --- where a link starts -------------------------------------------------------------------------


def test_a_link_with_a_scheme_starts_straight_after_japanese_text():
    text = f"詳しくは{TOWN}をご覧ください。"
    [link] = find_links(text)
    assert (link.start, link.end) == (4, 4 + len(TOWN))
    assert (link.url, link.scheme, link.host, link.path) == (
        TOWN,
        "https",
        "www.town.kagamino.lg.jp",
        "/event/",
    )


def test_a_link_starts_after_full_width_punctuation_and_brackets():
    text = (
        "【お知らせ】https://www.town.kagamino.lg.jp/（受付中）「http://bit.ly/3abc」、t.co/abcde。"
    )
    assert urls(text) == ["https://www.town.kagamino.lg.jp/", "http://bit.ly/3abc", "t.co/abcde"]


def test_a_link_without_a_scheme_keeps_only_the_ascii_part_of_a_host_glued_to_japanese():
    text = "鏡野町www.town.kagamino.lg.jp/event/で公開中。これは日本語です。example.com中国語t.co/abcde한국"
    assert urls(text) == ["www.town.kagamino.lg.jp/event/", "example.com", "t.co/abcde"]
    assert linked(text)[0] == "www.town.kagamino.lg.jp/event/"


def test_a_host_glued_to_long_japanese_text_is_no_link():
    # Without a scheme the Japanese text belongs to the first label, whose punycode passes 63.
    text = (
        "本日は町内の全ての小学校と中学校で入学式を行いましたので写真をご覧くださいwww.example.com"
    )
    assert find_links(text) == []
    assert find_links("写真はwww.example.com") != []


def test_a_host_may_be_japanese_when_a_scheme_is_written():
    assert urls("会場http://鏡野町.jp/map ほか") == ["http://鏡野町.jp/map"]
    assert urls("みんなのページ https://example.みんな/ です") == ["https://example.みんな/"]


@pytest.mark.parametrize(
    "text",
    [
        "申込みはkenko@town.kagamino.lg.jpまで",  # an e-mail address
        "#town.kagamino.lg.jp のタグ",
        "@kagamino.jp さんへ",
        "$KAGAMINO.CO",
        "資料/example.com",  # after / . - _ a link without a scheme is none
        "版..example.com と -example.com と _example.com",
        "ftp://www.example.com/",
        "鏡野町.example と example.comm と example.c",  # not a top-level domain
        "IMG_1234.jpg と 2026.11.24 と ver.2",
        "http://no-tld と http://domain.com-x",
    ],
)
def test_no_link_where_x_makes_none(text):
    assert find_links(text) == []


def test_underscores_may_be_in_a_subdomain_but_not_in_the_name():
    assert urls("見てhttp://sub_domain.kagamino.jp/") == ["http://sub_domain.kagamino.jp/"]
    assert urls("見てhttp://kagamino_town.jp/") == []


# --- where a link ends ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"{TOWN}をご覧ください", TOWN),
        ("https://www.town.kagamino.lg.jpをご覧ください", "https://www.town.kagamino.lg.jp"),
        ("（https://www.town.kagamino.lg.jp/map）", "https://www.town.kagamino.lg.jp/map"),
        ("「https://www.town.kagamino.lg.jp/a.html」", "https://www.town.kagamino.lg.jp/a.html"),
        ("https://www.town.kagamino.lg.jp/a.html。", "https://www.town.kagamino.lg.jp/a.html"),
        ("https://www.town.kagamino.lg.jp/a.html. 次へ", "https://www.town.kagamino.lg.jp/a.html"),
        ("https://example.com/path!!!!!!", "https://example.com/path"),
        ("https://example.com/,,,,,,,", "https://example.com/"),
        (
            "https://ja.wikipedia.org/wiki/Primer_(film)です",
            "https://ja.wikipedia.org/wiki/Primer_(film)",
        ),
        ("https://example.com/a?q=1&r=2#top、", "https://example.com/a?q=1&r=2#top"),
        ("https://example.com/a?q=1.", "https://example.com/a?q=1"),
        ("https://example.com:8080/a です", "https://example.com:8080/a"),
        ("http://example.comだよね.comtest/hogehoge", "http://example.com"),
        ("https://twitter.com/Русские_слова ですね", "https://twitter.com/Русские_слова"),
    ],
)
def test_a_link_ends_where_its_path_may_not_go_on(text, expected):
    assert linked(text) == [expected]


def test_a_link_without_a_scheme_keeps_its_path_but_not_a_port_or_query_alone():
    assert urls("www.town.kagamino.lg.jp/a?q=1を") == ["www.town.kagamino.lg.jp/a?q=1"]
    assert urls("example.com?q=1 と example.com:8080 を") == ["example.com", "example.com"]


def test_t_co_links_keep_only_their_slug():
    assert urls("詳細http://t.co/abc123'sです") == ["http://t.co/abc123"]
    assert urls("詳細http://t.co/" + "a" * 41) == []


def test_a_link_records_its_scheme_in_lower_case_and_opens_over_https_without_one():
    [with_scheme, without] = find_links("HTTPS://WWW.Town.Kagamino.LG.JP/ と www.Kagamino.jp")
    assert (with_scheme.scheme, with_scheme.host) == ("https", "www.town.kagamino.lg.jp")
    assert with_scheme.href == "HTTPS://WWW.Town.Kagamino.LG.JP/"
    assert (without.scheme, without.host, without.href) == (
        "",
        "www.kagamino.jp",
        "https://www.Kagamino.jp",
    )


def test_every_link_lies_inside_the_text():
    text = "🎉鏡野町👨‍👩‍👧https://example.jp/a🇯🇵example.com/b。1️⃣"
    for link in find_links(text):
        assert isinstance(link, Link)
        assert 0 <= link.start < link.count_end <= link.end <= len(text)
    assert linked(text) == ["https://example.jp/a", "example.com/b"]


# --- X's count -----------------------------------------------------------------------------------


def test_x_counts_a_link_glued_to_japanese_text_as_23():
    # The examples of the issue: twitter-text's weighted length.
    assert x_count(f"詳しくは{TOWN}をご覧ください。") == 47
    assert x_count(f"鏡野町{TOWN}詳しくは") == 37
    assert x_count("鏡野町www.town.kagamino.lg.jp/event/で") == 31


def test_x_counts_a_host_too_long_for_a_link_character_by_character():
    label = "randomurl" * 7 + "s"  # 64 characters: one more than a DNS label holds
    assert x_count(label[:-1] + ".com") == 23
    assert x_count(label + ".com") == 68
    assert x_count("詳しくは" + label + ".com") == 76


def test_mastodon_counts_only_links_with_a_scheme_as_23():
    text = f"詳しくは{TOWN}と www.town.kagamino.lg.jp/event/"
    assert measure(text, "chars-url23", 500).count == 4 + 23 + 2 + len(
        "www.town.kagamino.lg.jp/event/"
    )


# --- the rules read the same links ---------------------------------------------------------------


def test_link_rules_find_links_glued_to_japanese_text():
    text = "詳しくはhttps://www.example-travel.com/kagaminoをご覧ください。"
    assert spans(text, "link.third-party") == ["https://www.example-travel.com/kagamino"]
    text = "詳しくはhttp://www.town.kagamino.lg.jp/をご覧ください。"
    [f] = found(text, "link.insecure")
    assert text[f.start : f.end] == "http://www.town.kagamino.lg.jp/"
    assert f.suggestion == "https://www.town.kagamino.lg.jp/"


def test_link_rules_ignore_what_x_does_not_link():
    # Full-width letters are no link on X, so they are not checked as one.
    assert found("ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ", "link.insecure") == []
    assert found("申込みはtaro.yamada@gmail.comへ", "link.third-party") == []


def test_x_length_rule_accepts_a_post_that_fits_once_the_glued_link_counts_23():
    text = "あ" * 110 + f"詳しくは{TOWN}をご覧ください。"  # 220 + 47 = 267
    assert found(text, "platform.length", platforms=("x",)) == []


# --- the data the extractor is built from --------------------------------------------------------


def test_longer_top_level_domains_come_before_their_prefixes():
    # The extractor takes the longest name that fits, which is twitter-text's first alternative
    # only while its lists keep this order.
    for names in read_tlds().values():
        seen: set[str] = set()
        for name in names:
            assert not any(name.startswith(s) for s in seen), name
            seen.add(name)
    assert {"jp", "com"} <= set(read_tlds()["country"]) | set(read_tlds()["generic"])


def _js_canon(c: str) -> str:
    u = c.upper()
    return c if len(u) != 1 or (ord(c) >= 128 and ord(u) < 128) else u


def _expand(spec: str) -> set[int]:
    out: set[int] = set()
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.update(range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.add(ord(spec[i]))
            i += 1
    return out


def test_letter_classes_hold_every_character_a_case_insensitive_javascript_class_matches():
    # twitter-text's classes are [a-z, accented Latin, Cyrillic] under the `i` flag.
    for listed, written in (
        (_expand("a-z" + _LATIN_ACCENTS), _expand("a-zA-Z" + _LATIN_ACCENTS + _CASE_EXTRA)),
        (
            _expand("a-z" + _LATIN_ACCENTS + "\u0400-\u04ff"),
            _expand("a-zA-Z" + _LATIN_ACCENTS + _CASE_EXTRA + _CYRILLIC),
        ),
    ):
        canon = {_js_canon(chr(c)) for c in listed}
        matched = {c for c in range(0x10000) if _js_canon(chr(c)) in canon}
        assert matched == written
