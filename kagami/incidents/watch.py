"""The look-alike watch (G-6-3): the handles close to the town's own that `lookalike.py`
generates (0 for O, l for 1, `_official` added, one keystroke away, …) are looked up once a
week per platform, a few per tick, through the platform adapters that can look users up (only
with KAGAMI_PUBLISHING=live: the sandbox has no one to ask). Those that exist are listed as
candidates and the heads and the policy division are told; a person judges each one: dismissed
(someone else's own account, a fan page) or confirmed, which opens an impersonation case
(`incidents.cases`).
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.incidents import lookalike
from kagami.incidents.cases import (
    MAX_NAME,
    MAX_NOTE,
    can_judge,
    in_town_language,
    open_impersonation,
    refused,
    tell,
    text_problem,
)
from kagami.incidents.models.cases import (
    CandidateState,
    Case,
    LookalikeCandidate,
    LookalikeRound,
)
from kagami.lib.errors import DomainError
from kagami.lib.urls import public_https_url_problem
from kagami.orgs.models import User
from kagami.publishing.adapters.base import Adapter, ErrorKind, FoundUser, PublishError
from kagami.publishing.worker import adapter_for
from kagami.registry.models import (
    LISTED_STATES,
    AccountState,
    OfficialAccount,
    Platform,
    normalise_handle,
)

logger = logging.getLogger(__name__)

# A round per platform a week, a few lookups per tick.
WATCH_INTERVAL = timedelta(days=7)
LOOKUPS_PER_TICK = 30
RETRY_LATER = timedelta(minutes=30)


def _own_handles(platform: Platform) -> set[str]:
    """The town's handles on `platform` (planned ones too): never a look-alike."""
    accounts = OfficialAccount.objects.filter(platform=platform).exclude(state=AccountState.ENDED)
    return {lookalike.comparable(a.handle, platform.code) for a in accounts}


def _watched(platform: Platform) -> list[OfficialAccount]:
    return list(OfficialAccount.objects.filter(platform=platform, state__in=LISTED_STATES))


def _lookup_adapter(accounts: list[OfficialAccount]) -> Adapter | None:
    """An adapter that can look users up, with the tokens of one of the town's accounts."""
    for account in accounts:
        try:
            adapter = adapter_for(account)
        except PublishError:
            continue
        if adapter.can_lookup_users:
            return adapter
    return None


def _new_round(
    platform: Platform, accounts: list[OfficialAccount], now: datetime
) -> LookalikeRound:
    own = _own_handles(platform)
    queue: list[list[Any]] = []
    seen: set[str] = set()
    for account in accounts:
        for handle in lookalike.variants(account.handle, platform.code):
            key = lookalike.comparable(handle, platform.code)
            if key not in own and key not in seen:
                seen.add(key)
                queue.append([account.pk, handle])
    return LookalikeRound.objects.create(platform=platform, started_at=now, queue=queue)


def _keep_candidate(platform: Platform, account_pk: int, found: FoundUser, now: datetime) -> bool:
    """Store what the platform says exists; True if it is new (and people were told)."""
    key = normalise_handle(found.handle)
    if key in _own_handles(platform):
        return False
    url = found.url if public_https_url_problem(found.url) is None else ""
    with transaction.atomic():
        candidate, created = LookalikeCandidate.objects.get_or_create(
            platform=platform,
            handle_key=key,
            defaults={
                "resembles_id": account_pk,
                "handle": found.handle[:100],
                "display_name": found.display_name[:200],
                "url": url[:300],
                "platform_user_id": found.platform_user_id[:100],
                "platform_created_at": found.created_at,
                "found_at": now,
                "last_seen_at": now,
            },
        )
        if not created:
            candidate.last_seen_at = now
            candidate.save(update_fields=["last_seen_at"])
            return False
        account = candidate.resembles
        audit.record(
            "incidents.lookalike_found",
            target=candidate,
            department=account.lead_department,
            data={"platform": platform.code, "handle": candidate.handle, "resembles": account.pk},
        )
        heads = {u.pk: u for d in account.departments.all() for u in d.heads()}
        heads.update({u.pk: u for u in User.objects.policy_division()})
        tell(
            heads.values(),
            lambda: (
                _("【確認】%(account)s に似たアカウント: %(handle)s")
                % {"account": account, "handle": candidate.handle}
            ),
            lambda: (
                _(
                    "%(platform)s に %(account)s とよく似たユーザーID「%(handle)s」（表示名: %(name)s）の"
                    "アカウントがあります。なりすましかどうかを確認してください。"
                )
                % {
                    "platform": platform,
                    "account": account,
                    "handle": candidate.handle,
                    "name": candidate.display_name or "—",
                }
            ),
            reverse("incidents:case_lookalikes"),
        )
    return True


