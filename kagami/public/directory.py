"""The public directory's data (G-4-6): plain values built from the registry.

The pages, the JSON feed and the static export all read these functions, so the three never
differ. Nothing here knows about requests; where the pages live is passed in as `Links`.
"""

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.incidents.cases import notice_text
from kagami.incidents.corrections import public_log
from kagami.incidents.models import Case
from kagami.incidents.models.cases import CaseKind
from kagami.lib.urls import public_https_url_problem
from kagami.registry.models import (
    AccountState,
    OfficialAccount,
    Platform,
    PolicyDocument,
    TermsDocument,
    field_label,
    normalise_handle,
)

logger = logging.getLogger(__name__)

FEED_VERSION = 1
DEFAULT_GUIDELINE_FILE = Path(__file__).resolve().parent / "data" / "guideline-ja.txt"
POLICY_FIELDS = (
    "platform_text",
    "account_text",
    "purpose",
    "content",
    "operation_method",
    "personal_information",
    "other",
)


@dataclass(frozen=True)
class Links:
    """Where the public pages are: live URLs under /public/, or file names in an export."""

    index: str
    guideline: str
    account: Callable[[int], str]
    stylesheets: tuple[str, ...]
    check: str = ""  # a static export has no lookup
    feed: str = ""


@dataclass(frozen=True)
class Item:
    label: str
    text: str


@dataclass(frozen=True)
class Policy:
    version: int
    filed_on: date
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Clause:
    number: int
    category: str
    category_label: str
    text: str


@dataclass(frozen=True)
class Terms:
    version: int
    filed_on: date
    preamble: str
    clauses: tuple[Clause, ...]
    ip_ownership: Item
    disclaimer: Item


@dataclass(frozen=True)
class AccountEntry:
    id: int
    platform_code: str
    platform_name: str
    name: str
    handle: str
    url: str
    departments: tuple[str, ...]  # the lead department first
    joint_theme: str
    state: str
    state_label: str
    is_suspended: bool
    reply_policy: str
    last_verified: date | None
    page_url: str
    policy: Policy | None
    terms: Terms | None
    platform_hosts: tuple[str, ...]

    @property
    def policy_url(self) -> str:
        return f"{self.page_url}#policy" if self.policy else ""

    @property
    def terms_url(self) -> str:
        return f"{self.page_url}#terms" if self.terms else ""


@dataclass(frozen=True)
class PlatformGroup:
    code: str
    name: str
    accounts: tuple[AccountEntry, ...]


@dataclass(frozen=True)
class ImpersonationWarning:
    """A fake account residents should beware of, while the town's case about it is open
    (G-6-3). Its URL is shown as text, never as a link, so the directory sends nobody to it;
    `official` are the real accounts to compare it with (they are in the directory)."""

    platform_code: str
    platform_name: str
    handle: str
    display_name: str
    url: str
    published_on: date
    note: str
    official: tuple[AccountEntry, ...] = ()


def impersonation_warnings(
    links: Links, entries: Iterable[AccountEntry] | None = None
) -> list[ImpersonationWarning]:
    """The fake accounts of the open impersonation cases (G-6-3), newest first, each with the
    town's notice and the real accounts it imitates. `entries` are the listed accounts, if the
    caller has them already."""
    listed = list(entries) if entries is not None else accounts(links)
    # An account of the town that has not ended (planned ones too) is never called a fake,
    # whatever a case says.
    own = OfficialAccount.objects.filter(
        platform=OuterRef("platform"), handle_key=OuterRef("fake_handle_key")
    ).exclude(state=AccountState.ENDED)
    found = (
        Case.objects.open()
        .filter(kind=CaseKind.IMPERSONATION)
        .exclude(Exists(own))
        .select_related("platform", "department", "account")
        .order_by("-opened_at", "-pk")
    )
    warnings = []
    for case in found:
        official = tuple(e for e in listed if case.account_id and e.id == case.account_id)
        if not official:  # the department's accounts on that platform, else the platform's
            on_platform = [e for e in listed if e.platform_code == case.platform.code]
            official = tuple(
                e for e in on_platform if case.department.name in e.departments
            ) or tuple(on_platform)
        warnings.append(
            ImpersonationWarning(
                platform_code=case.platform.code,
                platform_name=case.platform.name,
                handle=case.fake_handle,
                display_name=case.fake_name,
                url=case.fake_url if public_https_url_problem(case.fake_url) is None else "",
                published_on=timezone.localdate(case.opened_at),
                note=notice_text(case),
                official=official,
            )
        )
    return warnings


