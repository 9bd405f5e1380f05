"""The account register a town keeps today as a spreadsheet: upload, preview, and apply in
one transaction (accounts it brings in still need their documents, G-4-2)."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.tables import parse_date
from kagami.orgs.models import User
from kagami.registry.importer import plan_register, read_register_file
from kagami.registry.models import (
    OfficialAccount,
    RegisterImport,
)
from kagami.registry.workflow import (
    refusal,
)


def upload_register(
    *, actor: User, file_name: str, content: bytes, request: HttpRequest | None = None
) -> RegisterImport:
    """Keep an uploaded account register for preview (policy division). A file that cannot be
    read raises TableFileError and stores nothing."""
    if not actor.is_policy_division:
        raise refusal(
            "registry.register_uploaded",
            _("台帳を取り込めるのは情報政策担当課だけです。"),
            actor=actor,
            request=request,
        )
    rows = read_register_file(file_name, content)
    with transaction.atomic():
        batch = RegisterImport.objects.create(
            file_name=file_name[:255], uploaded_by=actor, rows=rows
        )
        audit.record(
            "registry.register_uploaded",
            actor=actor,
            target=batch,
            data={"rows": len(rows)},
            request=request,
        )
    return batch


def apply_register(
    *, actor: User, batch: RegisterImport, request: HttpRequest | None = None
) -> int:
    """Register every row of a previewed register in one transaction, or none of them.

    These accounts exist already, so they enter as 運用中 or 休止中, marked imported and
    missing their documents: they neither publish nor appear in the public directory until
    their policy and terms are filed and a start report accepted, or the policy division
    records the paper start report (`record_paper_report`)."""
    if not actor.is_policy_division:
        raise refusal(
            "registry.register_applied",
            _("台帳を取り込めるのは情報政策担当課だけです。"),
            actor=actor,
            request=request,
        )
    with transaction.atomic():
        batch = RegisterImport.objects.select_for_update().get(pk=batch.pk)
        if batch.status != RegisterImport.Status.PREVIEWED:
            raise DomainError(_("この取込みは既に反映済みか、取りやめられています。"))
        plans = plan_register(batch.rows)
        problems = sum(len(plan.errors) for plan in plans)
        if problems:
            raise DomainError(
                _(
                    "問題のある行が %(count)s 件あるため、反映しませんでした。ファイルを直して取り込み直してください。"
                )
                % {"count": problems}
            )
        for plan in plans:
            assert plan.platform is not None and plan.department is not None
            row = plan.row
            account = OfficialAccount.objects.create(
                platform=plan.platform,
                name=row["name"],
                handle=row["handle"],
                url=row["url"],
                lead_department=plan.department,
                joint_theme=row["joint_theme"],
                state=plan.state,
                last_reviewed_on=parse_date(row["last_reviewed"]) if row["last_reviewed"] else None,
                imported=True,
                documents_missing=True,
            )
            account.departments.set({plan.department, *plan.joint})
            audit.record(
                "registry.account_imported",
                actor=actor,
                target=account,
                department=plan.department,
                data={"batch": batch.pk, "line": plan.line, "state": plan.state},
                request=request,
            )
        batch.status = RegisterImport.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.save(update_fields=["status", "applied_at"])
        audit.record(
            "registry.register_applied",
            actor=actor,
            target=batch,
            data={"accounts": len(plans)},
            request=request,
        )
    return len(plans)
