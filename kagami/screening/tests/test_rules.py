"""One category at a time: the violation (also obfuscated) and its near-misses."""

from datetime import UTC, datetime, timedelta

import pytest

from kagami.screening import Author, Comment, Facts, screen
from kagami.screening.normalise import fold

from .helpers import FACTS, cats, one


@pytest.mark.parametrize(
    ("text", "verdict", "category"),
    [
        # defamation: a named person insulted; criticism of a service or decision is kept
        ("総務課の山田は無能。辞めろ", "remove", "defamation"),
        ("中　村　は　ク　ズ", "remove", "defamation"),
        ("中村ｷﾓｲ", "remove", "defamation"),
        ("山田課長はバカ", "review", "defamation"),
        ("この課の対応は遅いと思います", "keep", None),
        ("役場は無能の集まりか", "keep", None),
        ("アホちゃう、こんな時期に工事して", "keep", None),
        ("『死ね』ってコメントが来てたけど、ひどいね", "keep", None),
        # discrimination
        ("外国人は町から出ていけ", "remove", "discrimination"),
        ("障害者なんか町にいらない", "review", "discrimination"),
        ("外国人向けの案内を増やしてほしい", "keep", None),
        # privacy
        ("あの事故の運転手は山本さん(電話090-1234-5678)", "remove", "privacy"),
        ("０９０ー１１１１ー２２２２に電話ください", "remove", "privacy"),
        ("私のマイナンバーは1234 5678 9018です", "remove", "privacy"),
        ("私の家の前の道が陥没しています", "route", None),
        ("代表電話は0868-54-2111です", "keep", None),
        # falsehood: a question about a disaster is routed
        ("ダムが決壊するらしい、今すぐ逃げろ", "remove", "falsehood"),
        ("動物園からライオンが逃げたらしい", "review", "falsehood"),
        ("ダムが決壊するって本当ですか？", "route", None),
        # commercial
        ("副業で月50万!詳しくはプロフへ", "remove", "commercial"),
        ("副 業 で 稼 げ る", "remove", "commercial"),
        ("仮想通貨の詐欺に注意してください", "route", None),  # a warning: never removed
        ("時給1000円じゃ人来ないよ", "keep", None),
        # political
        ("〇〇候補に清き一票を", "remove", "political"),
        ("町の予算の使い方に反対です", "keep", None),
        ("投票に行きましょう!", "keep", None),
        # religious
        ("〇〇教の集会で救われます。入信しませんか", "remove", "religious"),
        ("お寺の紅葉も見頃でした", "keep", None),
        ("神対応ありがとうございました", "keep", None),
        # crime: threats; 燃やすごみ and 殺人的な暑さ are not
        ("役場を燃やしてやる", "remove", "crime"),
        ("ｺﾛｽ", "remove", "crime"),
        ("帰り道で待ち伏せしてやる", "remove", "crime"),
        ("役場に抗議に行きます", "keep", None),
        ("燃やすごみの袋が値上がりして困る", "keep", None),
        ("殺人的な暑さですね", "keep", None),
        # obscene
        ("この子の太ももたまらん", "remove", "obscene"),
        ("かわいい写真ですね", "keep", None),
        # ip
        ("漫画村みたいに新作が無料で読めるサイトあるよ", "remove", "ip"),
        # malware: look-alike domains of the town's own, lures with short links
        ("動画はこちら http://bit.ly/3xYz", "remove", "malware"),
        ("申請はこちら https://www.town.kagamlno.lg.jp/kyufu", "remove", "malware"),
        ("詳しくは→ kagamino-town[.]jp/gift", "remove", "malware"),
        ("詳しくは https://www.town.kagamino.lg.jp/ を見てね", "keep", None),
        ("https://www.town.k\u0430gamino.lg.jp/kyufu", "remove", "malware"),  # Cyrillic а
        # obfuscation: zero-width and punctuation inside words
        ("死\u200bね", "remove", "other"),
        ("ころ.す", "remove", "crime"),
        # spam
        ("ああああああああああ", "remove", "spam"),
        ("wwwwwww", "keep", None),
        # harassment: demands for an employee's personal details
        ("中村の自宅の住所教えろ", "remove", "harassment"),
        ("担当課の電話番号を教えてください", "route", None),
        ("担当者の名前を教えてください", "route", None),
        # other
        ("死ね", "remove", "other"),
    ],
)
def test_category(text, verdict, category):
    result = one(text)
    assert result.verdict == verdict, result.to_dict()
    if category:
        assert category in cats(result), result.to_dict()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("県道沿いの街灯が切れています", "街灯・信号の不具合の通報"),
        ("道に穴があいとるけえ、はよ直してつかあさい", "道路の破損の通報"),
        ("避難所はいつ開きますか", "避難・防災についての問い合わせ"),
        ("裏山にイノシシが出ました", "野生動物の出没の通報"),
        ("住民票は土曜日も取れますか", "手続き・窓口についての問い合わせ"),
    ],
)
def test_enquiries_and_reports_are_routed_with_a_reason(text, reason):
    result = one(text)
    assert (result.verdict, result.route) == ("route", reason)


