"""An impersonation in a real browser (G-6-3): staff record the fake and a screenshot, the head
records the request to the platform and its removal, and the public directory warns while the
case is open and not after. The pages pass axe-core."""

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kagami.incidents import watch
from kagami.incidents.models import Case
from kagami.incidents.models.cases import CaseState
from kagami.publishing.adapters.base import FoundUser
from kagami.registry.testing import publishing_account
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAKE_URL = "https://x.com/kagamino_town_jp"


def test_staff_record_a_fake_the_head_gets_it_removed_and_the_warning_goes(
    page: Any, live_server: Any, cast: Any, browser: Any, tmp_path: Path
) -> None:
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    _sign_in(page, live_server, cast.tanaka)
    page.goto(f"{live_server.url}/incidents/cases/")
    assert_accessible(page)
    page.get_by_role("link", name="なりすましアカウントを記録する").click()
    page.wait_for_url("**/incidents/cases/new/")
    assert_accessible(page)
    page.get_by_label("まねされている町のアカウント").select_option(str(account.pk))
    page.get_by_label("偽アカウントのSNS").select_option("x")
    page.get_by_label("偽アカウントのユーザーID").fill("@kagamino_town_jp")
    page.get_by_label("偽アカウントのURL（https://…）").fill(FAKE_URL)
    page.get_by_label("発見のきっかけ").fill("住民からの電話")
    page.get_by_role("button", name="記録する").click()
    page.wait_for_url("**/incidents/cases/*/")
    case = Case.objects.get()
    assert page.locator(f'a[href="{FAKE_URL}"]').count() == 0
    screenshot = tmp_path / "fake.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    screenshot.write_bytes(buffer.getvalue())
    page.get_by_label(
        "ファイル（画像: JPEG・PNG・GIF・WebP、またはPDF。10MB まで）"
    ).set_input_files(str(screenshot))
    page.get_by_role("button", name="証拠を追加する").click()
    page.wait_for_load_state()
    assert "証拠を追加しました" in page.content()
    assert_accessible(page)

    anonymous = browser.new_context(locale="ja-JP").new_page()
    anonymous.goto(f"{live_server.url}/public/")
    assert "@kagamino_town_jp" in anonymous.content()
    assert anonymous.locator(f'a[href="{FAKE_URL}"]').count() == 0
    assert_accessible(anonymous)
    anonymous.goto(f"{live_server.url}/public/check/?q=%40kagamino_town_jp")
    assert "として確認しています" in anonymous.content()
    assert_accessible(anonymous)

    page.context.clear_cookies()
    _sign_in(page, live_server, cast.suzuki)
    page.goto(f"{live_server.url}/incidents/cases/{case.pk}/")
    assert_accessible(page)
    page.get_by_label("受付番号").fill("X-12345")
    page.get_by_role("button", name="依頼を記録する").click()
    page.wait_for_load_state()
    page.get_by_label("結果").select_option("removed")
    page.get_by_role("button", name="回答を記録する").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert_accessible(page)

    anonymous.goto(f"{live_server.url}/public/")
    assert "@kagamino_town_jp" not in anonymous.content()
    anonymous.context.close()

    # The other screens of the head: recording a hijack, and judging a look-alike.
    page.goto(f"{live_server.url}/incidents/cases/hijack/")
    assert_accessible(page)
    watch._keep_candidate(
        account.platform,
        account.pk,
        FoundUser("@kagamin0_town", "鏡野町", "https://x.com/kagamin0_town", "1"),
        case.found_at,
    )
    page.goto(f"{live_server.url}/incidents/lookalikes/")
    assert page.locator('a[href="https://x.com/kagamin0_town"]').count() == 0
    assert_accessible(page)
    page.get_by_label("判断の理由").fill("個人のファンアカウント")
    page.get_by_role("button", name="問題なしとする").click()
    page.wait_for_load_state()
    assert "問題なしと記録しました" in page.content()
