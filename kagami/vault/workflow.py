"""State changes of the credential vault (G-4-7): storing and changing credentials and API
tokens, rotations and the tasks that ask for them. Who may reveal and the reveal itself are in
`access`, the encryption keys in `keys`.

Each function checks who may act, changes what changes in one transaction and writes its
audit event. Audit data names items ("password") and reasons, never a value. A refused attempt
raises DomainError and is audited as `*_refused`.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.orgs.models import Membership, User
from kagami.registry.models import OfficialAccount
from kagami.vault import conf, crypto
from kagami.vault.access import (
    can_report_compromise,
    can_reveal,
    credential_link,
    entitled_operator_ids,
    notify_on_commit,
    refusal,
    responsible_for,
)
from kagami.vault.models import (
    TOKEN_PREFIX,
    ApiToken,
    Credential,
    OldSecret,
    RotationReason,
    RotationTask,
    SecretItem,
    TaskStatus,
)
from kagami.vault.passwords import password_problems

DETAIL_FIELDS = (
    "login_id",
    "two_factor_method",
    "two_factor_storage",
    "custodian",
    "rotation_interval_days",
)


def _guard_manage(
    action: str, actor: User, account: OfficialAccount, request: HttpRequest | None, target: Any
) -> None:
    if not can_reveal(actor, account):
        raise refusal(
            action,
            _(
                "この認証情報を登録・変更できるのは、アカウントの運用担当者、所属長、"
                "情報政策担当課だけです。"
            ),
            actor=actor,
            target=target,
            department=account.lead_department,
            request=request,
        )


def _check_password(
    action: str,
    actor: User,
    account: OfficialAccount,
    password: str,
    login_id: str,
    request: HttpRequest | None,
    target: Any,
) -> None:
    problems = password_problems(password, account=account, login_id=login_id, user=actor)
    if problems:
        raise refusal(
            action,
            " ".join(problems),
            actor=actor,
            target=target,
            department=account.lead_department,
            request=request,
            code="weak_password",
        )


# Storing and changing ---------------------------------------------------------------------
def store_credential(
    *,
    actor: User,
    account: OfficialAccount,
    login_id: str,
    password: str,
    recovery_email: str = "",
    recovery_phone: str = "",
    two_factor_method: str = "none",
    two_factor_storage: str = "",
    custodian: User | None = None,
    rotation_interval_days: int | None = None,
    request: HttpRequest | None = None,
) -> Credential:
    """Register an account's login details, the password only if it is strong (G-4-7)."""
    _guard_manage("vault.credential_stored", actor, account, request, account)
    if Credential.objects.filter(account=account).exists():
        raise refusal(
            "vault.credential_stored",
            _(
                "このアカウントの認証情報は既に登録されています。変更は「パスワード変更の記録」から行ってください。"
            ),
            actor=actor,
            target=account,
            department=account.lead_department,
            request=request,
        )
    _check_password("vault.credential_stored", actor, account, password, login_id, request, account)
    with transaction.atomic():
        credential = Credential.objects.create(
            account=account,
            login_id=login_id.strip(),
            password_encrypted=crypto.encrypt(password),
            recovery_email_encrypted=crypto.encrypt(recovery_email.strip()),
            recovery_phone_encrypted=crypto.encrypt(recovery_phone.strip()),
            two_factor_method=two_factor_method,
            two_factor_storage=two_factor_storage.strip(),
            custodian=custodian,
            rotation_interval_days=rotation_interval_days or conf.get("KAGAMI_VAULT_ROTATION_DAYS"),
            last_rotated_at=timezone.now(),
            last_rotated_by=actor,
            holders=sorted(entitled_operator_ids(account) | {actor.pk}),
        )
        audit.record(
            "vault.credential_stored",
            actor=actor,
            target=credential,
            department=account.lead_department,
            data={
                "items": [code for code, _label in credential.secret_items()],
                "two_factor_method": two_factor_method,
                "custodian": str(custodian or ""),
            },
            request=request,
        )
    return credential


def _keep_old(credential: Credential, item: str, token: str, actor: User | None) -> None:
    if token:
        OldSecret.objects.create(
            credential=credential, item=item, value_encrypted=token, replaced_by=actor
        )