@pytest.mark.parametrize(
    "text", ["なんしょんなら、はよせえ", "いつまで工事やってんの?", "さすが仕事が早いですね(棒)"]
)
def test_dialect_sarcasm_and_rhetorical_questions_are_kept(text):
    assert one(text).verdict == "keep"


def test_spans_point_into_the_original_text():
    text = "ほんまに　総務課の山田は　ﾑﾉｳ！"
    [c] = one(text).categories
    assert c.category == "defamation"
    assert text[c.start : c.end] == "総務課の山田は　ﾑﾉｳ" or "山田" in text[c.start : c.end]
    phone = "電話は０９０ー１２３４ー５６７８です"
    [p] = one(phone).categories
    assert phone[p.start : p.end] == "０９０ー１２３４ー５６７８"


def test_normalisation_maps_back_to_the_original():
    f = fold("ｼ ﾈ！ ｶﾞｲﾄﾞ")
    assert f.kana == "しねがいど"
    assert f.span(2, 5) == (5, 10)  # ｶﾞｲﾄﾞ: five characters, three letters


# --- impersonation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handle", "name"),
    [
        ("@kagamino_yakuba", "鏡野町役場(公式)"),
        ("@kagamin0_town", "かがみの"),  # look-alike of an official handle
        ("@someone", "鏡野町【公式】"),  # the official display name copied
        ("@somuka_k", "鏡野町 総務課"),
        ("@mayor_k", "鏡野町長"),
    ],
)
def test_an_author_claiming_to_be_the_town_is_impersonation(handle, name):
    result = one("当選しました。こちらから受取手続きを", handle, name)
    assert result.verdict == "remove" and "impersonation" in cats(result)


@pytest.mark.parametrize(
    ("handle", "name"),
    [
        ("@kagamino_town", "鏡野町【公式】"),
        ("kagamino_kanko", "鏡野町観光協会×鏡野町"),
        ("@fan", "鏡野町民"),
    ],
)
def test_official_accounts_and_residents_are_not_impersonation(handle, name):
    assert one("紅葉まつりは11月23日開催です", handle, name).verdict == "keep"


# --- history --------------------------------------------------------------------------------------


def test_the_same_text_repeated_by_one_author_becomes_spam():
    a = Author("@bot", "")
    results = screen([Comment(i, "フォローしてね", a) for i in range(4)], FACTS)
    assert [r.verdict for r in results] == ["keep", "keep", "remove", "remove"]
    assert cats(results[2]) == {"spam"}


def test_the_same_text_by_different_authors_is_not_spam():
    results = screen([Comment(i, "ありがとう", Author(f"@u{i}", "")) for i in range(5)], FACTS)
    assert {r.verdict for r in results} == {"keep"}


def test_a_flood_from_one_author_is_reviewed():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    a = Author("@flood", "")
    comments = [
        Comment(i, f"意見{i}です", a, at=start + timedelta(seconds=10 * i)) for i in range(10)
    ]
    results = screen(comments, FACTS)
    assert [r.verdict for r in results[:8]] == ["keep"] * 8
    assert results[8].verdict == "review" and cats(results[8]) == {"spam"}
    later = Comment(99, "もう一つ意見です", a, at=start + timedelta(hours=1))
    assert screen([*comments, later], FACTS)[-1].verdict == "keep"


def test_one_author_repeatedly_targeting_a_staff_member_is_harassment():
    a = Author("@angry", "")
    texts = ["中村さんの対応がひどかった", "また中村が電話に出た。最悪", "中村を窓口から外せ"]
    results = screen([Comment(i, t, a) for i, t in enumerate(texts)], FACTS)
    assert [r.verdict for r in results] == ["keep", "review", "remove"]
    assert cats(results[2]) == {"harassment"}


def test_thanks_to_a_staff_member_are_never_counted():
    a = Author("@fan", "")
    texts = [
        "中村さんありがとう",
        "中村さんの説明、丁寧でした。感謝",
        "中村さんにお世話になりました",
    ]
    assert {r.verdict for r in screen([Comment(i, t, a) for i, t in enumerate(texts)], FACTS)} == {
        "keep"
    }


def test_staff_names_come_from_the_facts():
    assert one("田村さんの自宅の住所教えろ").verdict == "remove"  # anyone named with さん
    plain = Facts.default()
    assert screen([Comment(1, "中村さんの対応がひどかった")], plain)[0].verdict == "keep"