@dataclass(frozen=True)
class CorrectionEntry:
    """A line of the public correction log (G-6-1): residents see that mistakes are owned."""

    published_on: date
    kind: str
    corrected: str  # the first line of the post that was corrected
    links: tuple[tuple[str, str], ...]  # (account name, URL of the correction post)


def correction_log(limit: int = 30) -> list[CorrectionEntry]:
    """Published corrections and apologies, newest first."""
    entries = []
    for correction in public_log(limit):
        post = correction.post
        if post is None:  # public_log() lists only corrections with a post
            continue
        published = [d for d in post.deliveries.all() if d.state == "published" and d.published_at]
        times = [d.published_at for d in published if d.published_at is not None]
        if not times:
            continue
        entries.append(
            CorrectionEntry(
                published_on=timezone.localdate(min(times)),
                kind=correction.get_kind_display(),
                corrected=str(correction.original),
                links=tuple(
                    (d.account.name, d.url)
                    for d in published
                    if d.url and public_https_url_problem(d.url) is None
                ),
            )
        )
    return entries


def _listed() -> QuerySet[OfficialAccount]:
    filed_policies = PolicyDocument.objects.filter(filed_at__isnull=False).order_by("-version")
    filed_terms = (
        TermsDocument.objects.filter(filed_at__isnull=False)
        .order_by("-version")
        .prefetch_related("clauses")
    )
    return (
        OfficialAccount.objects.listed()
        .select_related("platform", "lead_department")
        .prefetch_related(
            "departments",
            Prefetch("policies", queryset=filed_policies, to_attr="filed_policies"),
            Prefetch("terms", queryset=filed_terms, to_attr="filed_terms"),
        )
        .order_by("platform__sort_order", "platform__name", "name", "pk")
    )


def _filed_on(moment: datetime | None) -> date:
    return timezone.localdate(moment) if moment else timezone.localdate()


def _policy(document: PolicyDocument | None) -> Policy | None:
    if document is None:
        return None
    items = tuple(
        Item(field_label(document, name), getattr(document, name))
        for name in POLICY_FIELDS
        if getattr(document, name).strip()
    )
    return Policy(document.version, _filed_on(document.filed_at), items)


def _terms(document: TermsDocument | None) -> Terms | None:
    if document is None:
        return None
    clauses = tuple(
        Clause(c.number, c.category, c.get_category_display(), c.text)
        for c in document.clauses.all()
    )
    return Terms(
        version=document.version,
        filed_on=_filed_on(document.filed_at),
        preamble=document.preamble,
        clauses=clauses,
        ip_ownership=Item(field_label(document, "ip_ownership"), document.ip_ownership),
        disclaimer=Item(field_label(document, "disclaimer"), document.disclaimer),
    )


def _entry(account: Any, links: Links) -> AccountEntry:
    lead = account.lead_department
    others = [d.name for d in account.departments.all() if d.pk != lead.pk]
    state = account.state_at(timezone.now())  # a suspension whose day has come counts
    suspended = state == AccountState.SUSPENDED
    policies, terms = account.filed_policies, account.filed_terms
    return AccountEntry(
        id=account.pk,
        platform_code=account.platform.code,
        platform_name=account.platform.name,
        name=account.name,
        handle=account.handle,
        url=account.url,
        departments=(lead.name, *others),
        joint_theme=account.joint_theme,
        state=state,
        # 開始報告済 is an office term; to residents the account is simply in operation.
        state_label=_("休止中") if suspended else _("運用中"),
        is_suspended=suspended,
        reply_policy=account.get_reply_policy_display(),
        last_verified=account.directory_link_verified_on,
        page_url=links.account(account.pk),
        policy=_policy(policies[0] if policies else None),
        terms=_terms(terms[0] if terms else None),
        platform_hosts=tuple(_host(h) for h in account.platform.url_hosts),
    )


def _vouchable(account: OfficialAccount) -> bool:
    """The directory links to and vouches for the account's URL: never for one that is not a
    safe https address (stored before URLs were checked, `kagami.lib.urls`)."""
    problem = public_https_url_problem(account.url)
    if problem:
        logger.warning("account %s left out of the directory: %s", account.pk, problem)
    return problem is None


def accounts(links: Links) -> list[AccountEntry]:
    """Every listed account (開始報告済, 運用中, 休止中; not an imported one whose documents
    are missing, `OfficialAccount.objects.listed`), by platform, then name."""
    return [_entry(account, links) for account in _listed() if _vouchable(account)]


