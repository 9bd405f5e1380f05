"""The printable forms: 様式第1号 (start report) and 様式第2号 (end report) as A4 PDFs with the
vendored IPAex fonts embedded (G-4-2, G-4-3).

Each form is rendered once for the module (WeasyPrint's first render takes seconds) and read
back with poppler's pdftotext, pdffonts and pdfinfo.
"""

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fontTools.ttLib import TTFont

from kagami.registry import documents, reports, workflow
from kagami.registry.models import END_CHECKLIST, START_CHECKLIST, Platform, Report
from kagami.registry.pdf import FONT_DIR, FontOnlyFetcher, render_report_html, render_report_pdf

JST = ZoneInfo("Asia/Tokyo")
FILED = datetime(2026, 11, 24, 10, 30, tzinfo=JST)
DECIDED = datetime(2026, 11, 26, 15, 0, tzinfo=JST)
ENDED = datetime(2027, 3, 1, 9, 0, tzinfo=JST)

POLICY = {
    "platform_text": "X（旧Twitter）を利用します。",
    "account_text": (
        "アカウント名: 鏡野町 移住・定住応援\nユーザーID: @kagamino_iju\n"
        "URL: https://x.com/kagamino_iju\n運用者: 鏡野町 総務課・産業観光課"
    ),
    "purpose": "鏡野町への移住を考えている方に、暮らしや仕事、住まいの情報を分かりやすく届けるため運用します。",
    "content": "移住相談会の案内、空き家バンクの新着物件、先輩移住者のインタビュー、町の季節の行事を発信します。",
    "operation_method": (
        "運用時間は原則として月曜日から金曜日の8時30分から17時15分までとします。"
        "コメントには原則として返信せず、お問い合わせは総務課の窓口で承ります。"
    ),
    "personal_information": "メッセージで個人情報を取得することはありません。写真に写る方には掲載の同意を得ます。",
    "other": "フォローは国・県・近隣市町村などの公的機関のアカウントに限ります。",
}
TERMS = {
    "preamble": "この規約は、鏡野町が運用する「鏡野町 移住・定住応援」を利用するすべての方に適用されます。",
    "ip_ownership": "本アカウントに掲載する文章・写真の著作権は鏡野町または正当な権利者に帰属します。",
    "disclaimer": "鏡野町は、利用者が掲載情報を用いて行う一切の行為について責任を負いません。",
}
CLAUSES = [
    ("defamation", "特定の個人・団体を誹謗中傷し、名誉や信用を傷つけるもの"),
    ("discrimination", "人種・国籍・性別・障害などによる差別を助長するもの"),
    ("commercial", "営利を目的とするもの、広告・宣伝・勧誘"),
    ("political", "政治活動・選挙運動を目的とするもの"),
    ("privacy", "個人情報を含むもの、他人のプライバシーを侵害するもの"),
    ("impersonation", "鏡野町や第三者になりすましたもの"),
]
END_REASON = "移住施策を町の公式アカウントに一本化するため、このアカウントの運用を終了します。"


