"""`public_https_url_problem`: what Kagami stores, links to and vouches for (G-4-6)."""

import pytest

from kagami.lib.urls import MAX_URL_LENGTH, public_https_url_problem


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/kagamino_town",
        "HTTPS://X.COM/Kagamino_Town",
        "https://www.instagram.com/kagamino_kanko/?hl=ja#top",
        "https://bsky.app/profile/kagamino-bousai.bsky.social",
        "https://mstdn.jp/@kagamino",  # an @ in the path is not user information
        "https://www.facebook.com/profile.php?id=100064",
        "https://x.com:443/kagamino_town",
        "https://www.town.kagamino.lg.jp/",
        "https://鏡野町.jp/お知らせ",  # an internationalised domain name
        "https://xn--xkrs3os8k.jp/",
        "https://" + "a" * 60 + ".example.jp/" + "b" * (MAX_URL_LENGTH - 85),
    ],
)
def test_a_public_https_address_is_accepted(url: str) -> None:
    assert public_https_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "URLを入力してください"),
        ("   ", "URLを入力してください"),
        # urllib reads x.com as the host; a browser turns \ into / and goes to evil.example.
        ("https://evil.example\\@x.com/kagamino_town", "バックスラッシュ"),
        ("https://x.com\\@evil.example/", "バックスラッシュ"),
        ("https://a@b/", "「@」"),
        ("https://x.com@evil.example/kagamino_town", "「@」"),
        ("https://user:pass@x.com/kagamino_town", "「@」"),
        ("javascript:alert(document.cookie)", "https://"),
        ("JaVaScRiPt:alert(1)//https://x.com/", "https://"),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "https://"),
        ("http://x.com/kagamino_town", "https://"),
        ("ftp://x.com/kagamino_town", "https://"),
        ("//x.com/kagamino_town", "https://"),
        ("x.com/kagamino_town", "https://"),
        ("https:x.com/kagamino_town", "https://"),
        ("https://", "ホスト名"),
        ("https:///kagamino_town", "ホスト名"),
        ("https://:443/", "ホスト名"),
        ("https://x.com/kagamino town", "空白"),
        (" https://x.com/kagamino_town", "空白"),
        ("https://x.com/kagamino_town\n", "改行"),
        ("https://x.com/\x00", "制御文字"),
        ("https://x.com/\u202ekagamino", "制御文字"),  # right-to-left override
        ("https://x.com\u3000/", "空白"),  # ideographic space
        ("https://" + "a" * MAX_URL_LENGTH, "長すぎます"),
        ("https://x.com/" + "a" * 10_000, "長すぎます"),
        ("https://ｘ.com/kagamino_town", "正しくありません"),  # full-width: IDNA maps it to x.com
        ("https://x。com/kagamino_town", "正しくありません"),
        ("https://xn--zz.com/", "正しくありません"),  # not valid punycode
        ("https://x%2ecom/", "正しくありません"),
        ("https://a..com/", "正しくありません"),
        ("https://-x.com/", "正しくありません"),
        ("https://" + "a" * 64 + ".com/", "正しくありません"),
        ("https://x.com:99999/", "形が正しくありません"),
        ("https://x.com:port/", "形が正しくありません"),
        ("https://127.0.0.1/", "IPアドレス"),
        ("https://127.1/", "IPアドレス"),
        ("https://0x7f.1/", "IPアドレス"),
        ("https://[::1]/", "IPアドレス"),
        ("https://localhost/", "公開されたドメイン名"),
        ("https://intranet/kagamino", "公開されたドメイン名"),
    ],
)
def test_a_hostile_or_malformed_address_is_refused_with_a_reason(url: str, says: str) -> None:
    problem = public_https_url_problem(url)
    assert problem is not None and says in problem
