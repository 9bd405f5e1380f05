"""The credential vault (G-4-7): encrypted at rest, revealed with re-authentication, strong,
rotated, and never leaked."""

import csv
import io
import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from conftest import PASSWORD
from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs.models import Membership
from kagami.orgs.workflow import end_membership
from kagami.registry import workflow as registry
from kagami.vault import access, crypto, workflow
from kagami.vault.checks import check_vault_keys
from kagami.vault.models import ApiToken, Credential, OldSecret, RotationTask, TaskStatus
from kagami.vault.passwords import AMBIGUOUS, generate_password, password_problems
from kagami.vault.status import inventory, overdue_credentials, overdue_section
from kagami.vault.tests.conftest import ANOTHER_STRONG, KEY_A, KEY_B, STRONG, totp_code

JST = ZoneInfo("Asia/Tokyo")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def reveal_post(client: Any, account: Any, user: Any, **overrides: str) -> Any:
    data = {
        "item": "password",
        "reason": "公用スマートフォンの機種変更のため",
        "password": PASSWORD,
        "otp_token": totp_code(user),
    } | overrides
    return client.post(reverse("vault:reveal", args=[account.pk]), data)


# Encryption at rest and keys ------------------------------------------------------------
def test_the_raw_columns_hold_ciphertext_never_the_plaintext(credential: Credential) -> None:
    workflow.set_api_token(
        actor=credential.custodian, credential=credential, name="x-publish", value="tok-SECRET-1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password_encrypted, recovery_email_encrypted, recovery_phone_encrypted "
            "FROM vault_credential"
        )
        row = cursor.fetchone()
        cursor.execute("SELECT value_encrypted FROM vault_apitoken")
        token_row = cursor.fetchone()
    raw = " ".join([*row, *token_row])
    for plaintext in (STRONG, "sns-recovery@town.example.lg.jp", "0868-00-0000", "tok-SECRET-1"):
        assert plaintext not in raw
    assert all(value.startswith("gAAAA") for value in [*row, *token_row])  # Fernet tokens
    assert crypto.decrypt(row[0]) == STRONG
    assert _token(credential, "x-publish") == "tok-SECRET-1"


def test_a_missing_or_malformed_key_list_is_a_system_check_error(settings: Any) -> None:
    settings.KAGAMI_VAULT_KEYS = []
    assert [e.id for e in check_vault_keys()] == ["kagami.E010"]
    settings.KAGAMI_VAULT_KEYS = [KEY_A, "not-a-key"]
    errors = check_vault_keys()
    assert [e.id for e in errors] == ["kagami.E011"]
    assert "not-a-key" not in errors[0].msg  # the check never prints a key
    settings.KAGAMI_VAULT_KEYS = f"{KEY_B},{KEY_A}"  # a comma-separated string works too
    assert check_vault_keys() == []
    settings.KAGAMI_VAULT_KEYS = []
    with pytest.raises(crypto.VaultKeyError):
        crypto.encrypt("anything")  # never a silent plaintext


def test_a_secret_no_key_can_decrypt_is_refused_with_a_clear_message(
    cast: Any, credential: Credential, settings: Any, client: Any, login: Any
) -> None:
    settings.KAGAMI_VAULT_KEYS = [KEY_B]  # a restore with the wrong key
    login(client, cast.tanaka)
    response = reveal_post(client, credential.account, cast.tanaka)
    assert response.status_code == 200
    assert "暗号鍵" in response.text and "一致しません" in response.text
    assert STRONG not in response.text
    refused = AuditEvent.objects.filter(action="vault.secret_revealed_refused").get()
    assert refused.data["code"] == "key_mismatch"


