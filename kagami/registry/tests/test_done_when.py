"""Issue 4's acceptance, from the demo data: a head files a start report with a complete
policy and terms, the policy division accepts it, the account appears in the public directory
and its JSON feed, 様式第1号 prints every field in Japanese with embedded fonts, and the end
report removes the account again; every state change is in the audit log."""

import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kagami.audit import log as audit
from kagami.audit.models import AuditEvent
from kagami.orgs.models import User
from kagami.registry import reports, workflow
from kagami.registry.models import END_CHECKLIST, AccountState, OfficialAccount
from kagami.registry.pdf import render_report_pdf

TOKYO = ZoneInfo("Asia/Tokyo")


def _listed(client: Client, handle: str) -> bool:
    feed = client.get(reverse("public:feed")).json()
    return any(entry["handle"] == handle for entry in feed["accounts"])


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils is not installed")
def test_a_demo_account_goes_from_start_report_to_the_directory_and_out_again(
    db: None, client: Client
) -> None:
    call_command("demo")
    suzuki = User.objects.get(email="suzuki@demo.kagami.example")
    takahashi = User.objects.get(email="takahashi@demo.kagami.example")
    account = OfficialAccount.objects.get(handle="kagamino-bousai.bsky.social")
    assert (
        account.state == AccountState.PLANNED
        and account.current_policy()
        and account.current_terms()
    )
    assert not _listed(client, account.handle)
    before = AuditEvent.objects.count()

    report = reports.file_start_report(
        actor=suzuki, account=account, start_date=date(2026, 12, 1), contact="内線 2101"
    )
    reports.accept_report(actor=takahashi, report=report, comment="確認しました。")
    assert _listed(client, account.handle)
    assert account.name in client.get(reverse("public:index")).content.decode()

    pdf = render_report_pdf(report)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "form1.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
    for expected in (
        "様式第1号",
        "ソーシャルメディア運用開始報告書",
        report.document_number.replace(" ", ""),
        "企画課長",
        "総務課",
        "鈴木 花子",
        "鏡野町 防災情報",
        "Bluesky",
        "令和8年12月1日",
        "内線 2101",
        "運用方針",
        "利用規約",
    ):
        assert expected in text.replace(" ", "") or expected in text, expected
    font_rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert font_rows and all(" yes " in row for row in font_rows)

    end = reports.file_end_report(
        actor=suzuki,
        account=account,
        end_kind="end",
        end_date=date(2027, 3, 31),
        reason="防災情報は町公式アカウントに統合するため",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    reports.accept_report(actor=takahashi, report=end)
    # G-4-3: listed and publishing until the effective date, so the closing post can go out.
    assert _listed(client, account.handle)
    with time_machine.travel(datetime(2027, 3, 31, 0, 5, tzinfo=TOKYO), tick=False):
        assert not _listed(client, account.handle)  # the day has come, before the tick ran
        assert workflow.apply_scheduled_account_changes() == 1
        account.refresh_from_db()
        assert account.state == AccountState.ENDED
        assert client.get(reverse("public:account", args=[account.pk])).status_code == 404

    actions = list(
        AuditEvent.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "registry.start_report_filed",
        "registry.report_accepted",
        "registry.end_report_filed",
        "registry.report_accepted",
        "registry.scheduled_change_applied",
    ]
    assert audit.verify().ok
