"""Realistic announcements that quote the town's own contacts must produce no findings."""

from datetime import datetime

import pytest

from kagami.contentchecks import JST, Image

from .helpers import run

AT = datetime(2026, 11, 20, 10, 0, tzinfo=JST)
PHOTO = (Image("防災訓練で消火器の使い方を説明する消防団員", "鏡野町総務課撮影"),)

POSTS = {
    "ごみ収集日の変更": (
        "【ごみ収集日の変更のお知らせ】\n"
        "年末年始のため、12月31日(木)から1月3日(日)までのごみ収集はお休みです。"
        "1月4日(月)から通常どおり収集します。\n"
        "問い合わせ：鏡野町役場 住民税務課 電話0868-54-2111\n"
        "詳しくは https://www.town.kagamino.lg.jp/soshiki/gomi.html をご覧ください。"
    ),
    "健診のお知らせ": (
        "令和8年度（2026年度）の特定健診を12月8日(火)午前9時から午前11時30分まで、"
        "鏡野町保健福祉センターで行います。対象は40歳から74歳の国民健康保険加入者の皆さんです。"
        "申込みは健康推進課（電話 ０８６８－５４－２１１１、kenko@town.kagamino.lg.jp）へ。"
    ),
    "防災訓練": (
        "11月29日(日)午前9時から町内一斉の防災訓練を行います。避難所は各地区の公民館です。"
        "当日は防災行政無線でお知らせします。住民の皆様のご協力をお願いします。"
        "会場：鏡野町役場（岡山県苫田郡鏡野町竹田660番地）"
    ),
    "投票案内": (
        "鏡野町選挙管理委員会からのお知らせです。11月29日(日)は鏡野町長選挙の投票日です。"
        "投票時間は午前7時から午後8時まで。期日前投票は11月23日(月・祝)から11月28日(土)まで、"
        "鏡野町役場で午前8時30分から午後8時まで受け付けます。投票所入場券をお持ちください。"
        "問い合わせ：選挙管理委員会 0868-54-2111"
    ),
    "イベント中止": (
        "【中止】12月6日(日)に予定していた「かがみの冬まつり」は、悪天候が予想されるため中止します。"
        "楽しみにしていた皆さん、申し訳ありません。詳しくは鏡野町ホームページ"
        "（https://www.town.kagamino.lg.jp/）をご覧ください。#鏡野町 #かがみの冬まつり"
    ),
}


@pytest.mark.parametrize("name", list(POSTS))
def test_municipal_post_quoting_town_contacts_has_no_findings(name):
    findings = run(POSTS[name], at=AT, platforms=("facebook", "line", "mastodon"))
    assert findings == [], [(f.rule, f.message) for f in findings]


def test_municipal_post_with_photo_fits_x_instagram_and_bluesky():
    text = "11月29日(日)は防災訓練です。会場は各地区の公民館。問い合わせ 0868-54-2111 #鏡野町 #防災訓練"
    assert run(text, at=AT, platforms=("x", "instagram", "bluesky"), images=PHOTO) == []
    threads = run(text, at=AT, platforms=("threads",), images=PHOTO)
    assert [f.rule for f in threads] == ["platform.hashtag-count"]


def test_a_careless_version_of_the_same_post_is_caught():
    text = (
        "①11月29日(土)ｲﾍﾞﾝﾄ開催🎉🎉🎉🎉🎉🎉 担当 山田太郎さん 090-1234-5678 詳細 http://bit.ly/abc"
    )
    rules = {f.rule for f in run(text, at=AT, platforms=("instagram",))}
    assert rules >= {
        "a11y.machine-dependent-char",
        "accuracy.weekday-mismatch",
        "a11y.halfwidth-katakana",
        "a11y.emoji-overuse",
        "pii.person-name",
        "pii.phone",
        "link.shortener",
        "link.insecure",
        "platform.media-required",
    }
