"""Official accounts made through the real workflow, for the public directory's tests."""

from datetime import date

from kagami.registry import documents, reports, workflow
from kagami.registry.models import END_CHECKLIST, EndKind, OfficialAccount, Platform, Report

POLICY = {
    "platform_text": "X（旧Twitter）を利用します。",
    "account_text": "アカウント名: 鏡野町役場 総務課\n運用者: 鏡野町 総務課",
    "purpose": "町政情報を町民の皆さんに速やかにお届けするため。",
    "content": "町からのお知らせ、イベント情報、防災情報を発信します。",
    "operation_method": "平日8時30分から17時15分まで運用します。原則として返信しません。",
    "personal_information": "コメントに含まれる個人情報は、鏡野町個人情報保護条例に従って扱います。",
}
TERMS = {
    "preamble": "この規約は、鏡野町の公式アカウントを利用するすべての方に適用されます。",
    "ip_ownership": "このアカウントで発信する文章・画像の著作権は鏡野町に帰属します。",
    "disclaimer": "掲載した情報の利用により生じた損害について、鏡野町は責任を負いません。",
}
CLAUSES = [
    ("defamation", "他人を誹謗中傷し、または名誉を傷つける投稿"),
    ("privacy", "個人情報を含む投稿"),
    ("impersonation", "町や他人になりすました投稿"),
]


def planned_account(
    cast: object,
    *,
    platform: str = "x",
    name: str = "鏡野町役場 総務課",
    handle: str = "@Kagamino_Town",
    url: str = "https://x.com/Kagamino_Town",
) -> OfficialAccount:
    """An account with filed policy and terms, still 計画中."""
    head = cast.suzuki  # type: ignore[attr-defined]
    account = workflow.plan_account(
        actor=head,
        platform=Platform.objects.get(code=platform),
        name=name,
        handle=handle,
        url=url,
        lead_department=cast.somu,  # type: ignore[attr-defined]
    )
    policy = documents.save_policy_draft(actor=head, account=account, items=POLICY)
    documents.file_policy(actor=head, policy=policy)
    terms = documents.save_terms_draft(actor=head, account=account, clauses=CLAUSES, items=TERMS)
    documents.file_terms(actor=head, terms=terms)
    return account


def start(cast: object, account: OfficialAccount) -> OfficialAccount:
    """File the start report and have the policy division accept it (→ 開始報告済)."""
    report = reports.file_start_report(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        start_date=date(2026, 4, 1),
    )
    reports.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]
    account.refresh_from_db()
    return account


def stop(cast: object, account: OfficialAccount, end_kind: str = EndKind.END) -> Report:
    """File and accept an end (or suspension) report."""
    report = reports.file_end_report(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        end_kind=end_kind,
        end_date=date(2026, 9, 30),
        reason="事業の終了に伴い運用を終了します。",
        disposition="lock",
        checklist={key: True for key in END_CHECKLIST},
    )
    reports.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]
    account.refresh_from_db()
    return report


def listed_account(cast: object, **fields: str) -> OfficialAccount:
    return start(cast, planned_account(cast, **fields))
