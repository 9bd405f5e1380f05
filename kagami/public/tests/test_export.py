"""`kagami export-directory DIR`: the directory as static files for the town's website."""

import json
import re
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kagami.public.tests.helpers import listed_account, stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(cast):
    return [
        listed_account(cast),
        listed_account(
            cast,
            platform="instagram",
            name="かがみの観光",
            handle="kagamino_kanko",
            url="https://www.instagram.com/kagamino_kanko/",
        ),
    ]


def export(target, *args):
    out = StringIO()
    call_command("export-directory", str(target), *args, stdout=out)
    return out.getvalue()


def without_moment_and_links(feed):
    feed = {
        k: v for k, v in feed.items() if k not in ("generated_at", "directory_url", "guideline_url")
    }
    feed["accounts"] = [
        {k: v for k, v in a.items() if k not in ("policy_url", "terms_url")}
        for a in feed["accounts"]
    ]
    return feed


def test_the_export_writes_every_page_the_snippet_the_feed_and_the_styles(
    tmp_path, accounts, client
):
    target = tmp_path / "sns"
    message = export(target, "--base-url", "")
    assert "公式アカウント 2件" in message
    names = {p.name for p in target.iterdir()}
    assert names == {
        "index.html",
        "guideline.html",
        *(f"account-{a.pk}.html" for a in accounts),
        "snippet.html",
        "directory.json",
        "kagami.css",
        "public.css",
    }

    index = (target / "index.html").read_text(encoding="utf-8")
    assert "鏡野町役場 総務課" in index
    assert f'href="account-{accounts[0].pk}.html#policy"' in index
    assert 'href="kagami.css"' in index
    assert 'href="public.css"' in index
    assert "/public/" not in index  # self-contained: relative links only
    assert "/static/" not in index
    assert "現在、注意が必要ななりすましアカウントの情報はありません。" in index
    page = (target / f"account-{accounts[0].pk}.html").read_text(encoding="utf-8")
    assert "他人を誹謗中傷し、または名誉を傷つける投稿" in page
    assert 'href="index.html"' in page
    assert "鏡野町ソーシャルメディア運用ガイドライン" in (target / "guideline.html").read_text(
        encoding="utf-8"
    )
    assert (target / "kagami.css").read_bytes().startswith(b"/* Kagami")

    exported = json.loads((target / "directory.json").read_text(encoding="utf-8"))
    live = client.get("/public/directory.json").json()
    assert without_moment_and_links(exported) == without_moment_and_links(live)
    for account in exported["accounts"]:
        page_name = account["policy_url"].split("#")[0]
        assert (target / page_name).is_file()


def test_the_snippet_is_plain_markup_with_the_documented_class_names(tmp_path, accounts):
    export(tmp_path, "--base-url", "")
    snippet = (tmp_path / "snippet.html").read_text(encoding="utf-8")
    assert snippet.startswith('<section class="kagami-directory" lang="ja">')
    assert "<script" not in snippet
    assert "<style" not in snippet
    assert "style=" not in snippet
    assert "<link" not in snippet
    assert "<img" not in snippet
    assert 'href="https://x.com/Kagamino_Town"' in snippet
    assert "account-" not in snippet  # no base URL: no links to pages it cannot locate
    documented = (Path(__file__).resolve().parents[1] / "FEED.md").read_text(encoding="utf-8")
    for name in set(re.findall(r'class="([^"]+)"', snippet)):
        for part in name.split():
            assert part in documented, part


def test_a_base_url_makes_the_links_of_the_feed_and_the_snippet_absolute(tmp_path, accounts):
    export(tmp_path, "--base-url", "https://www.town.kagamino.lg.jp/sns/")
    feed = json.loads((tmp_path / "directory.json").read_text(encoding="utf-8"))
    pk = accounts[0].pk
    assert feed["directory_url"] == "https://www.town.kagamino.lg.jp/sns/index.html"
    assert feed["accounts"][0]["policy_url"] == (
        f"https://www.town.kagamino.lg.jp/sns/account-{pk}.html#policy"
    )
    snippet = (tmp_path / "snippet.html").read_text(encoding="utf-8")
    assert f'href="https://www.town.kagamino.lg.jp/sns/account-{pk}.html"' in snippet
    # the pages themselves stay relative, so the folder works wherever it is put
    assert f'href="account-{pk}.html#policy"' in (tmp_path / "index.html").read_text(
        encoding="utf-8"
    )


def test_the_base_url_defaults_to_the_directory_url_setting(tmp_path, accounts, settings):
    settings.KAGAMI_DIRECTORY_URL = "https://example.lg.jp/koushiki/"
    export(tmp_path)
    feed = json.loads((tmp_path / "directory.json").read_text(encoding="utf-8"))
    assert feed["guideline_url"] == "https://example.lg.jp/koushiki/guideline.html"


def test_exporting_again_removes_the_page_of_an_ended_account(tmp_path, cast, accounts):
    export(tmp_path, "--base-url", "")
    ended = accounts[1]
    assert (tmp_path / f"account-{ended.pk}.html").exists()
    (tmp_path / "notes.txt").write_text("町の担当者のメモ", encoding="utf-8")
    stop(cast, ended)
    export(tmp_path, "--base-url", "")
    assert not (tmp_path / f"account-{ended.pk}.html").exists()
    assert (tmp_path / f"account-{accounts[0].pk}.html").exists()
    assert (tmp_path / "notes.txt").exists()  # only our own pages are removed
    feed = json.loads((tmp_path / "directory.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in feed["accounts"]] == [accounts[0].pk]


def test_a_path_under_a_file_fails_with_a_clear_japanese_message(tmp_path, db):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CommandError, match=r"書き出し先「.*file/sns」に書き込めません"):
        export(blocker / "sns")


def test_a_read_only_directory_fails_with_a_clear_japanese_message(tmp_path, db):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        try:
            (locked / "probe").write_text("")
        except OSError:
            pass
        else:
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(CommandError, match="書き込みの権限を確かめてください"):
            export(locked)
    finally:
        locked.chmod(stat.S_IRWXU)


def test_the_command_exits_non_zero_from_the_shell(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "export-directory", str(blocker / "sns")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode != 0
    assert "に書き込めません" in result.stderr
