"""An account's operation policy (G-4-4) and terms of use (G-4-5): drafts from the model
wording, and filing, after which a version never changes."""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.orgs.models import User
from kagami.registry.models import (
    OfficialAccount,
    PolicyDocument,
    TermsClause,
    TermsDocument,
)
from kagami.registry.workflow import (
    can_manage_account,
    refusal,
)


def _open_draft[D: (PolicyDocument, TermsDocument)](
    model: type[D], account: OfficialAccount, actor: User, items: dict[str, str]
) -> D:
    """The account's unfiled version of `model` (a new version if there is none), with
    `items` written into it. Filed versions are never touched."""
    versions = model._default_manager.filter(account=account)
    draft = versions.filter(filed_at__isnull=True).first()
    if draft is None:
        version = (versions.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = model(account=account, version=version, created_by=actor)
    for field, value in items.items():
        setattr(draft, field, value)
    draft.save()
    return draft


def save_policy_draft(
    *,
    actor: User,
    account: OfficialAccount,
    items: dict[str, str],
    request: HttpRequest | None = None,
) -> PolicyDocument:
    """Create or update the account's draft operation policy (G-4-4). Filed versions stay."""
    if not can_manage_account(actor, account):
        raise refusal(
            "registry.policy_drafted",
            _("この運用方針は編集できません。"),
            actor=actor,
            target=account,
            request=request,
        )
    with transaction.atomic():
        draft = _open_draft(PolicyDocument, account, actor, items)
        audit.record(
            "registry.policy_drafted",
            actor=actor,
            target=draft,
            department=account.lead_department,
            data={"version": draft.version},
            request=request,
        )
    return draft


def _file_document[D: (PolicyDocument, TermsDocument)](
    *,
    actor: User,
    document: D,
    action: str,
    missing_message: str,
    refused_message: str,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None,
) -> D:
    """File a complete document as an immutable version, or refuse naming what is missing."""
    missing = document.missing_items()
    if missing:
        items = "、".join(label for _clause, label, _problem in missing)
        raise refusal(
            action,
            missing_message % {"items": items},
            actor=actor,
            target=document.account,
            request=request,
        )
    if not can_manage_account(actor, document.account) or document.is_filed:
        raise refusal(
            action, refused_message, actor=actor, target=document.account, request=request
        )
    with transaction.atomic():
        document.filed_at = timezone.now()
        document.filed_by = actor
        document.save(update_fields=["filed_at", "filed_by"])
        audit.record(
            action,
            actor=actor,
            target=document,
            department=document.account.lead_department,
            data={"version": document.version, **(data or {})},
            request=request,
        )
    return document


def file_policy(
    *, actor: User, policy: PolicyDocument, request: HttpRequest | None = None
) -> PolicyDocument:
    """Fix a complete policy as a version; it can no longer change (G-4-4)."""
    return _file_document(
        actor=actor,
        document=policy,
        action="registry.policy_filed",
        missing_message=_("運用方針に足りない項目があります: %(items)s"),
        refused_message=_("この運用方針は確定できません。"),
        request=request,
    )


def save_terms_draft(
    *,
    actor: User,
    account: OfficialAccount,
    items: dict[str, str],
    clauses: list[tuple[str, str]],
    request: HttpRequest | None = None,
) -> TermsDocument:
    """Create or update the draft terms of use (G-4-5); `clauses` are (category, text) in order
    and are numbered from 1."""
    if not can_manage_account(actor, account):
        raise refusal(
            "registry.terms_drafted",
            _("この利用規約は編集できません。"),
            actor=actor,
            target=account,
            request=request,
        )
    with transaction.atomic():
        draft = _open_draft(TermsDocument, account, actor, items)
        draft.clauses.all().delete()
        TermsClause.objects.bulk_create(
            TermsClause(terms=draft, number=number, category=category, text=text.strip())
            for number, (category, text) in enumerate(
                ((c, t) for c, t in clauses if t.strip()), start=1
            )
        )
        audit.record(
            "registry.terms_drafted",
            actor=actor,
            target=draft,
            department=account.lead_department,
            data={"version": draft.version, "clauses": draft.clauses.count()},
            request=request,
        )
    return draft


def file_terms(
    *, actor: User, terms: TermsDocument, request: HttpRequest | None = None
) -> TermsDocument:
    """Fix complete terms of use as a version; they can no longer change (G-4-5)."""
    return _file_document(
        actor=actor,
        document=terms,
        action="registry.terms_filed",
        missing_message=_("利用規約に足りない項目があります: %(items)s"),
        refused_message=_("この利用規約は確定できません。"),
        data={"clauses": terms.clauses.count()},
        request=request,
    )
