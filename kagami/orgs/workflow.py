"""State changes of people and roles. Each function is one transaction with its audit event."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.orgs.models import (
    ActingAppointment,
    Department,
    Membership,
    Role,
    TransferBatch,
    User,
    today,
)
from kagami.orgs.transfers import plan_transfers, read_transfer_file


def start_membership(
    *,
    actor: User | None,
    user: User,
    department: Department,
    role: str = Role.STAFF,
    valid_from: date | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Place `user` in `department` from `valid_from` (default today)."""
    if user.is_contractor and role == Role.HEAD:
        raise DomainError(_("委託事業者を所属長にすることはできません。"))
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user, department=department, role=role, valid_from=valid_from or today()
        )
        audit.record(
            "orgs.membership_started",
            actor=actor,
            target=user,
            department=department,
            data={"role": role, "valid_from": membership.valid_from.isoformat()},
            request=request,
        )
    return membership


def end_membership(
    *,
    actor: User | None,
    membership: Membership,
    last_day: date | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Close a membership on `last_day` (inclusive). It is kept, never deleted."""
    last_day = last_day or today()
    if last_day < membership.valid_from:
        raise DomainError(_("終了日が開始日より前になっています。"))
    with transaction.atomic():
        membership.valid_until = last_day
        membership.save(update_fields=["valid_until"])
        audit.record(
            "orgs.membership_ended",
            actor=actor,
            target=membership.user,
            department=membership.department,
            data={"role": membership.role, "valid_until": last_day.isoformat()},
            request=request,
        )
    return membership


def appoint_acting_approver(
    *,
    head: User,
    department: Department,
    deputy: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    request: HttpRequest | None = None,
) -> ActingAppointment:
    """A head appoints a member of the department to approve in their place (代決, G-5-2)
    for a period; the appointment ends by itself at `ends_at`."""
    if not head.is_head_of(department):
        raise DomainError(_("代決者を指定できるのは、その所属の所属長だけです。"))
    if deputy == head:
        raise DomainError(_("自分自身を代決者に指定することはできません。"))
    if (
        deputy.is_contractor
        or not deputy.active_memberships().filter(department=department).exists()
    ):
        raise DomainError(_("代決者には、この所属の職員を指定してください。"))
    if ends_at <= starts_at:
        raise DomainError(_("終了日時は開始日時より後にしてください。"))
    if ends_at <= timezone.now():
        raise DomainError(_("終了日時が過ぎています。"))
    if not reason.strip():
        raise DomainError(_("理由を入力してください。"))
    with transaction.atomic():
        appointment = ActingAppointment.objects.create(
            department=department,
            appointed_by=head,
            deputy=deputy,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
        )
        audit.record(
            "orgs.acting_approver_appointed",
            actor=head,
            target=appointment,
            department=department,
            data={
                "deputy": deputy.pk,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "reason": appointment.reason,
            },
            request=request,
        )
    return appointment


def revoke_acting_appointment(
    *, actor: User, appointment: ActingAppointment, request: HttpRequest | None = None
) -> ActingAppointment:
    """End an acting appointment early (the head is back)."""
    if not (actor.is_head_of(appointment.department) or actor == appointment.appointed_by):
        raise DomainError(_("代決者の指定を取り消せるのは、その所属の所属長だけです。"))
    if appointment.revoked_at is not None or appointment.ends_at <= timezone.now():
        raise DomainError(_("この代決者の指定は既に終了しています。"))
    with transaction.atomic():
        appointment.revoked_at = timezone.now()
        appointment.revoked_by = actor
        appointment.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            "orgs.acting_approver_revoked",
            actor=actor,
            target=appointment,
            department=appointment.department,
            request=request,
        )
    return appointment


def upload_transfer_file(
    *, actor: User, file_name: str, content: bytes, request: HttpRequest | None = None
) -> TransferBatch:
    """Keep an uploaded transfer file's rows for preview. A file that cannot be read raises
    TableFileError and stores nothing."""
    rows = read_transfer_file(file_name, content)
    with transaction.atomic():
        batch = TransferBatch.objects.create(
            file_name=file_name[:255], uploaded_by=actor, rows=rows
        )
        audit.record(
            "orgs.transfer_uploaded",
            actor=actor,
            target=batch,
            data={"rows": len(rows)},
            request=request,
        )
    return batch


def apply_transfer_batch(
    *, actor: User, batch: TransferBatch, request: HttpRequest | None = None
) -> int:
    """Apply every row of a previewed transfer file in one transaction, or none of them.

    Memberships that end are closed on the day before the effective date; people leaving the
    organisation keep their records and lose access after their last day.
    """
    if not actor.can_manage_people():
        raise DomainError(_("人事異動を反映できるのは情報政策担当課とシステム管理者だけです。"))
    with transaction.atomic():
        batch = TransferBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != TransferBatch.Status.PREVIEWED:
            raise DomainError(_("この取込みは既に反映済みか、取りやめられています。"))
        plan = plan_transfers(batch.rows)
        if not plan.is_valid:
            raise DomainError(
                _(
                    "問題のある行が %(count)s 件あるため、反映しませんでした。ファイルを直して取り込み直してください。"
                )
                % {"count": len(plan.errors)}
            )
        for change in plan.changes:
            assert change.effective_date is not None
            user = change.user
            if user is None:
                user = User.objects.create_user(
                    email=change.new_user_email,
                    password=None,
                    display_name=change.name,
                    staff_number=change.staff_number,
                )
                audit.record(
                    "orgs.user_created",
                    actor=actor,
                    target=user,
                    data={"staff_number": user.staff_number, "via": "transfer", "batch": batch.pk},
                    request=request,
                )
            if change.closes is not None:
                end_membership(
                    actor=actor,
                    membership=change.closes,
                    last_day=change.effective_date - timedelta(days=1),
                    request=request,
                )
            if change.to_department is not None:
                start_membership(
                    actor=actor,
                    user=user,
                    department=change.to_department,
                    role=change.role,
                    valid_from=change.effective_date,
                    request=request,
                )
            elif (
                not Membership.objects.filter(user=user)
                .exclude(valid_until__lt=change.effective_date)
                .exists()
            ):
                user.access_ends_on = change.effective_date - timedelta(days=1)
                user.save(update_fields=["access_ends_on"])
                audit.record(
                    "orgs.user_access_ends",
                    actor=actor,
                    target=user,
                    data={"access_ends_on": user.access_ends_on.isoformat()},
                    request=request,
                )
        batch.status = TransferBatch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.applied_by = actor
        batch.save(update_fields=["status", "applied_at", "applied_by"])
        audit.record(
            "orgs.transfer_applied",
            actor=actor,
            target=batch,
            data={"changes": len(plan.changes)},
            request=request,
        )
    return len(plan.changes)


def discard_transfer_batch(
    *, actor: User, batch: TransferBatch, request: HttpRequest | None = None
) -> None:
    """Set aside a previewed file without applying it (it stays on record)."""
    with transaction.atomic():
        batch = TransferBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != TransferBatch.Status.PREVIEWED:
            raise DomainError(_("この取込みは既に反映済みか、取りやめられています。"))
        batch.status = TransferBatch.Status.DISCARDED
        batch.save(update_fields=["status"])
        audit.record("orgs.transfer_discarded", actor=actor, target=batch, request=request)


def record_mfa_change(
    *, actor: User, user: User, action: str, request: HttpRequest | None = None
) -> None:
    """Audit an MFA event: `enabled`, `disabled`, `reset` (by an administrator) or `failed`."""
    audit.record(f"auth.mfa_{action}", actor=actor, target=user, request=request)


def set_language(*, user: User, language: str, request: HttpRequest | None = None) -> None:
    """A user's choice of display language (Japanese by default)."""
    if language not in {"ja", "en"}:
        raise DomainError(_("表示言語の指定が正しくありません。"))
    with transaction.atomic():
        user.language = language
        user.save(update_fields=["language"])
        audit.record(
            "orgs.language_changed",
            actor=user,
            target=user,
            data={"language": language},
            request=request,
        )
