"""A 炎上 in a real browser (G-6-4): the head declares it, drafts a holding statement that
the policy division approves on the fast track, it goes out while everything else waits, and
the incident closes with a review the policy division accepts. The pages pass axe-core."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from kagami.incidents.models import Incident
from kagami.incidents.models.flaming import IncidentState
from kagami.lib.workcalendar import JST
from kagami.posts.models import Post, PostState
from kagami.publishing import worker
from kagami.publishing.models import SandboxPost
from kagami.registry.testing import publishing_account
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 12, 8, 10, 0, tzinfo=JST)


def test_a_head_declares_a_flaming_publishes_a_statement_and_closes_it(
    page: Any, live_server: Any, cast: Any, browser: Any
) -> None:
    with time_machine.travel(START, tick=True) as traveller:
        account = publishing_account(
            head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
        )
        _sign_in(page, live_server, cast.suzuki)
        page.goto(f"{live_server.url}/incidents/")
        assert_accessible(page)
        page.get_by_label(f"{account.name}（{account.platform}）").check()
        page.get_by_label("何が起きているか").fill("ごみ収集日の誤りへの批判が急増しています。")
        page.get_by_role("button", name="炎上対応を始める").click()
        page.wait_for_url("**/incidents/*/")
        incident = Incident.objects.get()
        assert "まだありません" in page.locator("body").inner_text()
        assert_accessible(page)

        # The head drafts a holding statement from the town's text and asks for approval.
        page.get_by_label("声明の種類").select_option("holding")
        page.get_by_role("button", name="下書きを作る").click()
        page.wait_for_url("**/posts/*/edit/")
        statement = Post.objects.get(statement="holding")
        page.goto(f"{live_server.url}/posts/{statement.pk}/")
        page.get_by_role("button", name="所属長に承認を依頼する").click()
        page.wait_for_load_state()

        # The policy division approves it on the fast track (the head wrote it).
        other = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
        _sign_in(other, live_server, cast.takahashi)
        other.goto(f"{live_server.url}/posts/{statement.pk}/")
        other.get_by_role("button", name="承認する").click()
        other.wait_for_load_state()
        statement.refresh_from_db()
        assert statement.state == PostState.APPROVED

        traveller.move_to(START + timedelta(minutes=15))
        worker.run_once()
        assert [p.text for p in SandboxPost.objects.all()] == [statement.text]
        page.goto(f"{live_server.url}/incidents/{incident.pk}/")
        assert "まだありません" not in page.locator("table").inner_text()

        # The review, then the policy division closes it.
        page.get_by_text("振り返りを書く（対応が落ち着いてから）").click()
        page.get_by_label("何が起きたか").fill("収集日を誤って投稿し、批判が集まった。")
        page.get_by_label("原因").fill("日付の確認が担当者一人だけだった。")
        page.get_by_label("再発防止策").fill("日付は二人で確認する。")
        page.get_by_role("button", name="振り返りを提出する").click()
        page.wait_for_load_state()
        other.goto(f"{live_server.url}/incidents/{incident.pk}/")
        assert_accessible(other)
        other.get_by_role("button", name="受理して炎上対応を終える").click()
        other.wait_for_load_state()
        incident.refresh_from_db()
        assert incident.state == IncidentState.CLOSED
        other.goto(f"{live_server.url}/incidents/{incident.pk}/print/")
        assert "日付は二人で確認する。" in other.locator("main").inner_text()
        assert_accessible(other)