def test_rotate_keys_reencrypts_everything_under_the_new_key_and_is_idempotent(
    cast: Any, credential: Credential, settings: Any
) -> None:
    workflow.set_api_token(actor=cast.suzuki, credential=credential, name="x", value="tok-1")
    workflow.record_rotation(actor=cast.suzuki, credential=credential, new_password=ANOTHER_STRONG)
    settings.KAGAMI_VAULT_KEYS = [KEY_B, KEY_A]
    out = io.StringIO()
    call_command("vault", "rotate-keys", "--batch-size", "1", stdout=out)
    # 3 credential columns + 1 token + 1 old password
    assert "再暗号化: 5 件" in out.getvalue()
    settings.KAGAMI_VAULT_KEYS = [KEY_B]  # the old key can go now
    credential.refresh_from_db()
    assert crypto.decrypt(credential.password_encrypted) == ANOTHER_STRONG
    assert crypto.decrypt(OldSecret.objects.get().value_encrypted) == STRONG
    assert _token(credential, "x") == "tok-1"
    again = io.StringIO()
    call_command("vault", "rotate-keys", stdout=again)
    assert "再暗号化: 0 件、既に最新の鍵: 5 件" in again.getvalue()
    assert AuditEvent.objects.filter(action="vault.keys_rotated").count() == 1


