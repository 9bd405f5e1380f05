"""Starting from the spreadsheet a town keeps today: preview, then all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.tables import TableFileError
from kagami.registry import register
from kagami.registry.importer import plan_register, read_register_file
from kagami.registry.models import AccountState, OfficialAccount, RegisterImport

HEADER = "SNSの種類,アカウント名,ユーザーID,URL,所管課,共同運用の所属,共通テーマ,状態,最終確認日\n"
GOOD = [
    "ツイッター,鏡野町【公式】,@kagamino_town,https://twitter.com/kagamino_town,総務課,,,運用中,2026/4/1",
    "Instagram,鏡野町観光,kagamino_kanko,https://www.instagram.com/kagamino_kanko/,産業観光課,総務課,観光と移住,休止中,",
]


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def test_a_register_is_previewed_and_applied(cast: object) -> None:
    batch = register.upload_register(
        actor=cast.takahashi, file_name="台帳.csv", content=_csv(*GOOD)
    )  # type: ignore[attr-defined]
    assert all(not plan.errors for plan in plan_register(batch.rows))
    assert register.apply_register(actor=cast.takahashi, batch=batch) == 2  # type: ignore[attr-defined]
    x = OfficialAccount.objects.get(handle="@kagamino_town")
    assert x.platform.code == "x" and x.state == AccountState.ACTIVE and x.imported
    assert str(x.last_reviewed_on) == "2026-04-01"
    insta = OfficialAccount.objects.get(handle="kagamino_kanko")
    assert insta.state == AccountState.SUSPENDED and insta.is_joint
    assert AuditEvent.objects.filter(action="registry.account_imported").count() == 2


def test_problem_rows_are_named_and_nothing_is_applied(cast: object) -> None:
    rows = read_register_file(
        "台帳.csv",
        _csv(
            GOOD[0],
            "ミクシィ,鏡野町,kagamino,https://mixi.jp/kagamino,総務課,,,運用中,",
            "X,鏡野町防災,@bousai,https://www.facebook.com/bousai,防衛課,,,運用中,",
            "X,鏡野町【公式】重複,@Kagamino_Town,https://x.com/kagamino_town,総務課,,,運用中,",
            "X,鏡野町広報,@koho,https://x.com/koho,総務課,,,廃止,昨日",
        ),
    )
    errors = {plan.line: plan.errors for plan in plan_register(rows)}
    assert errors[2] == []
    assert errors[3] == ["SNSの種類「ミクシィ」が分かりません。"]
    assert "所属「防衛課」は登録されていません。" in errors[4]
    assert (
        "URL「https://www.facebook.com/bousai」は X（旧Twitter） のアドレスではありません。"
        in errors[4]
    )
    assert errors[5] == ["2 行目と同じアカウントです。"]
    assert "状態「廃止」は「運用中」か「休止中」で書いてください。" in errors[6]
    assert "最終確認日「昨日」を日付として読めません。" in errors[6]

    batch = RegisterImport.objects.create(
        file_name="台帳.csv", uploaded_by=cast.takahashi, rows=rows
    )  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="反映しませんでした"):
        register.apply_register(actor=cast.takahashi, batch=batch)  # type: ignore[attr-defined]
    assert not OfficialAccount.objects.exists()


def test_an_account_already_in_the_registry_is_not_imported_twice(cast: object) -> None:
    batch = register.upload_register(actor=cast.takahashi, file_name="a.csv", content=_csv(GOOD[0]))  # type: ignore[attr-defined]
    register.apply_register(actor=cast.takahashi, batch=batch)  # type: ignore[attr-defined]
    again = register.upload_register(actor=cast.takahashi, file_name="b.csv", content=_csv(GOOD[0]))  # type: ignore[attr-defined]
    assert plan_register(again.rows)[0].errors == ["このアカウントは既に台帳に登録されています。"]


def test_only_the_policy_division_imports(cast: object) -> None:
    with pytest.raises(DomainError, match="情報政策担当課だけ"):
        register.upload_register(actor=cast.suzuki, file_name="a.csv", content=_csv(GOOD[0]))  # type: ignore[attr-defined]
    assert not RegisterImport.objects.exists()


def test_a_file_without_the_required_columns_is_refused(cast: object) -> None:
    with pytest.raises(TableFileError, match="必要な列がありません: ユーザーID、URL、所管課"):
        register.upload_register(
            actor=cast.takahashi,
            file_name="a.csv",
            content="SNSの種類,アカウント名\nX,町\n".encode(),
        )  # type: ignore[attr-defined]


def test_the_import_screens_work_end_to_end(client: Client, cast: object, login: object) -> None:
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    response = client.post(
        reverse("registry:register_import"), {"file": SimpleUploadedFile("台帳.csv", _csv(*GOOD))}
    )
    assert response.status_code == 302
    preview = client.get(response.url).content.decode()
    assert "鏡野町観光" in preview and "問題なし" in preview
    done = client.post(response.url, follow=True).content.decode()
    assert "2 件のアカウントを台帳に登録しました" in done


def test_values_longer_than_the_register_holds_are_named(cast: object) -> None:
    rows = read_register_file(
        "台帳.csv",
        _csv(
            f"X,{'町' * 101},@koho,https://x.com/koho,総務課,,,運用中,",
            f"Instagram,鏡野町観光,kagamino_kanko,https://www.instagram.com/kagamino_kanko/,産業観光課,総務課,{'観' * 201},休止中,",
            f"X,鏡野町防災,@{'b' * 101},https://x.com/bousai,総務課,,,運用中,",
        ),
    )
    errors = {plan.line: plan.errors for plan in plan_register(rows)}
    assert "アカウント名は100文字以内にしてください。" in errors[2]
    assert errors[3] == ["共通テーマは200文字以内にしてください。"]
    assert any("ユーザーIDが長すぎます" in error for error in errors[4])


def test_control_characters_are_refused_at_upload_with_the_line_and_column(cast: object) -> None:
    with pytest.raises(TableFileError, match="3 行目の「アカウント名」") as refused:
        register.upload_register(
            actor=cast.takahashi,  # type: ignore[attr-defined]
            file_name="台帳.csv",
            content=_csv(GOOD[0], GOOD[1].replace("鏡野町観光", "鏡野町\x00観光")),
        )
    assert "制御文字" in refused.value.message
    assert not RegisterImport.objects.exists()


def test_a_blank_line_does_not_shift_the_line_numbers(cast: object) -> None:
    rows = read_register_file(
        "台帳.csv", _csv(GOOD[0], "", "ミクシィ,鏡野町,kagamino,https://mixi.jp/k,総務課,,,運用中,")
    )
    errors = {plan.line: plan.errors for plan in plan_register(rows)}
    assert errors == {2: [], 4: ["SNSの種類「ミクシィ」が分かりません。"]}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("台帳.xlsx", b"not a zip file", "Excel ファイルを開けません"),
        ("台帳.csv", "SNSの種類\n".encode("utf-16"), "UTF-16"),
        ("台帳.csv", b"\x00" * 10 + b"\x81\xff", "文字コードを読み取れません"),
    ],
)
def test_a_malformed_register_gets_a_message_on_the_form(
    client: Client, cast: object, login: object, name: str, content: bytes, message: str
) -> None:
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    response = client.post(
        reverse("registry:register_import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RegisterImport.objects.exists()