def update_credential(
    *,
    actor: User,
    credential: Credential,
    request: HttpRequest | None = None,
    recovery_email: str | None = None,
    recovery_phone: str | None = None,
    **changes: Any,
) -> Credential:
    """Change the non-secret details, and the recovery e-mail or phone if given (G-4-7)."""
    account = credential.account
    _guard_manage("vault.credential_updated", actor, account, request, credential)
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not a detail of a credential: {sorted(unknown)}")
    with transaction.atomic():
        changed = sorted(k for k, v in changes.items() if getattr(credential, k) != v)
        columns = list(changed)
        for field in changed:
            setattr(credential, field, changes[field])
        for item, value in (
            (SecretItem.RECOVERY_EMAIL, recovery_email),
            (SecretItem.RECOVERY_PHONE, recovery_phone),
        ):
            column = f"{item.value}_encrypted"
            stored = getattr(credential, column)
            if value is None or (value.strip() == "" and not stored):
                continue
            if stored and crypto.decrypt(stored) == value.strip():
                continue
            _keep_old(credential, item.value, stored, actor)
            setattr(credential, column, crypto.encrypt(value.strip()))
            changed.append(item.value)
            columns.append(column)
        if changed:
            credential.save(update_fields=[*columns, "updated_at"])
        audit.record(
            "vault.credential_updated",
            actor=actor,
            target=credential,
            department=account.lead_department,
            data={"fields": changed},
            request=request,
        )
    return credential


