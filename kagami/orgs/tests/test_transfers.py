"""Personnel transfers (人事異動): preview, then all or nothing; memberships closed, not deleted."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.tables import TableFileError
from kagami.orgs import workflow
from kagami.orgs.models import Membership, Role, TransferBatch, User
from kagami.orgs.transfers import plan_transfers, read_transfer_file

HEADER = "職員番号,氏名,メールアドレス,異動前所属,異動後所属,役割,発令日\n"


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode(encoding)


def _upload(cast: object, content: bytes, name: str = "idou.csv") -> TransferBatch:
    return workflow.upload_transfer_file(actor=cast.takahashi, file_name=name, content=content)  # type: ignore[attr-defined]


def test_a_valid_file_moves_people_in_one_go(cast: object) -> None:
    batch = _upload(
        cast,
        _csv(
            "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01",
            "2001,佐藤 健,,産業観光課,総務課,所属長,2027/4/1",
            "7001,新井 結衣,arai@town.example.lg.jp,,総務課,職員,2027-04-01",
        ),
    )
    assert workflow.apply_transfer_batch(actor=cast.takahashi, batch=batch) == 3  # type: ignore[attr-defined]
    old = Membership.objects.get(user=cast.tanaka, department=cast.somu)  # type: ignore[attr-defined]
    assert old.valid_until == date(2027, 3, 31)
    assert Membership.objects.get(user=cast.tanaka, department=cast.sangyo).valid_from == date(
        2027, 4, 1
    )  # type: ignore[attr-defined]
    assert cast.sato.is_head_of(cast.somu, on=date(2027, 4, 1))  # type: ignore[attr-defined]
    assert not cast.sato.is_head_of(cast.somu, on=date(2027, 3, 31))  # type: ignore[attr-defined]
    arai = User.objects.get(staff_number="7001")
    assert arai.active_memberships(date(2027, 4, 1)).get().department == cast.somu  # type: ignore[attr-defined]
    assert not arai.has_usable_password()
    batch.refresh_from_db()
    assert batch.status == TransferBatch.Status.APPLIED
    assert audit.verify().ok


def test_one_bad_row_applies_nothing(cast: object) -> None:
    batch = _upload(
        cast,
        _csv(
            "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01",
            "2001,佐藤 健,,産業観光課,防衛課,職員,2027-04-01",
        ),
    )
    memberships_before = list(Membership.objects.values_list("pk", "valid_until"))
    with pytest.raises(DomainError, match="問題のある行が 1 件"):
        workflow.apply_transfer_batch(actor=cast.takahashi, batch=batch)  # type: ignore[attr-defined]
    assert list(Membership.objects.values_list("pk", "valid_until")) == memberships_before
    batch.refresh_from_db()
    assert batch.status == TransferBatch.Status.PREVIEWED


def test_the_preview_names_each_problem_in_japanese(cast: object) -> None:
    rows = read_transfer_file(
        "idou.csv",
        _csv(
            "2001,佐藤 健,,産業観光課,防衛課,職員,2027-04-01",
            "1001,田中 一郎,,総務課,産業観光課,課長,2027-04-01",
            "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01",
            "8888,不明 太郎,,総務課,産業観光課,職員,2027-04-01",
            "1002,鈴木 花子,,総務課,企画課,職員,来年の四月",
            "7001,新井 結衣,,,総務課,職員,2027-04-01",
            "7002,新井 一,arai@town.example.lg.jp,,総務課,職員,2027-04-01",
            "7003,新井 二,ARAI@town.example.lg.jp,,総務課,職員,2027-04-01",
        ),
    )
    errors = dict(plan_transfers(rows).errors)
    assert errors[2] == "所属「防衛課」は登録されていません。"
    assert "役割「課長」" in errors[3]
    assert errors[4] == "職員番号 1001 が 3 行目と重複しています。"
    assert errors[5] == "職員番号 8888 の職員が見つかりません。"
    assert "発令日「来年の四月」を日付として読めません" in errors[6]
    assert errors[7] == "新規採用の職員には氏名とメールアドレスが必要です。"
    assert 8 not in errors
    assert errors[9] == "メールアドレス ARAI@town.example.lg.jp が 8 行目と重複しています。"


def test_leaving_closes_the_membership_and_ends_access_after_the_last_day(cast: object) -> None:
    batch = _upload(cast, _csv("1001,田中 一郎,,総務課,,,2027-04-01"))
    workflow.apply_transfer_batch(actor=cast.takahashi, batch=batch)  # type: ignore[attr-defined]
    cast.tanaka.refresh_from_db()  # type: ignore[attr-defined]
    assert cast.tanaka.access_ends_on == date(2027, 3, 31)  # type: ignore[attr-defined]
    assert Membership.objects.filter(user=cast.tanaka).count() == 1  # type: ignore[attr-defined]


def test_excel_files_and_shift_jis_csv_are_read(cast: object) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    sheet.append([1001, "田中 一郎", None, "総務課", "産業観光課", "職員", date(2027, 4, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_transfer_file("idou.xlsx", buffer.getvalue())
    assert rows[0]["staff_number"] == "1001" and rows[0]["effective_date"] == "2027-04-01"
    sjis = read_transfer_file(
        "idou.csv", _csv("1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01", encoding="cp932")
    )
    assert sjis[0]["to_department"] == "産業観光課"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("idou.pdf", b"%PDF-1.4", "CSV（.csv）または Excel（.xlsx）"),
        ("idou.csv", "氏名,発令日\n田中,2027-04-01\n".encode(), "必要な列がありません: 職員番号"),
        ("idou.csv", b"", "ファイルに行がありません"),
        ("idou.xlsx", b"not a zip file", "Excel ファイルを開けません"),
        ("idou.csv", b"\xff\xfe\x00\x81\x00", "UTF-16"),
        ("idou.csv", b"\x81\xff\xfe\x81", "文字コードを読み取れません"),
        (
            "idou.csv",
            _csv("1001,田中\x00一郎,,総務課,産業観光課,職員,2027-04-01"),
            "2 行目の「氏名」",
        ),
        ("idou.xlsx", b"PK\x05\x06" + b"\x00" * 18, "Excel ブックの本体が見つかりません"),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_is_stored(
    cast: object, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(TableFileError, match=message):
        _upload(cast, content, name)
    assert not TransferBatch.objects.exists()


def test_staff_cannot_reach_the_transfer_screens(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("orgs:transfer_upload")).status_code == 404


def test_the_policy_division_uploads_previews_and_applies(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    upload = SimpleUploadedFile(
        "idou.csv", _csv("1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01")
    )
    response = client.post(reverse("orgs:transfer_upload"), {"file": upload})
    assert response.status_code == 302
    preview = client.get(response.url)
    assert "異動" in preview.text and "問題なし" in preview.text
    applied = client.post(response.url, {"action": "apply"}, follow=True)
    assert "1 件の人事異動を反映しました" in applied.text
    assert Membership.objects.filter(
        user=cast.tanaka, department=cast.sangyo, role=Role.STAFF
    ).exists()  # type: ignore[attr-defined]


def test_a_bad_upload_shows_the_reason_on_the_form(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    upload = SimpleUploadedFile("idou.txt", b"garbage without header")
    response = client.post(reverse("orgs:transfer_upload"), {"file": upload})
    assert response.status_code == 200
    assert "必要な列がありません" in response.text


def test_new_staff_need_a_valid_email_and_values_that_fit(cast: object) -> None:
    rows = read_transfer_file(
        "idou.csv",
        _csv(
            "7001,新井 結衣,arai@@town,,総務課,職員,2027-04-01",
            "7002,新井 一,arai 一@town.example.lg.jp,,総務課,職員,2027-04-01",
            f"7003,{'長' * 101},long@town.example.lg.jp,,総務課,職員,2027-04-01",
            f"{'9' * 33},新井 三,arai3@town.example.lg.jp,,総務課,職員,2027-04-01",
            f"7005,新井 四,{'a' * 250}@town.example.lg.jp,,総務課,職員,2027-04-01",
            "7006,新井 五,arai5@town.example.lg.jp,,総務課,職員,2027-04-01",
        ),
    )
    errors = dict(plan_transfers(rows).errors)
    assert errors[2] == "メールアドレス「arai@@town」の形式が正しくありません。"
    assert "の形式が正しくありません" in errors[3]
    assert errors[4] == "「氏名」は100文字以内にしてください（101文字あります）。"
    assert errors[5].startswith("「職員番号」は32文字以内")
    assert errors[6].startswith("「メールアドレス」は254文字以内")
    assert 7 not in errors


def test_problem_lines_are_those_of_the_file_even_with_blank_lines(cast: object) -> None:
    content = (
        "\n" + HEADER + "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01\n\n"
        "2001,佐藤 健,,産業観光課,防衛課,職員,2027-04-01\n"
    ).encode()
    errors = dict(plan_transfers(read_transfer_file("idou.csv", content)).errors)
    assert errors == {5: "所属「防衛課」は登録されていません。"}


def test_a_nul_character_is_refused_at_upload_on_every_database(cast: object) -> None:
    with pytest.raises(TableFileError, match="3 行目の「メールアドレス」"):
        _upload(
            cast,
            _csv(
                "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01",
                "7001,新井 結衣,arai\x00@town.example.lg.jp,,総務課,職員,2027-04-01",
            ),
        )
    assert not TransferBatch.objects.exists()


def test_a_crafted_workbook_is_refused_on_the_upload_form(
    client: Client, cast: object, login: object
) -> None:
    from kagami.lib.tests.test_tables import HEADER_ROW, crafted_xlsx

    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    bomb = crafted_xlsx(HEADER_ROW + '<row r="99999999999"><c><v>1</v></c></row>')
    for content, message in (
        (bomb, "シートの行が多すぎます"),
        (b"PK\x03\x04 junk", "Excel ファイルを開けません"),
        (crafted_xlsx(sheets=""), "表のシートがありません"),
    ):
        upload = SimpleUploadedFile("idou.xlsx", content)
        response = client.post(reverse("orgs:transfer_upload"), {"file": upload})
        assert response.status_code == 200
        assert message in response.text
    assert not TransferBatch.objects.exists()