def account(pk: int, links: Links) -> AccountEntry | None:
    """One listed account; None for an unknown, planned, ended or unlisted one."""
    found = _listed().filter(pk=pk).first()
    return _entry(found, links) if found and _vouchable(found) else None


def by_platform(entries: Iterable[AccountEntry]) -> list[PlatformGroup]:
    groups: dict[str, list[AccountEntry]] = {}
    names: dict[str, str] = {}
    for entry in entries:
        groups.setdefault(entry.platform_code, []).append(entry)
        names[entry.platform_code] = entry.platform_name
    return [PlatformGroup(code, names[code], tuple(items)) for code, items in groups.items()]


# The "is this account official?" lookup.

HOST_ALIASES = {"twitter.com": "x.com"}
# Mobile and www variants of the same site.
HOST_PREFIXES = ("www.", "m.", "mobile.")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
MAX_QUERY_LENGTH = 300


def _host(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix):
            host = host.removeprefix(prefix)
            break
    return HOST_ALIASES.get(host, host)


def _clean(text: str) -> str:
    """Full-width letters and ＠ as typed on a Japanese keyboard become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def url_key(text: str) -> tuple[str, str] | None:
    """(host, path) of a URL in comparable form, or None if `text` is not a URL.

    Scheme, `www.`, letter case, trailing slashes, query strings and fragments do not count,
    and twitter.com is x.com. `x.com/kagamino` without a scheme is a URL too."""
    text = _clean(text)
    if not text or text.startswith("@") or any(c.isspace() for c in text):
        return None
    if not SCHEME.match(text):
        if "." not in text.split("/", 1)[0]:
            return None
        text = "https://" + text
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return None
    if not hostname or "." not in hostname:
        return None
    path = parts.path.rstrip("/").lower()
    if path == "/profile.php":  # numeric Facebook profiles are named by their query
        ids = parse_qs(parts.query).get("id")
        if ids:
            path += f"?id={ids[0]}"
    return _host(hostname), path


def _names(query: str, handle: str, url: str, hosts: Iterable[str]) -> bool:
    """Whether `query` (a handle or a URL) names the account `handle` at `url` on a platform
    whose account pages live on `hosts`."""
    if normalise_handle(_clean(query)) == normalise_handle(handle):
        return True
    asked, own = url_key(query), url_key(url) if url else None
    if asked is None:
        return False
    if asked == own:
        return True
    host, path = asked
    on_platform = (own is not None and host == own[0]) or any(
        host == h or host.endswith("." + h) for h in hosts
    )
    # x.com/kagamino_town/status/1 is a post of the account x.com/kagamino_town.
    first = path.lstrip("/").split("/", 1)[0].lstrip("@")
    return on_platform and bool(first) and first == normalise_handle(handle)


def _matches(entry: AccountEntry, query: str) -> bool:
    return _names(query, entry.handle, entry.url, entry.platform_hosts)


def _names_fake(warning: ImpersonationWarning, query: str, hosts: dict[str, list[str]]) -> bool:
    platform_hosts = [_host(h) for h in hosts.get(warning.platform_code, [])]
    return _names(query, warning.handle, warning.url, platform_hosts)


def _planned_own(query: str) -> bool:
    """Whether `query` names an account the town has planned but not started (計画中): not
    official yet, and never to be called a fake."""
    planned = OfficialAccount.objects.filter(state=AccountState.PLANNED).select_related("platform")
    return any(
        _names(query, a.handle, a.url, [_host(h) for h in a.platform.url_hosts]) for a in planned
    )


@dataclass(frozen=True)
class LookupResult:
    query: str
    matches: tuple[AccountEntry, ...]
    # Open impersonation cases about the account asked for (G-6-3).
    fakes: tuple[ImpersonationWarning, ...] = ()
    # An account the town has planned (計画中): neither official yet nor a fake.
    unlisted_own: bool = False

    @property
    def is_official(self) -> bool:
        return bool(self.matches)

    @property
    def is_fake(self) -> bool:
        return bool(self.fakes) and not self.matches


def lookup(query: str, links: Links) -> LookupResult | None:
    """Which listed accounts `query` (a URL or a handle) names, and which known fakes; None
    for an empty query."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not normalise_handle(_clean(query)):
        return None
    listed = accounts(links)
    matches = tuple(e for e in listed if _matches(e, query))
    hosts = dict(Platform.objects.values_list("code", "url_hosts"))
    fakes = tuple(w for w in impersonation_warnings(links, listed) if _names_fake(w, query, hosts))
    planned = not matches and not fakes and _planned_own(query)
    return LookupResult(query, matches, fakes, planned)