def record_rotation(
    *,
    actor: User,
    credential: Credential,
    new_password: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> Credential:
    """Record a password change made on the platform: the new password (if strong) replaces
    the old one, which is kept encrypted for a short time; open tasks close (G-4-7)."""
    account = credential.account
    _guard_manage("vault.rotation_recorded", actor, account, request, credential)
    _check_password(
        "vault.rotation_recorded",
        actor,
        account,
        new_password,
        credential.login_id,
        request,
        credential,
    )
    kept = credential.old_secrets.filter(item=SecretItem.PASSWORD)
    previous = [credential.password_encrypted, *kept.values_list("value_encrypted", flat=True)]
    if any(token and crypto.decrypt(token) == new_password for token in previous):
        raise refusal(
            "vault.rotation_recorded",
            _("最近使ったパスワードと同じです。新しいパスワードを設定してください。"),
            actor=actor,
            target=credential,
            department=account.lead_department,
            request=request,
            code="reused_password",
        )
    now = timezone.now()
    with transaction.atomic():
        _keep_old(credential, SecretItem.PASSWORD.value, credential.password_encrypted, actor)
        credential.password_encrypted = crypto.encrypt(new_password)
        credential.last_rotated_at = now
        credential.last_rotated_by = actor
        credential.reminded_for = None
        credential.holders = sorted(entitled_operator_ids(account) | {actor.pk})
        credential.save(
            update_fields=[
                "password_encrypted",
                "last_rotated_at",
                "last_rotated_by",
                "reminded_for",
                "holders",
                "updated_at",
            ]
        )
        open_tasks = credential.rotation_tasks.filter(status=TaskStatus.OPEN)
        closed = sorted(open_tasks.values_list("pk", flat=True))
        open_tasks.update(status=TaskStatus.DONE, done_at=now, done_by=actor)
        audit.record(
            "vault.rotation_recorded",
            actor=actor,
            target=credential,
            department=account.lead_department,
            data={"closed_tasks": closed, "note": note.strip()},
            request=request,
        )
    return credential


def set_api_token(
    *,
    actor: User,
    credential: Credential,
    name: str,
    value: str,
    request: HttpRequest | None = None,
) -> ApiToken:
    """Store a publishing adapter's API token by name; a replaced one is kept a while (G-4-7)."""
    account = credential.account
    _guard_manage("vault.api_token_set", actor, account, request, credential)
    if not value.strip():
        raise refusal(
            "vault.api_token_set",
            _("トークンを入力してください。"),
            actor=actor,
            target=credential,
            department=account.lead_department,
            request=request,
        )
    with transaction.atomic():
        token = ApiToken.objects.filter(credential=credential, name=name).first()
        if token is None:
            token = ApiToken(credential=credential, name=name)
        else:
            _keep_old(credential, TOKEN_PREFIX + name, token.value_encrypted, actor)
        token.value_encrypted = crypto.encrypt(value.strip())
        token.updated_at = timezone.now()
        token.updated_by = actor
        token.save()
        # A token a person sets (a new app password, a re-authorised access token) makes what
        # the adapter derived from the old ones stale: drop it, the adapter derives it again.
        ApiToken.objects.filter(credential=credential, name__in=ApiToken.DERIVED).exclude(
            name=name
        ).delete()
        audit.record(
            "vault.api_token_set",
            actor=actor,
            target=credential,
            department=account.lead_department,
            data={"name": name},
            request=request,
        )
    return token


def store_refreshed_tokens(
    account: OfficialAccount, changes: dict[str, str], platform: str
) -> None:
    """A publishing adapter refreshed the account's API tokens (X rotates its refresh token
    on every use): store the new values at once, committed, audited by name only. The old
    values are spent, so none is kept."""
    credential = Credential.objects.filter(account=account).first()
    if credential is None:
        return
    now = timezone.now()
    with transaction.atomic():
        for name, value in sorted(changes.items()):
            token = ApiToken.objects.filter(credential=credential, name=name).first()
            if token is None:
                token = ApiToken(credential=credential, name=name)
            token.value_encrypted = crypto.encrypt(value)
            token.updated_at, token.updated_by = now, None
            token.save()
        audit.record(
            "vault.api_token_refreshed",
            target=credential,
            department=account.lead_department,
            data={"names": sorted(changes), "platform": platform},
        )


# Rotation tasks -------------------------------------------------------------------------
def _open_task(
    credential: Credential,
    reason: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> RotationTask:
    task = RotationTask.objects.create(
        credential=credential,
        reason=reason,
        subject=subject,
        note=note,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    account = credential.account
    audit.record(
        "vault.compromise_reported"
        if reason == RotationReason.COMPROMISE
        else "vault.rotation_task_opened",
        actor=actor,
        target=credential,
        department=account.lead_department,
        data={"task": task.pk, "reason": reason, "subject": str(subject or ""), "note": note},
        request=request,
    )
    notify_on_commit(
        [*responsible_for(credential), *account.lead_department.heads()],
        _("【要対応】%(account)s のパスワード変更") % {"account": account},
        _(
            "%(account)s のパスワードを変更してください（理由: %(reason)s）。"
            "SNSでパスワードを変更したら、Kagami に新しいパスワードを記録してください。"
        )
        % {"account": account, "reason": task.get_reason_display()},
        credential_link(credential),
    )
    return task


def flag_rejected_credentials(account: OfficialAccount, message: str) -> RotationTask | None:
    """The publishing worker found the account's token or password refused by the platform:
    open one task for the custodian and the heads (no duplicate while one is open)."""
    credential = Credential.objects.filter(account=account).first()
    if credential is None:
        return None
    open_task = credential.rotation_tasks.filter(
        reason=RotationReason.REJECTED, status=TaskStatus.OPEN
    ).first()
    if open_task is not None:
        return open_task
    with transaction.atomic():
        return _open_task(credential, RotationReason.REJECTED, note=message[:300])


def report_compromise(
    *,
    actor: User,
    credential: Credential,
    note: str,
    request: HttpRequest | None = None,
) -> RotationTask:
    """Someone suspects the login was leaked or misused: a rotation task opens (G-4-7)."""
    account = credential.account
    if not can_report_compromise(actor, account):
        raise refusal(
            "vault.compromise_reported",
            _(
                "このアカウントの不正アクセスを報告できるのは、運用する所属の職員と情報政策担当課です。"
            ),
            actor=actor,
            target=credential,
            department=account.lead_department,
            request=request,
        )
    if not note.strip():
        raise refusal(
            "vault.compromise_reported",
            _("気づいたこと（いつ、何が起きたか）を入力してください。"),
            actor=actor,
            target=credential,
            department=account.lead_department,
            request=request,
        )
    with transaction.atomic():
        return _open_task(
            credential,
            RotationReason.COMPROMISE,
            actor=actor,
            note=note.strip(),
            request=request,
        )


def _leavers(credential: Credential) -> set[int]:
    """Ids of people who may know the password and may no longer see it: holders who lost
    the right, and operators whose membership of the account's departments ended since the
    last rotation (or who were removed from the operators)."""
    account = credential.account
    candidates = set(credential.holders)
    if credential.last_rotated_at is not None:
        since = timezone.localdate(credential.last_rotated_at)
        ended = Membership.objects.filter(
            department__in=account.departments.all(), valid_until__gte=since
        ).values("user")
        candidates |= set(account.operators.filter(pk__in=ended).values_list("pk", flat=True))
    users = User.objects.filter(pk__in=candidates)
    return {user.pk for user in users if not can_reveal(user, account)}


def open_tasks_for_leavers() -> int:
    """Open a rotation task for each person who knew a password and left the account or its
    departments (personnel transfers); idempotent, run periodically (G-4-7)."""
    opened = 0
    credentials = Credential.objects.select_related("account__lead_department", "custodian")
    for credential in credentials.iterator(chunk_size=200):
        entitled = entitled_operator_ids(credential.account)
        leavers = _leavers(credential)
        with transaction.atomic():
            holders = set(credential.holders) | entitled
            if holders != set(credential.holders):
                credential.holders = sorted(holders)
                credential.save(update_fields=["holders"])
            already = set(
                credential.rotation_tasks.filter(
                    status=TaskStatus.OPEN, reason=RotationReason.OPERATOR_LEFT
                ).values_list("subject_id", flat=True)
            )
            for subject in User.objects.filter(pk__in=leavers - already):
                _open_task(
                    credential,
                    RotationReason.OPERATOR_LEFT,
                    subject=subject,
                    note=_(
                        "%(user)s さんはこのアカウントの担当を外れました（異動・交代）。"
                        "パスワードを変更してください。"
                    )
                    % {"user": subject},
                )
                opened += 1
    return opened


def remind_due_rotations(today: date | None = None) -> int:
    """E-mail the custodian once, N days before the password is due; open a task once it is
    overdue (G-4-7). Idempotent."""
    today = today or timezone.localdate()
    ahead = timedelta(days=conf.get("KAGAMI_VAULT_REMIND_DAYS"))
    count = 0
    credentials = Credential.objects.filter(last_rotated_at__isnull=False).select_related(
        "account__lead_department", "custodian"
    )
    for credential in credentials.iterator(chunk_size=200):
        due = credential.due_on()
        assert due is not None
        with transaction.atomic():
            if today >= due - ahead and credential.reminded_for != due:
                credential.reminded_for = due
                credential.save(update_fields=["reminded_for"])
                account = credential.account
                recipients = responsible_for(credential)
                audit.record(
                    "vault.reminder_sent",
                    target=credential,
                    department=account.lead_department,
                    data={"due": due.isoformat(), "to": [str(u) for u in recipients]},
                )
                notify_on_commit(
                    recipients,
                    _("%(account)s のパスワード変更期限（%(due)s）")
                    % {"account": account, "due": due.isoformat()},
                    _(
                        "%(account)s のパスワードの変更期限は %(due)s です。"
                        "期限までにSNSでパスワードを変更し、Kagami に記録してください。"
                    )
                    % {"account": account, "due": due.isoformat()},
                    credential_link(credential),
                )
                count += 1
            overdue = today > due
            has_task = credential.rotation_tasks.filter(
                status=TaskStatus.OPEN, reason=RotationReason.DUE
            ).exists()
            if overdue and not has_task:
                _open_task(
                    credential,
                    RotationReason.DUE,
                    note=_("変更期限（%(due)s）を過ぎています。") % {"due": due.isoformat()},
                )
                count += 1
    return count


def destroy_old_secrets(now: datetime | None = None) -> int:
    """Destroy replaced secrets kept longer than KAGAMI_VAULT_KEEP_OLD_DAYS (G-4-7)."""
    now = now or timezone.now()
    limit = now - timedelta(days=conf.get("KAGAMI_VAULT_KEEP_OLD_DAYS"))
    expired = OldSecret.objects.filter(replaced_at__lt=limit)
    destroyed = 0
    for credential in Credential.objects.filter(old_secrets__in=expired).distinct():
        with transaction.atomic():
            rows = OldSecret.objects.filter(credential=credential, replaced_at__lt=limit)
            items = sorted(set(rows.values_list("item", flat=True)))
            count, _detail = rows.delete()
            audit.record(
                "vault.old_secrets_destroyed",
                target=credential,
                department=credential.account.lead_department,
                data={"count": count, "items": items},
            )
            destroyed += count
    return destroyed
