"""炎上 incidents (G-6-4).

Declaring an incident on accounts holds each with an incident pause
(`publishing.workflow.restrict_to_statements`): scheduled posts wait and only approved
official statements go out, which `publishing.guarantees.verdict` enforces for every delivery.
The incident shows how long each account has been silent; when no statement went out for
KAGAMI_HOLDING_STATEMENT_AFTER_MINUTES of office time, `kagami tick` prompts the heads and the
policy division to publish a holding statement ("we are confirming the facts"). It closes with
a review (what happened, cause, measures) that the policy division accepts; the pauses are
then lifted, and posts whose time passed meanwhile wait for a person's decision.
"""

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.incidents.models import Incident, IncidentAccount, IncidentEntry
from kagami.incidents.models.flaming import EntryKind, IncidentState
from kagami.incidents.wording import text_for
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST, add_working_time
from kagami.orgs.models import User
from kagami.orgs.notifications import notify
from kagami.posts import workflow as posts
from kagami.posts.models import Post, Statement, working_calendar
from kagami.publishing import workflow as publishing
from kagami.publishing.models import Delivery, DeliveryState
from kagami.registry.models import OfficialAccount

MAX_REASON = 2000


def _people_to_tell(incident: Incident) -> list[User]:
    heads = {
        head
        for item in incident.accounts.select_related("account")
        for department in item.account.departments.all()
        for head in department.heads()
    }
    return [*heads, *User.objects.policy_division()]


def _entry(
    incident: Incident, kind: str, text: str = "", actor: User | None = None
) -> IncidentEntry:
    return IncidentEntry.objects.create(incident=incident, kind=kind, text=text, actor=actor)


def declare(
    *,
    actor: User,
    accounts: Iterable[OfficialAccount],
    reason: str,
    request: HttpRequest | None = None,
) -> Incident:
    """Declare a 炎上 on `accounts` (G-6-4). An account already in an open incident is not
    declared twice: the others join that incident instead."""
    accounts = list(dict.fromkeys(accounts))
    reason = reason.strip()
    if not accounts:
        raise DomainError(_("対象のアカウントを選んでください。"))
    if not reason:
        raise DomainError(_("何が起きているかを書いてください。"))
    if len(reason) > MAX_REASON:
        raise DomainError(_("理由は %(max)s 文字までにしてください。") % {"max": MAX_REASON})
    for account in accounts:
        if not publishing.can_restrict_to_statements(actor, account):
            raise DomainError(
                _(
                    "「%(account)s」の炎上対応を始められるのは、その所属の所属長・代決者と"
                    "情報政策担当課だけです。"
                )
                % {"account": account}
            )
    with transaction.atomic():
        already = (
            IncidentAccount.objects.filter(
                account__in=accounts,
                incident__state__in=[IncidentState.OPEN, IncidentState.REVIEWING],
            )
            .select_related("incident")
            .order_by("incident__declared_at")
        )
        joined = {item.account_id for item in already}
        incident = already[0].incident if already else None
        if incident is None:
            incident = Incident.objects.create(
                department=accounts[0].lead_department, reason=reason, declared_by=actor
            )
            _entry(incident, EntryKind.DECLARED, reason, actor)
            action = "incidents.declared"
        else:
            _entry(incident, EntryKind.JOINED, reason, actor)
            action = "incidents.joined"
        added = []
        for account in accounts:
            if account.pk in joined:
                continue
            stop = publishing.restrict_to_statements(
                actor=actor,
                account=account,
                reason=_("炎上対応: %(reason)s") % {"reason": reason[:250]},
                request=request,
            )
            IncidentAccount.objects.create(incident=incident, account=account, pause=stop)
            added.append(account)
        audit.record(
            action,
            actor=actor,
            target=incident,
            department=incident.department,
            data={"accounts": [a.pk for a in added], "reason": reason},
            request=request,
        )
        notify(
            _people_to_tell(incident),
            _("【Kagami】炎上対応を始めました: %(accounts)s")
            % {"accounts": "、".join(str(a) for a in accounts)},
            _(
                "%(actor)s さんが炎上対応を始めました。\n理由: %(reason)s\n"
                "対応が終わるまで、これらのアカウントには承認された公式の声明だけが投稿され、"
                "予約済みの投稿は止まります。"
            )
            % {"actor": actor, "reason": reason},
            link=reverse("incidents:incident_detail", args=[incident.pk]),
        )
    return incident