# The JSON feed (documented in FEED.md).


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def feed(
    entries: Iterable[AccountEntry],
    links: Links,
    *,
    absolute: Callable[[str], str] = str,
    generated_at: datetime | None = None,
    warnings: Iterable[ImpersonationWarning] = (),
    corrections: Iterable[CorrectionEntry] = (),
) -> dict[str, Any]:
    """The directory as JSON-ready data; `absolute` turns page links into full URLs."""
    moment = timezone.localtime(generated_at or timezone.now())

    def link(url: str) -> str | None:
        return absolute(url) if url else None

    return {
        "version": FEED_VERSION,
        "generated_at": moment.isoformat(timespec="seconds"),
        "municipality": settings.KAGAMI_TOWN_NAME,
        "directory_url": link(links.index),
        "guideline_url": link(links.guideline),
        "accounts": [
            {
                "id": e.id,
                "platform": {"code": e.platform_code, "name": e.platform_name},
                "name": e.name,
                "handle": e.handle,
                "url": e.url,
                "departments": list(e.departments),
                "state": e.state,
                "policy_url": link(e.policy_url),
                "terms_url": link(e.terms_url),
                "policy_version": e.policy.version if e.policy else None,
                "policy_filed_on": _iso(e.policy.filed_on) if e.policy else None,
                "terms_version": e.terms.version if e.terms else None,
                "terms_filed_on": _iso(e.terms.filed_on) if e.terms else None,
                "last_verified": _iso(e.last_verified),
            }
            for e in entries
        ],
        "impersonation_warnings": [
            {
                "platform": {"code": w.platform_code, "name": w.platform_name},
                "handle": w.handle,
                "display_name": w.display_name,
                "url": w.url or None,
                "since": _iso(w.published_on),
                "notice": w.note,
                "official_account_ids": [e.id for e in w.official],
            }
            for w in warnings
        ],
        "corrections": [
            {
                "published_on": _iso(c.published_on),
                "kind": c.kind,
                "corrected": c.corrected,
                "links": [{"account": name, "url": url} for name, url in c.links],
            }
            for c in corrections
        ],
    }


# The guideline text (G-4-6: the directory publishes the guideline itself).


@dataclass(frozen=True)
class Paragraph:
    text: str
    level: int  # 0 body, 1 (1), 2 ア, 3 (a)


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Guideline:
    title: str
    sections: tuple[Section, ...]


SECTION_HEADING = re.compile(r"^[0-9０-９]+[ 　]+\S")
ITEM_LEVELS = (
    (1, re.compile(r"^[(（][0-9０-９]+[)）]")),
    (3, re.compile(r"^[(（][a-zａ-ｚ][)）]")),
    (2, re.compile(r"^[ァ-ヶ工][ 　]")),  # 工 is how エ often comes out of a PDF
)


def guideline_file() -> Path:
    return Path(getattr(settings, "KAGAMI_GUIDELINE_FILE", None) or DEFAULT_GUIDELINE_FILE)


def guideline() -> Guideline | None:
    """The town's guideline from KAGAMI_GUIDELINE_FILE; None (and an error logged) if the
    file cannot be read, so the public pages still answer."""
    path = guideline_file()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        logger.exception("cannot read the guideline file %s (KAGAMI_GUIDELINE_FILE)", path)
        return None
    return parse_guideline(text)


def parse_guideline(text: str) -> Guideline:
    """Headings, numbered items and paragraphs of a guideline kept as plain text.

    Text copied from a PDF breaks lines mid-sentence; a line continues the paragraph before it
    unless that one ended a sentence or the line starts a heading or an item."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines.pop(0) if lines else ""
    sections: list[tuple[str, list[list[Any]]]] = [("", [])]
    for line in lines:
        paragraphs = sections[-1][1]
        if SECTION_HEADING.match(line) and len(line) <= 40 and not line.endswith("。"):
            sections.append((line, []))
            continue
        level = next((lvl for lvl, pattern in ITEM_LEVELS if pattern.match(line)), None)
        if level is None and paragraphs and not paragraphs[-1][0].endswith("。"):
            paragraphs[-1][0] += line
        elif level is None:
            paragraphs.append([line, paragraphs[-1][1] if paragraphs else 0])
        else:
            paragraphs.append([line, level])
    return Guideline(
        title,
        tuple(
            Section(heading, tuple(Paragraph(t, lvl) for t, lvl in paragraphs))
            for heading, paragraphs in sections
            if heading or paragraphs
        ),
    )