@dataclass
class Rendered:
    """One rendered form and what the poppler tools read from it (each read at most once)."""

    report: Report
    pdf: bytes
    path: Path
    _cache: dict[str, str] = field(default_factory=dict)

    def _run(self, tool: str, *args: str) -> str:
        key = " ".join((tool, *args))
        if key not in self._cache:
            executable = shutil.which(tool)
            if executable is None:
                pytest.skip(
                    f"{tool} (poppler-utils) is not installed: apt-get install poppler-utils"
                )
            command = [executable, *args, str(self.path)]
            if tool == "pdftotext":
                command.append("-")  # to stdout
            self._cache[key] = subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        return self._cache[key]

    @property
    def text(self) -> str:
        return self._run("pdftotext", "-layout")

    @property
    def flat(self) -> str:
        """The text with all white space removed, so that wrapped lines still match."""
        return squash(self.text)

    @property
    def pages(self) -> list[str]:
        return self.text.split("\f")

    @property
    def fonts(self) -> str:
        return self._run("pdffonts")

    @property
    def info(self) -> str:
        return self._run("pdfinfo")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _document(cast: Any, account: Any, name: str) -> None:
    head = cast.suzuki
    items = POLICY | {"account_text": POLICY["account_text"].replace("鏡野町 移住・定住応援", name)}
    documents.file_policy(
        actor=head, policy=documents.save_policy_draft(actor=head, account=account, items=items)
    )
    terms = documents.save_terms_draft(actor=head, account=account, items=TERMS, clauses=CLAUSES)
    documents.file_terms(actor=head, terms=terms)


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    """Collects what WeasyPrint warns about (ignored CSS, unloadable resources)."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def _build(cast: Any, tmp: Path) -> dict[str, Any]:
    x = Platform.objects.get(code="x")
    with time_machine.travel(FILED, tick=False):
        account = workflow.plan_account(
            actor=cast.suzuki,
            platform=x,
            name="鏡野町 移住・定住応援",
            handle="@kagamino_iju",
            url="https://x.com/kagamino_iju",
            lead_department=cast.somu,
            departments=[cast.sangyo],
            joint_theme="移住・定住の促進",
            operators=[cast.tanaka, cast.sato],
        )
        _document(cast, account, account.name)
        start = reports.file_start_report(
            actor=cast.suzuki,
            account=account,
            start_date=date(2026, 12, 1),
            contact="総務課 企画情報係 内線 2101",
            contractor="株式会社かがみデジタル",
            checklist={"profile_link": True, "two_factor": True},
            remarks="開設後1か月は毎朝の投稿を予定しています。",
        )
    with time_machine.travel(DECIDED, tick=False):
        start = reports.accept_report(
            actor=cast.takahashi, report=start, comment="内容を確認しました。受理します。"
        )
        workflow.begin_operation(actor=cast.suzuki, account=account)
    with time_machine.travel(ENDED, tick=False):
        end = reports.file_end_report(
            actor=cast.suzuki,
            account=account,
            end_kind="end",
            end_date=date(2027, 3, 31),
            reason=END_REASON,
            disposition="lock",
            checklist=dict.fromkeys(END_CHECKLIST, True),
            contact="内線 2101",
        )

    # A second, single-department account that is suspended (only its HTML is checked).
    with time_machine.travel(FILED, tick=False):
        other = workflow.plan_account(
            actor=cast.suzuki,
            platform=x,
            name="鏡野町 防災情報",
            handle="@kagamino_bousai",
            url="https://x.com/kagamino_bousai",
            lead_department=cast.somu,
        )
        _document(cast, other, other.name)
        first = reports.file_start_report(
            actor=cast.suzuki, account=other, start_date=date(2026, 12, 1)
        )
        reports.accept_report(actor=cast.takahashi, report=first)
        suspend = reports.file_end_report(
            actor=cast.suzuki,
            account=other,
            end_kind="suspend",
            end_date=date(2027, 1, 4),
            reason="防災行政無線の更新工事の間、情報発信を町ホームページに集約するため。",
            disposition="lock",
            checklist=dict.fromkeys(END_CHECKLIST, True),
        )

    rendered: dict[str, Any] = {"warnings": []}
    for key, report in (("start", start), ("end", end)):
        with _weasyprint_warnings() as warnings:
            pdf = render_report_pdf(report)
        rendered["warnings"] += warnings
        path = tmp / f"{key}.pdf"
        path.write_bytes(pdf)
        rendered[key] = Rendered(report=report, pdf=pdf, path=path)
    rendered["start_html"] = render_report_html(start)
    rendered["suspend_html"] = render_report_html(suspend)
    rendered["single_start_html"] = render_report_html(first)
    return rendered


@pytest.fixture(scope="module")
def _forms_cache() -> dict[str, Any]:
    return {}


@pytest.fixture
def forms(
    cast: Any, _forms_cache: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The rendered forms, built through the real workflow by the first test and reused by
    the others, which only read the PDFs.

    `cast` is requested by name (not lazily) so that pytest-django sets up the test database:
    a lazily requested `db` in a module with no other database test reaches the real one."""
    if not _forms_cache:
        _forms_cache.update(_build(cast, tmp_path_factory.mktemp("pdf")))
    return _forms_cache


def test_start_report_shows_every_field_in_japanese(forms: dict[str, Any]) -> None:
    start: Rendered = forms["start"]
    assert start.pdf.startswith(b"%PDF-")
    expected = [
        "様式第1号（第4(2)関係）",
        "令和8年度 第1号",
        "令和8年11月24日",  # filed
        "企画課長 様",
        "鏡野町 総務課",
        "総務課長 鈴木 花子",
        "ソーシャルメディア運用開始報告書",
        "ソーシャルメディアの運用を開始したいので、鏡野町ソーシャルメディア運用ガイドライン4(2)の規定により、次のとおり報告します。",
        "X",
        "鏡野町 移住・定住応援",
        "@kagamino_iju",
        "https://x.com/kagamino_iju",
        "所管課 総務課",
        "代表所属 総務課、共同運用 産業観光課",
        "移住・定住の促進",
        "運用開始日 令和8年12月1日",
        "佐藤 健、田中 一郎",  # operators in 50-音 order
        "総務課 企画情報係 内線 2101",
        "株式会社かがみデジタル",
        "月〜金 8:30〜17:15",
        "原則として返信しない",
        "開設後1か月は毎朝の投稿を予定しています。",
        "添付書類",
        "別添1 運用方針（第1版）",
        "別添2 利用規約（第1版）",
    ]
    missing = [value for value in expected if squash(value) not in start.flat]
    assert not missing, f"not in the PDF: {missing}\n{start.text}"


