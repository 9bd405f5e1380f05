"""Our links and X counts against X's own twitter-text (the npm package), on generated posts.

Hypothesis writes Japanese posts with links glued to text on either side, with and without a
scheme, with ports, paths, queries and brackets, among kana, kanji, half-width kana, full-width
punctuation and emoji.  All of them go to twitter-text in one `node` call
(tests/twitter_text/oracle.js); for each, the weighted length and the links (with and without
`extractUrlsWithoutProtocol`) must be ours exactly.

Needs Node.js and `npm ci` in tests/twitter_text (.ci/run does it); without them the test is
skipped with the reason.  KAGAMI_TWITTER_TEXT_EXAMPLES sets how many posts (default 1,500).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
import warnings
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kagami.contentchecks.link_extractor import find_links
from kagami.contentchecks.platforms import measure

ORACLE_DIR = Path(__file__).resolve().parents[3] / "tests" / "twitter_text"
EXAMPLES = int(os.environ.get("KAGAMI_TWITTER_TEXT_EXAMPLES", "1500"))

# --- generated posts -----------------------------------------------------------------------------

HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがざだばぱっゃゅょー"
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガザダバパッャュョ"
KANJI = "鏡野町役場詳細会場日時申込問合受付中止開催予定公民館図書文化祭紅葉温泉奥津選挙投票健診"
HALF_WIDTH = "ｱｲｳｴｵｶｷｸｹｺｰﾞﾟ"
JA_PUNCTUATION = "。、「」『』（）【】！？・〜：；％＃＠．｡"

words = st.text(HIRAGANA + KATAKANA + KANJI + HALF_WIDTH, min_size=1, max_size=12)
breaks = st.sampled_from([*JA_PUNCTUATION, " ", "　", "\n", "\t"])
emoji = st.sampled_from(["🎉", "🌸", "😷", "👨‍👩‍👧", "🇯🇵", "1️⃣", "#️⃣", "👍🏻", "❤️", "☀", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "𠮷"])
ascii_bits = st.sampled_from(
    [
        *"_-/.()'\"$:x7",
        "#鏡野町",
        "@kagamino_town",
        "RT ",
        "2026.11.24",
        "ver.2",
        "AB",
        "kenko@town.kagamino.lg.jp",
        "IMG_0231.JPG",
    ]
)

label = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=10)
tld = st.sampled_from(
    # Real names, names in capitals, and names X does not know (example, c, comm, jpg).
    [
        *("jp", "com", "co.jp", "lg.jp", "or.jp", "ne.jp", "org", "net", "io", "tokyo"),
        *("okayama.jp", "みんな", "中国", "co", "ly", "JP", "Com", "xn--p1ai"),
        *("example", "c", "comm", "jpg"),
    ]
)
hosts = st.one_of(
    st.sampled_from(
        ["www.town.kagamino.lg.jp", "t.co", "bit.ly", "x.com", "www.pref.okayama.jp", "鏡野町.jp"]
    ),
    st.builds(
        lambda labels, end: ".".join([*labels, end]), st.lists(label, min_size=1, max_size=3), tld
    ),
)
paths = st.one_of(
    st.just(""),
    st.sampled_from(
        ["/", "/event/", "/soshiki/12.html", "/a.html.", "/wiki/Primer_(film)", "/@u/"]
    ),
    st.text("abcXYZ019/-_.~!*'();:@&=+$,%#[]|é", max_size=15).map(lambda p: "/" + p),
)
queries = st.one_of(st.just(""), st.text("abc019=&-_.,!?#/", max_size=10).map(lambda q: "?" + q))
schemes = st.sampled_from(["", "", "https://", "http://", "HTTPS://", "Http://", "ftp://"])
ports = st.sampled_from(["", "", "", ":8080"])
links = st.builds(lambda *parts: "".join(parts), schemes, hosts, ports, paths, queries)
# Pieces are joined with nothing between them, so links are glued to what comes before and after.
posts = st.lists(
    st.one_of(words, breaks, emoji, ascii_bits, links, links), min_size=1, max_size=10
).map("".join)

# Posts that once told the two apart, kept so every run asks about them.
REGRESSIONS = [
    "詳しくはhttps://www.town.kagamino.lg.jp/event/をご覧ください。",
    "鏡野町https://www.town.kagamino.lg.jp/event/詳しくは",
    "日本-bar.com",
    "😀-EXAMPLE.COM/soshiki/12.html",
    "+𠀀.co.jp港",
    "https:// example.中国example.中国/;xhttp://sub.example.tokyo/",
    "！.co.jp🇯🇵👨\u200d👩\u200d👧.xn--o/,",
    " http://t.co/Ö%(n)ＡＢ",
    "t.co",
]


def _samples(n: int) -> list[str]:
    """n posts drawn by Hypothesis (generation only: the comparison happens in one batch)."""
    drawn: list[str] = []

    @settings(
        max_examples=n,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(posts)
    def draw(text: str) -> None:
        drawn.append(text)

    draw()
    return drawn


# --- the oracle ----------------------------------------------------------------------------------


def _skip(reason: str) -> NoReturn:
    message = f"twitter-text differential test SKIPPED: {reason}"
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def _oracle_ready() -> str:
    node = shutil.which("node")
    if node is None:
        _skip("Node.js (`node`) is not installed")
    installed = ORACLE_DIR / "node_modules" / "twitter-text" / "package.json"
    if not installed.exists():
        _skip(f"twitter-text is not installed: run `npm ci` in {ORACLE_DIR}")
    lock = json.loads((ORACLE_DIR / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/twitter-text"]["version"]
    version = json.loads(installed.read_text())["version"]
    if version != pinned:
        _skip(
            f"twitter-text {version} is installed, {pinned} is pinned: run `npm ci` in {ORACLE_DIR}"
        )
    return node


def _ask(node: str, texts: list[str]) -> list[dict[str, Any]]:
    stdin = "".join(json.dumps(t) + "\n" for t in texts)
    done = subprocess.run(
        [node, str(ORACLE_DIR / "oracle.js")],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ORACLE_DIR,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(texts)
    return answers


def _ours(text: str) -> dict[str, Any]:
    nfc = unicodedata.normalize("NFC", text)  # twitter-text reads the NFC form
    links = find_links(nfc)
    return {
        "weightedLength": measure(text, "twitter-v3", 280).count,
        "urls": [[link.url, link.start, link.end] for link in links],
        "schemeUrls": [[link.url, link.start, link.end] for link in links if link.scheme],
    }


def test_links_and_x_counts_equal_twitter_texts_on_generated_japanese_posts():
    node = _oracle_ready()
    texts = REGRESSIONS + _samples(EXAMPLES)
    answers = _ask(node, texts)
    differ = [
        (text, ours, theirs)
        for text, theirs in zip(texts, answers, strict=True)
        if (ours := _ours(text)) != theirs
    ]
    differ.sort(key=lambda d: len(d[0]))
    report = "\n".join(
        f"{t!r}\n  ours:         {o}\n  twitter-text: {x}" for t, o, x in differ[:10]
    )
    assert not differ, f"{len(differ)} of {len(texts)} posts differ, the shortest:\n{report}"