# Reveal -----------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["tanaka", "suzuki", "takahashi"])
def test_operators_heads_and_the_policy_division_may_reveal(
    who: str, cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    user = getattr(cast, who)
    login(client, user)
    response = reveal_post(client, credential.account, user)
    assert response.status_code == 200
    assert STRONG in response.text
    assert "no-store" in response["Cache-Control"]
    assert 'src="/static/vault/reveal.js"' in response.text and "<script>" not in response.text
    event = AuditEvent.objects.get(action="vault.secret_revealed")
    assert event.actor == user
    assert event.data == {"item": "password", "reason": "公用スマートフォンの機種変更のため"}


def test_another_department_gets_404_and_the_auditor_no_reveal(
    cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    account = credential.account
    login(client, cast.sato)
    for name in ("credential_detail", "reveal", "rotation_record", "credential_edit"):
        assert client.get(reverse(f"vault:{name}", args=[account.pk])).status_code == 404
    assert reveal_post(client, account, cast.sato).status_code == 404
    login(client, cast.ito)
    assert client.get(reverse("vault:credential_detail", args=[account.pk])).status_code == 200
    response = reveal_post(client, account, cast.ito)
    assert response.status_code == 403 and STRONG not in response.text
    assert AuditEvent.objects.get(action="vault.secret_revealed_refused").actor == cast.ito
    assert client.get(reverse("vault:rotation_record", args=[account.pk])).status_code == 403


def test_a_wrong_password_or_totp_is_refused_and_audited(
    cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    login(client, cast.tanaka)
    response = reveal_post(client, credential.account, cast.tanaka, password="wrong password")
    assert "ログインパスワードが正しくありません" in response.text and STRONG not in response.text
    response = reveal_post(client, credential.account, cast.tanaka, otp_token="000000")
    assert "確認コードが正しくない" in response.text and STRONG not in response.text
    codes = [
        e.data["code"]
        for e in AuditEvent.objects.filter(action="vault.secret_revealed_refused").order_by("seq")
    ]
    assert codes == ["wrong_password", "wrong_otp"]
    assert not AuditEvent.objects.filter(action="vault.secret_revealed").exists()


def test_after_repeated_failures_even_the_right_answers_wait(
    cast: Any, credential: Credential
) -> None:
    for _attempt in range(5):
        with pytest.raises(DomainError):
            access.reveal_secret(
                actor=cast.tanaka,
                credential=credential,
                item="password",
                reason="確認",
                password="wrong",
                otp_token="000000",
            )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=cast.tanaka, name="t", confirmed=True)
    with pytest.raises(DomainError, match="しばらく表示できません"):
        access.reveal_secret(
            actor=cast.tanaka,
            credential=credential,
            item="password",
            reason="確認",
            password=PASSWORD,
            otp_token=totp_code(cast.tanaka),
        )


def test_a_user_without_totp_is_sent_to_set_it_up_first(
    cast: Any, credential: Credential, client: Any
) -> None:
    client.force_login(cast.tanaka, backend="kagami.orgs.auth.StaffLoginBackend")
    response = client.get(reverse("vault:reveal", args=[credential.account.pk]))
    assert response.status_code == 403
    assert reverse("orgs:mfa_setup") in response.text
    assert "2段階認証" in response.text


# Strength ---------------------------------------------------------------------------------
def test_a_guessable_password_is_refused_with_the_reason(cast: Any, account: Any) -> None:
    problems = password_problems("kagamino_town2026", account=account)
    assert any("氏名・町名・所属名" in p for p in problems)
    assert any("短すぎます" in p for p in password_problems("Ab3$xY", account=account))
    assert any("よく使われている" in p for p in password_problems("password1234", account=account))
    with pytest.raises(DomainError, match="推測されやすい"):
        workflow.store_credential(
            actor=cast.suzuki,
            account=account,
            login_id="kagamino_town",
            password="ｋａｇａｍｉｎｏ２０２６",
        )
    assert not Credential.objects.exists()
    assert AuditEvent.objects.get(action="vault.credential_stored_refused").data["code"] == (
        "weak_password"
    )


def test_generated_passwords_pass_the_gate_and_the_readable_ones_avoid_confusable_characters(
    account: Any,
) -> None:
    for _round in range(5):
        password = generate_password(20)
        assert len(password) == 20 and password_problems(password, account=account) == []
        readable = generate_password(16, symbols=False, readable=True)
        assert not set(readable) & AMBIGUOUS
        assert any(c.isdigit() for c in readable) and any(c.isupper() for c in readable)
    assert generate_password(12, uppercase=False, digits=False, symbols=False).islower()


# Rotation ---------------------------------------------------------------------------------
def test_the_custodian_is_reminded_before_the_due_date_once(
    cast: Any, account: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(at(date(2026, 1, 5)), tick=False):
        credential = workflow.store_credential(
            actor=cast.suzuki,
            account=account,
            login_id="kagamino_town",
            password=STRONG,
            custodian=cast.tanaka,
        )
    assert credential.due_on() == date(2026, 4, 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.remind_due_rotations(date(2026, 3, 21)) == 0
        assert workflow.remind_due_rotations(date(2026, 3, 22)) == 1
        assert workflow.remind_due_rotations(date(2026, 3, 23)) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["tanaka@town.example.lg.jp"]
    assert "2026-04-05" in message.subject and STRONG not in message.body


def test_overdue_passwords_are_shown_to_heads_and_the_policy_division(
    cast: Any, credential: Credential
) -> None:
    with time_machine.travel(at(date(2031, 1, 1)), tick=False):
        assert overdue_credentials(cast.suzuki) == [credential]
        assert overdue_credentials(cast.takahashi) == [credential]
        assert overdue_credentials(cast.tanaka) == []  # staff, not a head
        assert overdue_credentials(cast.sato) == []
        assert overdue_section(cast.suzuki)["items"]
        assert overdue_section(cast.tanaka) == {}
        assert workflow.remind_due_rotations() == 2  # the reminder and the overdue task
        assert workflow.remind_due_rotations() == 0
    task = RotationTask.objects.get()
    assert task.reason == "due" and task.status == TaskStatus.OPEN


def test_a_transfer_opens_one_rotation_task(cast: Any, credential: Credential) -> None:
    assert workflow.open_tasks_for_leavers() == 0
    membership = Membership.objects.get(user=cast.tanaka, department=cast.somu)
    with time_machine.travel(at(date(2027, 3, 31)), tick=False):
        end_membership(actor=cast.takahashi, membership=membership, last_day=date(2027, 3, 31))
        assert workflow.open_tasks_for_leavers() == 0  # still a member on his last day
    with time_machine.travel(at(date(2027, 4, 1)), tick=False):
        assert workflow.open_tasks_for_leavers() == 1
        assert workflow.open_tasks_for_leavers() == 0  # no duplicate
    task = RotationTask.objects.get()
    assert task.reason == "operator_left" and task.subject == cast.tanaka
    assert AuditEvent.objects.filter(action="vault.rotation_task_opened").count() == 1


def test_removing_an_operator_opens_a_rotation_task(cast: Any, credential: Credential) -> None:
    registry.appoint_operators(actor=cast.suzuki, account=credential.account, operators=[])
    assert workflow.open_tasks_for_leavers() == 1
    assert RotationTask.objects.get().subject == cast.tanaka


def test_a_reported_compromise_opens_a_task_and_tells_the_custodian(
    cast: Any, credential: Credential, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task = workflow.report_compromise(
            actor=cast.tanaka, credential=credential, note="身に覚えのない投稿がありました"
        )
    assert task.reason == "compromise" and task.status == TaskStatus.OPEN
    assert "suzuki@town.example.lg.jp" in mail.outbox[0].to
    with pytest.raises(DomainError):
        workflow.report_compromise(actor=cast.sato, credential=credential, note="x")


def test_recording_a_rotation_closes_tasks_and_old_secrets_are_destroyed_after_the_keep_period(
    cast: Any, credential: Credential
) -> None:
    workflow.report_compromise(actor=cast.tanaka, credential=credential, note="不審なログイン")
    with pytest.raises(DomainError, match="推測されやすい"):
        workflow.record_rotation(
            actor=cast.tanaka, credential=credential, new_password="kagamino2026!"
        )
    with pytest.raises(DomainError, match="最近使った"):
        workflow.record_rotation(actor=cast.tanaka, credential=credential, new_password=STRONG)
    with time_machine.travel(at(date(2026, 6, 1)), tick=False):
        workflow.record_rotation(
            actor=cast.tanaka, credential=credential, new_password=ANOTHER_STRONG
        )
    credential.refresh_from_db()
    assert credential.last_rotated_by == cast.tanaka
    assert crypto.decrypt(credential.password_encrypted) == ANOTHER_STRONG
    task = RotationTask.objects.get()
    assert task.status == TaskStatus.DONE and task.done_by == cast.tanaka
    assert OldSecret.objects.count() == 1
    assert workflow.destroy_old_secrets(at(date(2026, 7, 1))) == 0
    assert workflow.destroy_old_secrets(at(date(2026, 7, 2))) == 1
    assert not OldSecret.objects.exists()
    assert AuditEvent.objects.get(action="vault.old_secrets_destroyed").data["count"] == 1


# Inventory --------------------------------------------------------------------------------
def test_the_inventory_shows_2fa_missing_and_overdue_and_exports_csv_without_secrets(
    cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    other = registry.plan_account(
        actor=cast.sato,
        platform=credential.account.platform,
        name="=HYPERLINK(1)",
        handle="@sangyo",
        url="https://x.com/sangyo",
        lead_department=cast.sangyo,
    )
    rows = {row.account: row for row in inventory(cast.takahashi)}
    assert rows[credential.account].two_factor_on and not rows[credential.account].problems
    assert "認証情報が登録されていません。" in rows[other].problems
    login(client, cast.ito)
    page = client.get(reverse("vault:inventory"))
    assert "認証情報が登録されていません。" in page.text
    response = client.get(reverse("vault:inventory_csv"))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert "'=HYPERLINK(1)" in [line[0] for line in lines]
    assert STRONG not in body and "sns-recovery" not in body
    login(client, cast.tanaka)
    assert client.get(reverse("vault:inventory_csv")).status_code == 404


# No leaks -----------------------------------------------------------------------------------
def test_the_plaintext_appears_nowhere_but_in_the_reveal_response(
    cast: Any, account: Any, client: Any, login: Any, caplog: Any
) -> None:
    canary = "zephyr-CANARY-lattice-7731"
    caplog.set_level(logging.DEBUG)
    cast.takahashi.is_staff = cast.takahashi.is_superuser = True
    cast.takahashi.save()
    login(client, cast.suzuki)
    seen = []
    pk = account.pk
    new = client.post(
        reverse("vault:credential_new", args=[pk]),
        {
            "login_id": "kagamino_town",
            "password": canary,
            "password_again": canary,
            "recovery_email": "",
            "recovery_phone": "",
            "two_factor_method": "app",
            "two_factor_storage": "金庫",
            "custodian": cast.suzuki.pk,
            "rotation_interval_days": 90,
        },
    )
    assert new.status_code == 302
    seen.append(new.content)
    weak = client.post(
        reverse("vault:rotation_record", args=[pk]),
        {"new_password": canary + "x", "new_password_again": canary + "y"},
    )
    seen.append(weak.content)
    token = client.post(
        reverse("vault:api_token_set", args=[pk]), {"name": "x-api", "value": canary}
    )
    assert token.status_code == 302
    for name in (
        "credential_detail",
        "credential_edit",
        "rotation_record",
        "api_token_set",
        "reveal",
        "compromise",
    ):
        seen.append(client.get(reverse(f"vault:{name}", args=[pk])).content)
    seen.append(client.get(reverse("vault:inventory")).content)
    seen.append(client.get(reverse("vault:generate"), {"length": 20, "lowercase": "on"}).content)
    revealed = reveal_post(client, account, cast.suzuki)
    assert canary.encode() in revealed.content
    login(client, cast.takahashi)
    seen.append(b"".join(client.get(reverse("vault:inventory_csv")).streaming_content))
    seen.append(client.get(reverse("audit:event_list")).content)
    seen.append(b"".join(client.get(reverse("audit:event_export")).streaming_content))
    seen.append(client.get(reverse("admin:index")).content)
    seen.append(client.get(reverse("admin:vault_rotationtask_changelist")).content)
    for content in seen:
        assert canary.encode() not in content
    events = " ".join(str(e.data) for e in AuditEvent.objects.all())
    assert canary not in events
    assert canary not in caplog.text
    assert ApiToken.objects.get().value_encrypted != canary
    assert AuditEvent.objects.filter(action="vault.secret_revealed").count() == 1


def test_changing_the_recovery_details_keeps_the_old_ones_for_a_while(
    cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    login(client, cast.tanaka)
    response = client.post(
        reverse("vault:credential_edit", args=[credential.account.pk]),
        {
            "login_id": "kagamino_town",
            "recovery_email": "new-recovery@town.example.lg.jp",
            "recovery_phone": "",
            "two_factor_method": "key",
            "two_factor_storage": "総務課の金庫",
            "custodian": cast.tanaka.pk,
            "rotation_interval_days": 60,
        },
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.custodian == cast.tanaka and credential.rotation_interval_days == 60
    assert crypto.decrypt(credential.recovery_email_encrypted) == "new-recovery@town.example.lg.jp"
    assert crypto.decrypt(credential.recovery_phone_encrypted) == "0868-00-0000"  # unchanged
    old = OldSecret.objects.get()
    assert old.item == "recovery_email"
    assert crypto.decrypt(old.value_encrypted) == "sns-recovery@town.example.lg.jp"
    event = AuditEvent.objects.filter(action="vault.credential_updated").get()
    assert "recovery_email" in event.data["fields"] and "new-recovery" not in str(event.data)


def _token(credential: Credential, name: str) -> str:
    """The stored API token `name`, decrypted (what the publishing worker reads)."""
    return crypto.decrypt(ApiToken.objects.get(credential=credential, name=name).value_encrypted)


def test_a_token_set_by_a_person_drops_what_the_adapter_derived_from_the_old_ones(
    cast: Any, credential: Credential
) -> None:
    from kagami.registry.models import OfficialAccount

    account = OfficialAccount.objects.get(pk=credential.account_id)
    workflow.store_refreshed_tokens(
        account, {"session": "old-session", "access_token_expires_at": "2026-12-01"}, "bluesky"
    )
    assert _token(credential, "session") == "old-session"
    workflow.set_api_token(
        actor=cast.suzuki, credential=credential, name="app_password", value="new-app-password"
    )
    names = set(credential.api_tokens.values_list("name", flat=True))
    assert names == {"app_password"}  # the next attempt logs in with the new password
    refreshed = AuditEvent.objects.get(action="vault.api_token_refreshed")
    assert refreshed.data == {
        "names": ["access_token_expires_at", "session"],
        "platform": "bluesky",
    }


def test_names_kagami_writes_itself_cannot_be_entered_by_hand(
    cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    login(client, cast.suzuki)
    url = reverse("vault:api_token_set", args=[credential.account_id])
    for name in ApiToken.DERIVED:
        page = client.post(url, {"name": name, "value": "typed-by-hand"})
        assert page.status_code == 200
        assert "Kagamiが自動で書き込む項目" in page.text
    assert not credential.api_tokens.exists()


def test_a_token_too_long_is_refused_whole_not_cut(
    cast: Any, credential: Credential, client: Any, login: Any
) -> None:
    login(client, cast.suzuki)
    url = reverse("vault:api_token_set", args=[credential.account_id])
    form = client.get(url).text
    assert 'name="value"' in form and "maxlength" not in form.split('name="value"')[1][:200]
    page = client.post(url, {"name": "access_token", "value": "v" * 9000})
    assert page.status_code == 200 and "トークンが長すぎます" in page.text
    assert not credential.api_tokens.exists()