def test_start_checklist_marks_what_was_confirmed(forms: dict[str, Any]) -> None:
    start: Rendered = forms["start"]
    ticked = {
        key: "□✓" + squash(str(label)) in start.flat for key, label in START_CHECKLIST.items()
    }
    assert ticked == {"profile_link": True, "two_factor": True, "official_mark": False}
    assert "□" + squash(str(START_CHECKLIST["official_mark"])) in start.flat


def test_start_report_shows_the_decision(forms: dict[str, Any]) -> None:
    flat = forms["start"].flat
    for value in (
        "受付・審査欄",
        "受理",
        "令和8年11月26日",
        "高橋 誠",
        "内容を確認しました。受理します。",
    ):
        assert squash(value) in flat, value


def test_policy_and_terms_are_attached_each_on_its_own_page(forms: dict[str, Any]) -> None:
    start: Rendered = forms["start"]
    pages = [squash(page) for page in start.pages if page.strip()]
    policy_page = next(i for i, page in enumerate(pages) if page.startswith("別添1"))
    terms_page = next(i for i, page in enumerate(pages) if page.startswith("別添2"))
    assert 0 < policy_page < terms_page
    policy_text = "".join(pages[policy_page:terms_page])
    assert "鏡野町移住・定住応援運用方針" in policy_text
    for label in (
        "(a) 利用するソーシャルメディア",
        "(c) 運用の目的",
        "(f) 個人情報の取扱い",
        "その他（フォロー・いいねの方針など）",
    ):
        assert squash(label) in policy_text, label
    for value in POLICY.values():
        assert squash(value) in policy_text, value
    terms_text = "".join(pages[terms_page:])
    assert "鏡野町移住・定住応援利用規約" in terms_text
    for number, (_category, text) in enumerate(CLAUSES, start=1):
        assert f"（{number}）{squash(text)}" in terms_text
    for heading in ("禁止事項", "知的財産権", "免責事項"):
        assert heading in terms_text
    for value in TERMS.values():
        assert squash(value) in terms_text, value


def test_end_report_shows_every_field_in_japanese(forms: dict[str, Any]) -> None:
    end: Rendered = forms["end"]
    expected = [
        "様式第2号（第4(3)関係）",
        "令和8年度 第2号",
        "令和9年3月1日",
        "企画課長 様",
        "総務課長 鈴木 花子",
        "ソーシャルメディア運用終了報告書",
        "ソーシャルメディアの運用を終了したいので、鏡野町ソーシャルメディア運用ガイドライン4(3)の規定により、次のとおり報告します。",
        "鏡野町 移住・定住応援",
        "@kagamino_iju",
        "https://x.com/kagamino_iju",
        "休止・終了の別 終了",
        "運用終了日 令和9年3月31日",
        END_REASON,
        "アカウントを非公開・ロックして保管する",
        "内線 2101",
        "添付書類 なし",
    ]
    missing = [value for value in expected if squash(value) not in end.flat]
    assert not missing, f"not in the PDF: {missing}\n{end.text}"
    for label in END_CHECKLIST.values():
        assert "□✓" + squash(str(label)) in end.flat, label
    # Not decided yet: the stamp area is there, empty.
    stamp = end.flat.split("受付・審査欄", 1)[1]
    assert "受付日審査結果審査日審査者令和9年3月1日審査意見" in stamp
    assert "受理" not in stamp and "高橋" not in stamp
    assert "別添1" not in end.flat


def test_suspension_says_what_it_is(forms: dict[str, Any]) -> None:
    html = forms["suspend_html"]
    assert "ソーシャルメディア運用休止報告書" in html and "様式第2号" in html
    assert "運用を休止したいので" in html and "4(3)" in html
    assert "令和9年1月4日" in html


def test_single_department_account_says_so(forms: dict[str, Any]) -> None:
    html = forms["single_start_html"]
    assert "なし（単独の所属で運用）" in html and "代表所属" not in html
    assert "なし（直営）" in html


