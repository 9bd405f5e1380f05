"""Building registry records for tests the way a department does, through the workflow."""

from datetime import date

from kagami.orgs.models import Department, Membership, User
from kagami.registry import documents, register, reports, workflow
from kagami.registry.importer import REGISTER_HEADER
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
    documents.file_policy(
        actor=head,
        policy=documents.save_policy_draft(
            actor=head, account=account, items=policy_draft(account)
        ),
    )
    items, clauses = terms_draft(account)
    documents.file_terms(
        actor=head,
        terms=documents.save_terms_draft(actor=head, account=account, items=items, clauses=clauses),
    )
    return account


def publishing_account(
    *, head: User, policy_officer: User, department: Department, **details: str
) -> OfficialAccount:
    """An account whose start report the policy division accepted: it may publish."""
    account = documented_account(head=head, department=department, **details)
    report = reports.file_start_report(actor=head, account=account, start_date=date(2026, 11, 1))
    reports.accept_report(actor=policy_officer, report=report)
    account.refresh_from_db()
    return account


def add_member(
    department: Department,
    login: str,
    name: str,
    *,
    role: str = "staff",
    **extra: object,
) -> User:
    """Another person of `department` (e.g. a contractor: contractor_company=…,
    access_ends_on=…), beside the fixed test cast."""
    user = User.objects.create_user(
        email=f"{login}@town.example.lg.jp", password=None, display_name=name, **extra
    )
    Membership.objects.create(
        user=user, department=department, role=role, valid_from=date(2020, 4, 1)
    )
    return user


def imported_account(
    *,
    policy_officer: User,
    row: str = "X,鏡野町【公式】,@kagamino_town,https://x.com/kagamino_town,総務課,,,運用中,2026/4/1",
) -> OfficialAccount:
    """An account taken over from the town's old register (a CSV row), as the policy
    division imports it: 運用中, with no policy, terms or start report in Kagami."""
    batch = register.upload_register(
        actor=policy_officer, file_name="台帳.csv", content=(REGISTER_HEADER + row + "\n").encode()
    )
    register.apply_register(actor=policy_officer, batch=batch)
    return OfficialAccount.objects.get(imported=True, handle=row.split(",")[2])
