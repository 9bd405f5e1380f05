"""Benchmark of the content checks (G-5-1) on a deterministic corpus of realistic posts.

    .venv/bin/python bench/checks.py [--n 100000] [--seed 1]

Prints posts per second on one core, p50/p99 latency per post, start-up time (import, config
and the first check, which loads the Sudachi dictionary) and peak memory.
Target: >= 5,000 posts/s and p99 < 5 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kagami.contentchecks import Image, Post

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

JST = timezone(timedelta(hours=9))
WEEKDAYS = "月火水木金土日"

OPENINGS = [
    "【お知らせ】",
    "【ごみ収集日の変更】",
    "【健診のお知らせ】",
    "【防災訓練】",
    "【選挙管理委員会】",
    "【イベント中止】",
    "",
    "鏡野町からのお知らせです。",
]
BODIES = [
    "{date}はごみ収集日です。収集場所に午前8時30分までに出してください。",
    "特定健診を{date}午前9時から午前11時30分まで、鏡野町保健福祉センターで行います。",
    "{date}{time}から町内一斉の防災訓練を行います。避難所は各地区の公民館です。",
    "{date}は鏡野町長選挙の投票日です。投票時間は午前7時から午後8時までです。期日前投票もご利用ください。",
    "{date}に予定していた「かがみの冬まつり」は、悪天候が予想されるため中止します。",
    "奥津温泉街で紅葉まつりを開催します。日時：{date}{time}から。会場：奥津渓駐車場。",
    "令和8年度（2026年度）の予算案を公表しました。",
    "水道管の工事のため、{date}{time}から断水します。ご迷惑をおかけします。",
    "図書館の開館時間を変更します。{date}から午前10時から午後6時までとなります。",
]
CONTACTS = [
    "問い合わせ：総務課 0868-54-2111",
    "問い合わせ：住民税務課（電話 ０８６８－５４－２１１１）",
    "申込み：kenko@town.kagamino.lg.jp",
    "詳しくは https://www.town.kagamino.lg.jp/soshiki/{n}.html をご覧ください。",
    "会場：鏡野町役場（岡山県苫田郡鏡野町竹田660番地）",
    "町民の皆様のご協力をお願いします。",
]
# Mistakes staff make, so the rules have something to find.
SLIPS = [
    "担当 山田太郎さん 090-{a}-{b}",
    "①受付 ②検温 ③入場",
    "ｲﾍﾞﾝﾄ開催！",
    "🎉🎉🎉本日開催🎉🎉🎉📅11/3📍奥津",
    "詳細は http://bit.ly/3abcXYZ",
    "【お　知　ら　せ】",
    "申込みは taro.yamada{n}@gmail.com へ",
    "午後13時集合",
    "令和8年（2025年）",
    "RT @taro{n}: 美味しかった",
    "#kagaminotownevent",
    "〇〇候補の演説会です、ぜひ応援をお願いします",
    "鈴木様(45歳)からご寄付をいただきました",
    "中央1丁目2-3の田中様宅",
]
HASHTAGS = ["#鏡野町", "#岡山", "#紅葉", "#奥津温泉", "#防災", "#KagaminoTown", "#旅行", "#絶景"]
TARGET_SETS = [
    ("x",),
    ("x", "facebook"),
    ("instagram",),
    ("x", "instagram", "threads"),
    ("bluesky", "mastodon"),
    ("line",),
    ("x", "facebook", "instagram", "threads", "bluesky", "line", "mastodon"),
]


def make_corpus(n: int, seed: int) -> list[Post]:
    from kagami.contentchecks import Image, Post

    rng = random.Random(seed)
    base = datetime(2026, 11, 1, 9, 0, tzinfo=JST)
    posts: list[Post] = []
    for i in range(n):
        at = base + timedelta(hours=rng.randrange(24 * 120))
        d = at.date() + timedelta(days=rng.randrange(1, 40))
        wd = WEEKDAYS[d.weekday()] if rng.random() > 0.1 else rng.choice(WEEKDAYS)
        date_s = f"{d.month}月{d.day}日({wd})"
        parts = [rng.choice(OPENINGS)]
        for _ in range(rng.choice((1, 1, 2, 2, 3, 5, 8))):
            parts.append(
                rng.choice(BODIES).format(
                    date=date_s, time=rng.choice(("午前9時", "午前10時30分", "午後1時", "正午"))
                )
            )
        parts.append(rng.choice(CONTACTS).format(n=rng.randrange(1000)))
        if rng.random() < 0.3:
            slip = rng.choice(SLIPS)
            parts.append(slip.format(a=rng.randrange(1000, 9999), b=rng.randrange(1000, 9999), n=i))
        if rng.random() < 0.4:
            parts.append(" ".join(rng.sample(HASHTAGS, rng.randrange(1, 7))))
        text = "\n".join(p for p in parts if p)
        images: list[Image] = []
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 4))):
            alt = rng.choice(
                (None, "IMG_0231.JPG", "紅葉まつりのチラシ。日時と会場が書かれている。")
            )
            images.append(Image(alt, rng.choice((None, "職員撮影", "観光協会提供"))))
        posts.append(
            Post(text, platforms=rng.choice(TARGET_SETS), publish_at=at, images=tuple(images))
        )
    return posts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of posts (default 100,000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from kagami.contentchecks import Config, Post, check

    config = Config.default()
    check(
        Post("山田太郎さん 11月24日(火) https://www.town.kagamino.lg.jp/", platforms=["x"]), config
    )
    startup = time.perf_counter() - t0

    corpus = make_corpus(args.n, args.seed)
    chars = sum(len(p.text) for p in corpus)
    latencies = [0.0] * len(corpus)
    findings = 0
    clock = time.perf_counter
    cpu_start = time.process_time()
    start = clock()
    for i, post in enumerate(corpus):
        t = clock()
        findings += len(check(post, config))
        latencies[i] = clock() - t
    total = clock() - start
    cpu = time.process_time() - cpu_start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rate = len(corpus) / total
    print(f"posts:            {len(corpus):,} ({chars / len(corpus):.0f} chars on average)")
    print(f"findings:         {findings:,}")
    print(f"throughput:       {rate:,.0f} posts/s on one core")
    # Wall-clock figures suffer when other processes share the core; CPU time much less so.
    print(f"CPU throughput:   {len(corpus) / cpu:,.0f} posts per CPU second ({cpu:.2f} s CPU)")
    print(f"load average:     {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"latency p50:      {pct(0.50):.3f} ms")
    print(f"latency p99:      {pct(0.99):.3f} ms")
    print(f"latency max:      {latencies[-1] * 1000:.3f} ms")
    print(f"start-up:         {startup:.3f} s (import + config + first check with Sudachi)")
    print(f"peak memory:      {peak_kb / 1024:.0f} MB (max RSS)")
    ok = rate >= 5000 and pct(0.99) < 5
    print(f"target (>= 5,000 posts/s, p99 < 5 ms): {'met' if ok else 'NOT met'}")
    print(f"date: {date.today().isoformat()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