def embedded_font_names(pdf: bytes) -> set[str]:
    """The family names in the name tables of the font programs embedded in `pdf`."""
    names = set()
    for match in re.finditer(rb"stream\r?\n", pdf):
        body = pdf[match.end() : pdf.find(b"endstream", match.end())]
        try:
            data = zlib.decompress(body)
        except zlib.error:
            continue
        if data[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
            names.add(str(TTFont(io.BytesIO(data))["name"].getDebugName(1)))
    return names


def test_only_the_vendored_ipaex_fonts_are_used_and_all_are_embedded(
    forms: dict[str, Any],
) -> None:
    for key in ("start", "end"):
        rows = forms[key].fonts.splitlines()[2:]  # after the header and the dashes
        names = set()
        for row in rows:
            columns = row.split()
            assert columns[-5] == "yes", f"not embedded: {row}"  # the emb column
            names.add(columns[0].split("+", 1)[-1])  # drop the subset tag
        # Only the @font-face families of base.html: a font found through fontconfig (a
        # system font) would appear under its own name.
        assert names == {"KagamiMincho", "KagamiGothic"}, forms[key].fonts
        # ...and what they embed are the IPAex fonts.
        assert embedded_font_names(forms[key].pdf) == {"IPAexMincho", "IPAexGothic"}


def test_pages_are_a4(forms: dict[str, Any]) -> None:
    for key in ("start", "end"):
        info = forms[key].info
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = re.search(r"Pages:\s+(\d+)", forms["start"].info)
    assert pages and int(pages[1]) == 3  # the form, 別添1 and 別添2
    pages = re.search(r"Pages:\s+(\d+)", forms["end"].info)
    assert pages and int(pages[1]) == 1


# Without HarfBuzz's subsetter (Debian's libharfbuzz-subset0, an optional library) WeasyPrint
# warns and subsets the embedded fonts with fontTools instead; the PDF is the same form. `.ci/run`
# installs the library; a fresh machine without it still passes.
SUBSETTER_FALLBACK = "Using fontTools instead of HarfBuzz-Subset"


def test_weasyprint_understood_all_of_the_print_css(forms: dict[str, Any]) -> None:
    assert [w for w in forms["warnings"] if SUBSETTER_FALLBACK not in w] == []


def test_fonts_are_vendored_with_their_licence() -> None:
    for name in ("ipaexm.ttf", "ipaexg.ttf", "IPA_Font_License_Agreement_v1.0.txt", "README.md"):
        assert (FONT_DIR / name).is_file(), name
    licence = (FONT_DIR / "IPA_Font_License_Agreement_v1.0.txt").read_text(encoding="utf-8")
    assert licence.startswith("IPA Font License Agreement v1.0")


def test_the_renderer_loads_nothing_but_its_fonts() -> None:
    fetcher = FontOnlyFetcher(allowed_protocols={"file"})
    with pytest.raises(ValueError, match="only its fonts"):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="only its fonts"):
        fetcher.fetch("https://example.com/tracker.png")
    response = fetcher.fetch((FONT_DIR / "ipaexm.ttf").as_uri())
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    finally:
        response.close()


# Renders stdin with WeasyPrint as kagami.registry.pdf does (in a process without Django).
RENDER_ALONE = """
import sys
from weasyprint import HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration
HTML(
    string=sys.stdin.read(),
    base_url=sys.argv[2],
    url_fetcher=URLFetcher(allowed_protocols={"file"}),
).write_pdf(sys.argv[1], font_config=FontConfiguration())
"""


def test_a_machine_without_any_installed_font_prints_the_same_fonts(
    forms: dict[str, Any], tmp_path: Path
) -> None:
    """A fresh machine: fontconfig sees no font at all, the PDF still has its IPAex fonts."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "DJANGO_SETTINGS_MODULE": ""}
    if fc_list := shutil.which("fc-list"):
        listed = subprocess.run([fc_list], env=env, capture_output=True, text=True)
        assert listed.stdout.strip() == "", "the empty fontconfig still lists fonts"
    out = tmp_path / "alone.pdf"
    subprocess.run(
        [sys.executable, "-c", RENDER_ALONE, str(out), FONT_DIR.as_uri() + "/"],
        input=forms["start_html"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert embedded_font_names(out.read_bytes()) == {"IPAexMincho", "IPAexGothic"}
    alone = Rendered(report=forms["start"].report, pdf=out.read_bytes(), path=out)
    assert alone.flat == forms["start"].flat
