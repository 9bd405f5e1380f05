"""The static export (G-4-6): the public pages as files the town can put on its website."""

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from kagami.public import directory

STYLESHEETS = {"kagami.css": "css/kagami.css", "public.css": "public/public.css"}
ACCOUNT_PAGE = re.compile(r"^account-\d+\.html$")


def static_links() -> directory.Links:
    """File names relative to each other: every page sits at the top of the directory."""
    return directory.Links(
        index="index.html",
        guideline="guideline.html",
        account=lambda pk: f"account-{pk}.html",
        stylesheets=tuple(STYLESHEETS),
        feed="directory.json",
    )


def build(base_url: str = "") -> dict[str, bytes]:
    """Every file of the export by name. With `base_url` (where the files will be published)
    the JSON feed and the snippet link to the pages with full URLs."""

    def absolute(url: str) -> str:
        return urljoin(base_url, url) if base_url else url

    links = static_links()
    with translation.override(settings.LANGUAGE_CODE):
        entries = directory.accounts(links)
        warnings = directory.impersonation_warnings(links, entries)
        corrections = directory.correction_log()
        common = {"links": links, "town_name": settings.KAGAMI_TOWN_NAME}
        files: dict[str, str | bytes] = {
            "index.html": render_to_string(
                "public/index.html",
                {
                    **common,
                    "groups": directory.by_platform(entries),
                    "warnings": warnings,
                    "corrections": corrections,
                    "current": "index",
                },
            ),
            "guideline.html": render_to_string(
                "public/guideline.html",
                {**common, "guideline": directory.guideline(), "current": "guideline"},
            ),
        }
        for entry in entries:
            files[entry.page_url] = render_to_string(
                "public/account.html", {**common, "entry": entry}
            )
        snippet_entries = [replace(e, page_url=absolute(e.page_url)) for e in entries]
        files["snippet.html"] = render_to_string(
            "public/snippet.html",
            {
                "town_name": settings.KAGAMI_TOWN_NAME,
                "links": replace(links, index=absolute(links.index)),
                "groups": directory.by_platform(snippet_entries),
                "warnings": warnings,
                "page_base": bool(base_url),
            },
        )
        feed = directory.feed(
            entries, links, absolute=absolute, warnings=warnings, corrections=corrections
        )
    files["directory.json"] = json.dumps(feed, ensure_ascii=False, indent=2) + "\n"
    for name, source in STYLESHEETS.items():
        found = finders.find(source)
        files[name] = Path(str(found)).read_bytes()
    return {
        name: content.encode() if isinstance(content, str) else content
        for name, content in files.items()
    }


def prepare(target: Path) -> None:
    """Create `target` if missing and make sure files can be written there. Raises OSError."""
    target.mkdir(parents=True, exist_ok=True)
    probe = target / ".kagami-export-probe"
    probe.write_bytes(b"")
    probe.unlink()


def write(target: Path, files: dict[str, bytes]) -> None:
    """Write `files` into `target` and remove the pages of accounts that are no longer listed,
    so an ended account does not stay published. Raises OSError."""
    for name, content in files.items():
        (target / name).write_bytes(content)
    for old in target.iterdir():
        if ACCOUNT_PAGE.match(old.name) and old.name not in files:
            old.unlink()
