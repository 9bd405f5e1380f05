"""Building registry records for tests the way a department does, through the workflow."""

from datetime import date

from kagami.orgs.models import Department, User
from kagami.registry import workflow
from kagami.registry.models import OfficialAccount, Platform
from kagami.registry.wording import policy_draft, terms_draft


def documented_account(
    *,
    head: User,
    department: Department,
    platform: str = "x",
    name: str = "鏡野町【公式】",
    handle: str = "@kagamino_town",
    url: str = "https://x.com/kagamino_town",
) -> OfficialAccount:
    """A planned account whose policy and terms (the model wording) are filed."""
    account = workflow.plan_account(
        actor=head,
        platform=Platform.objects.get(code=platform),
        name=name,
        handle=handle,
        url=url,
        lead_department=department,
    )
    workflow.file_policy(
        actor=head,
        policy=workflow.save_policy_draft(actor=head, account=account, items=policy_draft(account)),
    )
    items, clauses = terms_draft(account)
    workflow.file_terms(
        actor=head,
        terms=workflow.save_terms_draft(actor=head, account=account, items=items, clauses=clauses),
    )
    return account


def publishing_account(
    *, head: User, policy_officer: User, department: Department, **details: str
) -> OfficialAccount:
    """An account whose start report the policy division accepted: it may publish."""
    account = documented_account(head=head, department=department, **details)
    report = workflow.file_start_report(actor=head, account=account, start_date=date(2026, 11, 1))
    workflow.accept_report(actor=policy_officer, report=report)
    account.refresh_from_db()
    return account
