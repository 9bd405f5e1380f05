"""Demo accounts of the demo town, created through the real workflow (idempotent)."""

from datetime import timedelta

from django.utils import timezone

from kagami.orgs.models import Department, User
from kagami.registry import documents, register, reports, workflow
from kagami.registry.importer import REGISTER_HEADER
from kagami.registry.models import OfficialAccount, Platform
from kagami.registry.wording import policy_draft, terms_draft

# (platform, name, handle, url, lead department, joint departments, theme, operators,
#  head, how far along)
ACCOUNTS = [
    (
        "x",
        "鏡野町【公式】",
        "@kagamino_town",
        "https://x.com/kagamino_town",
        "somu",
        [],
        "",
        ["tanaka"],
        "suzuki",
        "active",
    ),
    (
        "instagram",
        "鏡野町観光協会×鏡野町",
        "kagamino_kanko",
        "https://www.instagram.com/kagamino_kanko/",
        "sangyo",
        [],
        "",
        ["sato", "matsumoto"],
        "yamamoto",
        "active",
    ),
    (
        "line",
        "かがみの子育て応援",
        "@kagamino_kosodate",
        "https://lin.ee/kagamino_kosodate",
        "kenko",
        ["kyoiku"],
        "子育て支援（健診・予防接種・学校行事のお知らせ）",
        ["kato"],
        "yoshida",
        "reported",
    ),
    (
        "bluesky",
        "鏡野町 防災情報",
        "kagamino-bousai.bsky.social",
        "https://bsky.app/profile/kagamino-bousai.bsky.social",
        "somu",
        [],
        "",
        ["tanaka", "nakamura"],
        "suzuki",
        "documents",
    ),
]


# An account the town ran before Kagami, taken over from its old register: it waits for its
# documents (or the paper start report) before it publishes and is listed.
IMPORTED = (
    "YouTube,鏡野町公式チャンネル,@kagamino_channel,https://www.youtube.com/@kagamino_channel,"
    "{department},,,運用中,2025/4/1"
)


def load_demo_accounts(email_domain: str) -> None:
    policy_officer = User.objects.get(email=f"takahashi@{email_domain}")
    for code, name, handle, url, lead, joint, theme, operators, head_login, stage in ACCOUNTS:
        platform = Platform.objects.get(code=code)
        if OfficialAccount.objects.filter(platform=platform, handle=handle).exists():
            continue
        head = User.objects.get(email=f"{head_login}@{email_domain}")
        account = workflow.plan_account(
            actor=head,
            platform=platform,
            name=name,
            handle=handle,
            url=url,
            lead_department=Department.objects.get(code=lead),
            departments=Department.objects.filter(code__in=joint),
            joint_theme=theme,
            operators=User.objects.filter(email__in=[f"{o}@{email_domain}" for o in operators]),
        )
        documents.file_policy(
            actor=head,
            policy=documents.save_policy_draft(
                actor=head, account=account, items=policy_draft(account)
            ),
        )
        wording, clauses = terms_draft(account)
        terms = documents.save_terms_draft(
            actor=head, account=account, clauses=clauses, items=wording
        )
        documents.file_terms(actor=head, terms=terms)
        if stage == "documents":
            continue  # ready for its head to file the start report
        report = reports.file_start_report(
            actor=head,
            account=account,
            start_date=timezone.localdate() + timedelta(days=7),
            contact="内線 2101",
            checklist={"profile_link": True, "two_factor": True},
        )
        if stage == "reported":
            continue  # waiting for the policy division
        reports.accept_report(actor=policy_officer, report=report, comment="内容を確認しました。")
        workflow.begin_operation(actor=head, account=account)
        workflow.review_account(actor=head, account=account, profile_shows_directory=True)
    if not OfficialAccount.objects.filter(handle="@kagamino_channel").exists():
        row = IMPORTED.format(department=Department.objects.get(code="somu").name)
        batch = register.upload_register(
            actor=policy_officer,
            file_name="公式アカウント台帳.csv",
            content=(REGISTER_HEADER + row + "\n").encode(),
        )
        register.apply_register(actor=policy_officer, batch=batch)