def _work_round(round_: LookalikeRound, adapter: Adapter, now: datetime) -> int:
    """Ask about the next few handles of the round, outside any transaction (network calls);
    a rate limit or a platform in trouble stops the round until later, politely."""
    queue = list(round_.queue)
    asked = found = 0
    stop: tuple[datetime | None, str] | None = None
    while queue and asked < LOOKUPS_PER_TICK:
        account_pk, handle = queue[0]
        try:
            user = adapter.lookup_user(handle)
        except PublishError as error:
            if error.kind == ErrorKind.RATE_LIMITED:
                stop = (error.retry_after or now + RETRY_LATER, error.message)
            elif error.kind in (ErrorKind.UNAVAILABLE, ErrorKind.NETWORK, ErrorKind.BAD_RESPONSE):
                stop = (now + RETRY_LATER, error.message)
            elif error.kind == ErrorKind.REFUSED:
                queue.pop(0)  # this handle cannot be asked about; the others can
                asked += 1
                continue
            else:  # credentials, …: nothing more can be asked this round
                stop = (None, error.message)
            break
        queue.pop(0)
        asked += 1
        if user is not None and _keep_candidate(round_.platform, account_pk, user, now):
            found += 1
    round_.queue = queue
    round_.checked += asked
    round_.found += found
    fields = ["queue", "checked", "found", "resume_after", "stopped_reason", "finished_at"]
    if stop is not None:
        resume_after, reason = stop
        round_.stopped_reason = reason[:300]
        if resume_after is None:
            round_.finished_at = now
        round_.resume_after = resume_after
        logger.warning("look-alike watch on %s stopped: %s", round_.platform.code, reason)
    elif not queue:
        round_.finished_at = now
        round_.resume_after = None
    round_.save(update_fields=fields)
    return asked


def watch_lookalikes(now: datetime | None = None) -> int:
    """`kagami tick`: once a week per platform, ask the platform which handles close to the
    town's exist (`lookalike.variants`), a few per tick, and list those that do for a person
    to judge. Only with KAGAMI_PUBLISHING=live (the sandbox has no one to ask) and where the
    platform's adapter can look users up. Returns how many handles were asked about."""
    if settings.KAGAMI_PUBLISHING != "live":
        return 0
    now = now or timezone.now()
    asked = 0
    for platform in Platform.objects.all():
        accounts = _watched(platform)
        if not accounts:
            continue
        latest = LookalikeRound.objects.filter(platform=platform).first()
        if latest is not None and latest.finished_at is None:
            if latest.resume_after is not None and latest.resume_after > now:
                continue
            current = latest
        elif latest is None or latest.started_at <= now - WATCH_INTERVAL:
            current = None
        else:
            continue
        adapter = _lookup_adapter(accounts)
        if adapter is None:
            continue
        if current is None:
            current = _new_round(platform, accounts, now)
        asked += _work_round(current, adapter, now)
    return asked


def dismiss_candidate(
    *,
    actor: User,
    candidate: LookalikeCandidate,
    note: str = "",
    request: HttpRequest | None = None,
) -> LookalikeCandidate:
    """A person judged the look-alike harmless (someone else's own account, a fan page)."""
    return _judge(actor, candidate, CandidateState.DISMISSED, note, request)


def confirm_candidate(
    *,
    actor: User,
    candidate: LookalikeCandidate,
    note: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """A person judged the look-alike a fake: an impersonation case opens with what the
    platform said about it."""
    with transaction.atomic():
        judged = _judge(actor, candidate, CandidateState.CONFIRMED, note, request)
        case = open_impersonation(
            actor=actor,
            department=judged.resembles.lead_department,
            account=judged.resembles,
            platform=judged.platform,
            fake_handle=judged.handle,
            fake_url=judged.url,
            fake_name=judged.display_name[:MAX_NAME],
            found_at=judged.found_at,
            how_found=in_town_language(lambda: _("なりすまし監視（似たユーザーIDの確認）")),
            summary=note.strip(),
            request=request,
        )
        judged.case = case
        judged.save(update_fields=["case"])
    return case


def _judge(
    actor: User,
    candidate: LookalikeCandidate,
    state: str,
    note: str,
    request: HttpRequest | None,
) -> LookalikeCandidate:
    action = (
        "incidents.lookalike_confirmed"
        if state == CandidateState.CONFIRMED
        else "incidents.lookalike_dismissed"
    )
    problem = None
    if not can_judge(actor, candidate):
        problem = _("判断できるのは、アカウントの所属の所属長・代決者と情報政策担当課です。")
    elif candidate.state != CandidateState.NEW:
        problem = _("この候補は既に判断されています。")
    else:
        problem = text_problem(note, _("判断の理由"), MAX_NOTE)
    if problem:
        raise refused(action, problem, actor=actor, target=candidate, request=request)
    with transaction.atomic():
        judged = LookalikeCandidate.objects.select_for_update().get(pk=candidate.pk)
        if judged.state != CandidateState.NEW:
            raise DomainError(_("この候補は既に判断されています。"))
        judged.state = state
        judged.decided_by = actor
        judged.decided_at = timezone.now()
        judged.decision_note = note.strip()
        judged.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit.record(
            action,
            actor=actor,
            target=judged,
            department=judged.resembles.lead_department,
            data={"handle": judged.handle, "note": judged.decision_note},
            request=request,
        )
    return judged
