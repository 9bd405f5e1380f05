"""Who may see an account's secrets and how they see them (G-4-7): the rule for revealing,
the reveal itself (password and TOTP again, a reason, audited without the value), and telling
the custodian when the operators who may reveal change."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kagami.audit import log as audit
from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs.models import Membership, Role, User
from kagami.orgs.notifications import notify
from kagami.registry.models import OfficialAccount
from kagami.registry.workflow import can_manage_account
from kagami.vault import conf, crypto
from kagami.vault.models import TOKEN_PREFIX, Credential, SecretItem

REVEAL_FAILURE_WINDOW = timedelta(minutes=15)


def can_reveal(user: User, account: OfficialAccount) -> bool:
    """The account's operators (while members of one of its departments), the heads of its
    departments and the policy division may see its secrets (G-4-7); auditors may not."""
    if not user.is_authenticated or not user.can_sign_in():
        return False
    if user.is_policy_division:
        return True
    departments = account.departments.all()
    mine = user.active_memberships().filter(department__in=departments)
    if mine.filter(role=Role.HEAD).exists():
        return True
    return mine.exists() and account.operators.filter(pk=user.pk).exists()


def can_report_compromise(user: User, account: OfficialAccount) -> bool:
    """Anyone who may reveal, and every member of the account's departments (G-4-7)."""
    return can_reveal(user, account) or can_manage_account(user, account)


def entitled_operator_ids(account: OfficialAccount) -> set[int]:
    """Operators of `account` who are members of one of its departments today."""
    members = Membership.objects.active().filter(department__in=account.departments.all())
    return set(account.operators.filter(pk__in=members.values("user")).values_list("pk", flat=True))


def refusal(
    action: str,
    message: str,
    *,
    actor: User,
    target: Any = None,
    department: Any = None,
    request: HttpRequest | None = None,
    code: str = "refused",
) -> DomainError:
    """Audit a refused attempt (outside the refused change) and return the error to raise."""
    audit.record(
        f"{action}_refused",
        actor=actor,
        target=target,
        department=department,
        data={"reason": message, "code": code},
        request=request,
    )
    return DomainError(message, code=code)


def notify_on_commit(users: Iterable[User | None], subject: str, body: str, link: str) -> None:
    """Notify `users` in the app and by e-mail after the transaction commits."""
    notify([u for u in users if u is not None], subject, body, link=link)


def credential_link(credential: Credential) -> str:
    return reverse("vault:credential_detail", args=[credential.account_id])


def responsible_for(credential: Credential) -> list[User | None]:
    """The custodian, or the heads of the lead department when there is none."""
    if credential.custodian is not None:
        return [credential.custodian]
    return list(credential.account.lead_department.heads())


def tell_custodian_of_operator_change(
    sender: Any,
    *,
    account: OfficialAccount,
    actor: User,
    added: list[User],
    removed: list[User],
    **kwargs: Any,
) -> None:
    """Receiver of `registry.signals.operators_changed` (connected in apps.py): operators may
    reveal the password, so the custodian of the account's credential learns who was added
    and who was removed; the heads of the lead department do when there is no custodian or
    no credential yet (G-4-7). Not the person who made the change. Runs inside the
    appointment's transaction; the mail goes on commit."""
    credential = Credential.objects.filter(account=account).select_related("custodian").first()
    if credential is not None:
        recipients = responsible_for(credential)
        link = credential_link(credential)
    else:
        recipients = list(account.lead_department.heads())
        link = reverse("registry:account_detail", args=[account.pk])
    nobody = _("なし")
    body = _(
        "%(actor)sさんが「%(account)s」の運用担当者を変更しました。\n"
        "追加した人: %(added)s\n"
        "外した人: %(removed)s\n"
        "運用担当者は、このアカウントのパスワードを表示できます。外した人がパスワードを"
        "知っている場合は、パスワードを変更してください（ガイドライン4(7)）。"
    ) % {
        "actor": actor.display_name,
        "account": account.name,
        "added": "、".join(u.display_name for u in added) or nobody,
        "removed": "、".join(u.display_name for u in removed) or nobody,
    }
    notify_on_commit(
        [u for u in recipients if u is not None and u.pk != actor.pk],
        _("「%(account)s」の運用担当者が変わりました") % {"account": account.name},
        body,
        link,
    )


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def _stored_token(credential: Credential, item: str) -> str:
    if item.startswith(TOKEN_PREFIX):
        token = credential.api_tokens.filter(name=item.removeprefix(TOKEN_PREFIX)).first()
        return token.value_encrypted if token else ""
    if item in SecretItem.values:
        return str(getattr(credential, f"{item}_encrypted"))
    return ""


def reveal_secret(
    *,
    actor: User,
    credential: Credential,
    item: str,
    reason: str,
    password: str,
    otp_token: str,
    request: HttpRequest | None = None,
) -> str:
    """Show one secret to a person allowed to see it, after their password and TOTP; the
    reason is audited, the value never (G-4-7)."""
    account = credential.account

    def refuse(message: str, code: str) -> DomainError:
        return refusal(
            "vault.secret_revealed",
            message,
            actor=actor,
            target=credential,
            department=account.lead_department,
            request=request,
            code=code,
        )

    if not can_reveal(actor, account):
        raise refuse(
            _(
                "この認証情報を表示できるのは、アカウントの運用担当者、所属長、"
                "情報政策担当課だけです。"
            ),
            "not_allowed",
        )
    since = timezone.now() - REVEAL_FAILURE_WINDOW
    failures = AuditEvent.objects.filter(
        actor=actor, action="vault.secret_revealed_refused", at__gte=since
    ).count()
    if failures >= conf.get("KAGAMI_VAULT_REVEAL_FAILURE_LIMIT"):
        raise refuse(
            _(
                "確認に続けて失敗したため、しばらく表示できません。15分ほど待ってからやり直してください。"
            ),
            "too_many_failures",
        )
    if not reason.strip():
        raise refuse(_("表示する理由を入力してください。"), "no_reason")
    device = TOTPDevice.objects.devices_for_user(actor, confirmed=True).first()
    if device is None:
        raise refuse(
            _("秘密情報を表示するには2段階認証の設定が必要です。先に2段階認証を設定してください。"),
            "no_mfa",
        )
    if not actor.check_password(password):
        raise refuse(_("ログインパスワードが正しくありません。"), "wrong_password")
    if not device.verify_token(otp_token.strip()):
        raise refuse(
            _(
                "確認コードが正しくないか、有効期限が切れています。認証アプリの新しいコードを入力してください。"
            ),
            "wrong_otp",
        )
    stored = _stored_token(credential, item)
    if not stored:
        raise refuse(_("その項目は登録されていません。"), "no_item")
    try:
        value = crypto.decrypt(stored)
    except crypto.VaultKeyError as error:
        raise refuse(error.message, error.code) from error
    with transaction.atomic():
        if actor.pk not in credential.holders:
            credential.holders = sorted({*credential.holders, actor.pk})
            credential.save(update_fields=["holders"])
        audit.record(
            "vault.secret_revealed",
            actor=actor,
            target=credential,
            department=account.lead_department,
            data={"item": item, "reason": reason.strip()},
            request=request,
        )
    return value