def add_note(
    *, actor: User, incident: Incident, text: str, request: HttpRequest | None = None
) -> IncidentEntry:
    """Write down what happened (a call from the press, a decision) in the timeline."""
    _must_manage(actor, incident)
    text = text.strip()
    if not text:
        raise DomainError(_("記録する内容を書いてください。"))
    if len(text) > MAX_REASON:
        raise DomainError(_("記録は %(max)s 文字までにしてください。") % {"max": MAX_REASON})
    if incident.state == IncidentState.CLOSED:
        raise DomainError(_("終了した炎上対応には記録を追加できません。"))
    with transaction.atomic():
        entry = _entry(incident, EntryKind.NOTE, text, actor)
        audit.record(
            "incidents.note_added",
            actor=actor,
            target=incident,
            department=incident.department,
            data={"text": text},
            request=request,
        )
    return entry


def _must_manage(actor: User, incident: Incident) -> None:
    if actor.is_policy_division:
        return
    if any(
        publishing.can_restrict_to_statements(actor, item.account)
        for item in incident.accounts.select_related("account")
    ) or actor.is_member_of(incident.department):
        return
    raise DomainError(_("この炎上対応を操作できるのは、担当の所属と情報政策担当課だけです。"))


# Statements and silence ------------------------------------------------------------------


def statements(incident: Incident) -> "list[Delivery]":
    """Official statements published on the incident's accounts since it was declared."""
    return list(
        Delivery.objects.filter(
            account__in=incident.accounts.values("account"),
            state=DeliveryState.PUBLISHED,
            published_at__gte=incident.declared_at,
        )
        .exclude(post__statement="")
        .select_related("post", "account")
        .order_by("published_at")
    )


def last_statements(incident: Incident) -> dict[int, datetime | None]:
    """Per account of the incident: when its last official statement went out (since the
    declaration), or None: the silence the public sees."""
    published = dict(
        Delivery.objects.filter(
            account__in=incident.accounts.values("account"),
            state=DeliveryState.PUBLISHED,
            published_at__gte=incident.declared_at,
        )
        .exclude(post__statement="")
        .values("account")
        .annotate(last=Max("published_at"))
        .values_list("account", "last")
    )
    return {item.account_id: published.get(item.account_id) for item in incident.accounts.all()}


def _office_hours() -> tuple[time, time]:
    """KAGAMI_OFFICE_HOURS as opening and closing times (checked by kagami.E030)."""
    opens, _sep, closes = settings.KAGAMI_OFFICE_HOURS.partition("-")
    return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())


def holding_due_at(incident: Incident) -> datetime:
    """When a holding statement is due: KAGAMI_HOLDING_STATEMENT_AFTER_MINUTES of office time
    after the last statement on the quietest account (or the declaration)."""
    times = last_statements(incident).values()
    quiet_since = min((t or incident.declared_at for t in times), default=incident.declared_at)
    opens, closes = _office_hours()
    return add_working_time(
        quiet_since,
        timedelta(minutes=settings.KAGAMI_HOLDING_STATEMENT_AFTER_MINUTES),
        working_calendar(),
        opens,
        closes,
    )


def prompt_holding_statements(now: datetime | None = None) -> int:
    """`kagami tick`: tell the heads and the policy division when an open incident has been
    silent too long, once per silence. Returns how many were prompted."""
    now = now or timezone.now()
    prompted = 0
    for incident in Incident.objects.filter(state=IncidentState.OPEN):
        due = holding_due_at(incident)
        if due > now or (incident.prompted_at and incident.prompted_at >= due):
            continue
        with transaction.atomic():
            incident.prompted_at = now
            incident.save(update_fields=["prompted_at"])
            _entry(incident, EntryKind.PROMPTED)
            audit.record(
                "incidents.holding_prompted",
                target=incident,
                department=incident.department,
                data={"due": due.isoformat()},
            )
            notify(
                _people_to_tell(incident),
                _("【Kagami】対応中のお知らせを出してください: %(incident)s")
                % {"incident": incident},
                _(
                    "炎上対応中のアカウントから、しばらく公式の発信がありません。"
                    "沈黙は無視と受け取られがちです。事実を確認中であることを伝える"
                    "「対応中のお知らせ」を出してください。文例から下書きを作れます。"
                ),
                link=reverse("incidents:incident_detail", args=[incident.pk]),
            )
        prompted += 1
    return prompted


