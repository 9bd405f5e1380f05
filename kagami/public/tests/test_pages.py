"""The public pages (G-4-6): anyone may read them, and they show only listed accounts."""

import pytest
from django.test import override_settings

from kagami.public.tests.helpers import POLICY, listed_account, planned_account, start, stop
from kagami.registry import documents
from kagami.registry.models import EndKind

pytestmark = pytest.mark.django_db


def test_an_account_appears_when_its_start_report_is_accepted_and_goes_when_it_ends(client, cast):
    account = planned_account(cast)
    assert "鏡野町役場 総務課" not in client.get("/public/").content.decode()

    start(cast, account)
    page = client.get("/public/").content.decode()
    assert "鏡野町役場 総務課" in page
    assert "https://x.com/Kagamino_Town" in page
    assert f'href="/public/accounts/{account.pk}/#policy"' in page
    assert f'href="/public/accounts/{account.pk}/#terms"' in page
    assert "総務課" in page

    stop(cast, account)
    assert "鏡野町役場 総務課" not in client.get("/public/").content.decode()


def test_the_directory_groups_accounts_by_platform_and_labels_suspended_ones(client, cast):
    listed_account(cast)
    insta = listed_account(
        cast,
        platform="instagram",
        name="かがみの観光",
        handle="kagamino_kanko",
        url="https://www.instagram.com/kagamino_kanko/",
    )
    stop(cast, insta, EndKind.SUSPEND)

    page = client.get("/public/").content.decode()
    assert page.index('id="platform-x"') < page.index('id="platform-instagram"')
    suspended = page[page.index('id="platform-instagram"') :]
    assert "休止中" in suspended


def test_anyone_can_read_the_public_pages_without_signing_in(client, cast):
    account = listed_account(cast)
    for path in (
        "/public/",
        f"/public/accounts/{account.pk}/",
        "/public/guideline/",
        "/public/check/",
        "/public/check/?q=kagamino_town",
        "/public/directory.json",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "login" not in response.get("Location", "")


def test_a_signed_in_user_without_mfa_is_not_sent_to_set_it_up(client, cast):
    client.force_login(cast.suzuki, backend="kagami.orgs.auth.StaffLoginBackend")
    assert client.get("/public/").status_code == 200


def test_the_impersonation_area_says_there_is_nothing_to_report(client, db):
    page = client.get("/public/").content.decode()
    assert "現在、注意が必要ななりすましアカウントの情報はありません。" in page


def test_an_empty_directory_says_so(client, db):
    assert (
        "現在、掲載している公式アカウントはありません。" in client.get("/public/").content.decode()
    )


def test_the_account_page_shows_the_current_policy_and_numbered_terms(client, cast):
    account = listed_account(cast)
    page = client.get(f"/public/accounts/{account.pk}/").content.decode()
    assert "<h1>鏡野町役場 総務課" in page
    assert "町政情報を町民の皆さんに速やかにお届けするため。" in page
    assert "(f) 個人情報の取扱い" in page
    assert "第1版" in page
    assert '<li value="1">' in page
    assert '<li value="3">' in page
    assert "誹謗中傷・名誉毀損・侮辱" in page
    assert "他人を誹謗中傷し、または名誉を傷つける投稿" in page
    assert "著作権は鏡野町に帰属します" in page
    assert "責任を負いません" in page


def test_the_account_page_shows_the_newest_filed_version(client, cast):
    account = listed_account(cast)
    head = cast.suzuki
    draft = documents.save_policy_draft(
        actor=head,
        account=account,
        items={**POLICY, "purpose": "移住を考える方に町の暮らしを伝えるため。"},
    )
    page = client.get(f"/public/accounts/{account.pk}/").content.decode()
    assert "移住を考える方" not in page  # a draft is not public
    documents.file_policy(actor=head, policy=draft)
    page = client.get(f"/public/accounts/{account.pk}/").content.decode()
    assert "移住を考える方" in page
    assert "第2版" in page


def test_planned_ended_and_unknown_accounts_have_no_page(client, cast):
    planned = planned_account(cast)
    assert client.get(f"/public/accounts/{planned.pk}/").status_code == 404
    ended = listed_account(
        cast,
        platform="facebook",
        handle="kagamino.town",
        url="https://www.facebook.com/kagamino.town",
    )
    stop(cast, ended)
    assert client.get(f"/public/accounts/{ended.pk}/").status_code == 404
    assert client.get("/public/accounts/999999/").status_code == 404


def test_a_suspended_account_page_says_so(client, cast):
    account = listed_account(cast)
    stop(cast, account, EndKind.SUSPEND)
    page = client.get(f"/public/accounts/{account.pk}/").content.decode()
    assert "このアカウントは現在休止中です。" in page


def test_the_guideline_page_shows_the_guideline(client, db):
    page = client.get("/public/guideline/").content.decode()
    assert "<h1>鏡野町ソーシャルメディア運用ガイドライン</h1>" in page
    assert "６ トラブルへの対応等" in page
    # lines broken by the PDF are joined again
    assert "利用者の便宜を図るために必要と認められる場合" in page


def test_a_town_can_point_to_its_own_guideline(client, db, tmp_path):
    own = tmp_path / "guideline.txt"
    own.write_text("よその町ガイドライン\n１ 趣旨\nこの町の決まりです。\n", encoding="utf-8")
    with override_settings(KAGAMI_GUIDELINE_FILE=own):
        page = client.get("/public/guideline/").content.decode()
    assert "<h1>よその町ガイドライン</h1>" in page
    assert "この町の決まりです。" in page


def test_a_missing_guideline_file_still_answers(client, db, tmp_path, caplog):
    with override_settings(KAGAMI_GUIDELINE_FILE=tmp_path / "missing.txt"):
        response = client.get("/public/guideline/")
    assert response.status_code == 200
    assert "ガイドラインを表示できませんでした" in response.content.decode()
    assert "KAGAMI_GUIDELINE_FILE" in caplog.text


def test_the_pages_use_no_inline_scripts_styles_or_external_resources(client, cast):
    account = listed_account(cast)
    for path in ("/public/", f"/public/accounts/{account.pk}/", "/public/check/?q=x"):
        page = client.get(path).content.decode()
        assert "<script" not in page
        assert "<style" not in page
        assert "style=" not in page
        assert 'src="http' not in page
        assert "/static/public/public.css" in page


def test_the_directory_does_not_query_per_account(client, cast, django_assert_max_num_queries):
    listed_account(cast)
    listed_account(
        cast,
        platform="instagram",
        name="かがみの観光",
        handle="kagamino_kanko",
        url="https://www.instagram.com/kagamino_kanko/",
    )
    listed_account(
        cast,
        platform="facebook",
        handle="kagamino.town",
        url="https://www.facebook.com/kagamino.town",
    )
    # One of them reads the impersonation warnings (G-6-3), one the correction log (G-6-1),
    # whatever their number.
    with django_assert_max_num_queries(7):
        response = client.get("/public/")
    assert response.content.decode().count('class="public-account"') == 3
    with django_assert_max_num_queries(7):
        client.get("/public/directory.json")


def test_only_get_is_allowed(client, db):
    assert client.post("/public/").status_code in (403, 405)