def draft_statement(
    *,
    actor: User,
    incident: Incident,
    kind: str = Statement.HOLDING,
    request: HttpRequest | None = None,
) -> Post:
    """A draft official statement from the town's model text, to all the incident's accounts
    the actor's department runs; it is then approved like any post by the department."""
    if kind not in Statement.values:
        raise DomainError(_("声明の種類が正しくありません。"))
    if incident.state != IncidentState.OPEN:
        raise DomainError(_("対応中の炎上にだけ声明を作れます。"))
    department = incident.department
    if not actor.is_member_of(department):
        raise DomainError(
            _("声明を作れるのは、担当の所属（%(department)s）の職員です。")
            % {"department": department}
        )
    accounts = [
        item.account
        for item in incident.accounts.select_related("account")
        if item.account.departments.filter(pk=department.pk).exists()
    ]
    key = {
        Statement.HOLDING.value: "holding",
        Statement.CORRECTION.value: "correction",
        Statement.EXPLANATION.value: "explanation",
        Statement.APOLOGY.value: "apology",
    }[kind]
    text = text_for(
        key,
        {
            "所属名": department.name,
            "投稿日": incident.declared_at.astimezone(JST).strftime("%-m月%-d日"),
        },
    )
    return posts.save_post(
        actor=actor,
        department=department,
        accounts=accounts,
        text=text,
        publish_at=timezone.now() + timedelta(minutes=10),
        statement=kind,
        out_of_hours_kind="emergency",
        out_of_hours_note=_("炎上対応中の公式の声明"),
        request=request,
    )


# Review and close ------------------------------------------------------------------------


def submit_review(
    *,
    actor: User,
    incident: Incident,
    what: str,
    cause: str,
    measures: str,
    request: HttpRequest | None = None,
) -> Incident:
    """The department's review (what happened, cause, measures) for the policy division."""
    if not (actor.is_policy_division or actor.can_approve_for(incident.department)):
        raise DomainError(_("振り返りを提出できるのは、担当の所属の所属長・代決者です。"))
    if incident.state != IncidentState.OPEN:
        raise DomainError(_("対応中の炎上にだけ振り返りを提出できます。"))
    fields = {"what": what.strip(), "cause": cause.strip(), "measures": measures.strip()}
    if not all(fields.values()):
        raise DomainError(_("何が起きたか、原因、再発防止策をすべて書いてください。"))
    if any(len(v) > MAX_REASON for v in fields.values()):
        raise DomainError(_("各項目は %(max)s 文字までにしてください。") % {"max": MAX_REASON})
    with transaction.atomic():
        incident.review_what, incident.review_cause, incident.review_measures = fields.values()
        incident.review_by, incident.review_at = actor, timezone.now()
        incident.state = IncidentState.REVIEWING
        incident.save()
        _entry(incident, EntryKind.REVIEW, actor=actor)
        audit.record(
            "incidents.review_submitted",
            actor=actor,
            target=incident,
            department=incident.department,
            data=fields,
            request=request,
        )
        notify(
            list(User.objects.policy_division()),
            _("【Kagami】炎上対応の振り返りが提出されました: %(incident)s")
            % {"incident": incident},
            _("内容を確認し、受理するか差し戻してください。"),
            link=reverse("incidents:incident_detail", args=[incident.pk]),
        )
    return incident


def decide_review(
    *,
    actor: User,
    incident: Incident,
    accept: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> Incident:
    """The policy division accepts the review, which ends the incident and lifts its
    pauses, or returns it with a note."""
    if not actor.is_policy_division:
        raise DomainError(_("振り返りを受理できるのは情報政策担当課だけです。"))
    if incident.state != IncidentState.REVIEWING:
        raise DomainError(_("確認待ちの振り返りがありません。"))
    note = note.strip()
    if not accept and not note:
        raise DomainError(_("差し戻す理由を書いてください。"))
    with transaction.atomic():
        if not accept:
            incident.state = IncidentState.OPEN
            incident.save(update_fields=["state"])
            _entry(incident, EntryKind.RETURNED, note, actor)
            audit.record(
                "incidents.review_returned",
                actor=actor,
                target=incident,
                department=incident.department,
                data={"note": note},
                request=request,
            )
            notify(
                [u for u in incident.department.heads()],
                _("【Kagami】炎上対応の振り返りが差し戻されました: %(incident)s")
                % {"incident": incident},
                note,
                link=reverse("incidents:incident_detail", args=[incident.pk]),
            )
            return incident
        incident.state = IncidentState.CLOSED
        incident.closed_by, incident.closed_at = actor, timezone.now()
        incident.save(update_fields=["state", "closed_by", "closed_at"])
        held = []
        for item in incident.accounts.select_related("pause"):
            if item.pause.resumed_at is None:
                held += publishing.resume(actor=actor, stop=item.pause, request=request)
        _entry(incident, EntryKind.CLOSED, note, actor)
        audit.record(
            "incidents.closed",
            actor=actor,
            target=incident,
            department=incident.department,
            data={"held": [d.pk for d in held]},
            request=request,
        )
        notify(
            _people_to_tell(incident),
            _("【Kagami】炎上対応を終了しました: %(incident)s") % {"incident": incident},
            _(
                "振り返りが受理され、炎上対応を終了しました。アカウントの一時停止を解除しました。"
                "予定時刻を過ぎた投稿が %(count)s 件あります。送るか取りやめるかを決めてください。"
            )
            % {"count": len(held)},
            link=reverse("incidents:incident_detail", args=[incident.pk]),
        )
    return incident
