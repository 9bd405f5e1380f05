"""The guideline's guarantees where posts, the registry and publishing meet, tried in many
orders of events (Hypothesis stateful testing):

- every text on the platform is a kept, approved version, exactly as approved (G-5-2),
- approved by someone who wrote and edited none of it since the last approval (G-5-2),
- sent from an account that could publish at that moment, with no pause covering it
  (G-4-2, G-4-3, G-6-4),
- at most once per post and account,
- and nothing approved and never cancelled is lost: it is published, or failed, held or
  cancelled with a reason.

People of the test cast save, edit, submit, approve, ask for changes, reject and withdraw;
the policy division pauses and resumes, people decide on held posts and send failed ones
again; the head suspends, resumes and ends the account; the worker runs while the platform
answers with success, a 5xx, a rate limit, a refusal, or stores the post and then fails or
the worker dies; time passes.

`make test` runs a bounded number of examples on both databases;
KAGAMI_STATEFUL_EXAMPLES=500 (and KAGAMI_STATEFUL_STEPS) run it longer.
"""

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import ActingAppointment, Membership, Role, User
from kagami.posts import workflow as posts
from kagami.posts.models import (
    Approval,
    Decision,
    EmergencyMode,
    Post,
    PostState,
    PostVersion,
    emergency_on,
)
from kagami.publishing import worker
from kagami.publishing import workflow as publishing
from kagami.publishing.adapters import (
    REGISTRY,
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.models import Delivery, DeliveryState, Pause
from kagami.registry import reports as registry_reports
from kagami.registry import workflow as registry
from kagami.registry.models import END_CHECKLIST, OfficialAccount, Report
from kagami.registry.testing import publishing_account

START = datetime(2026, 12, 7, 9, 0, tzinfo=JST)  # a Monday
EXAMPLES = int(os.environ.get("KAGAMI_STATEFUL_EXAMPLES", "20"))
STEPS = int(os.environ.get("KAGAMI_STATEFUL_STEPS", "40"))


class WorkerDied(BaseException):
    """The worker process dies mid-call (not an Exception: nothing in the worker catches it)."""


@dataclass
class Stored:
    account_id: int
    text: str
    key: str
    publishable: bool  # the account could publish and no pause covered it, at the call
    approved: bool  # the post was approved at the delivery's version, at the call


class ModelPlatform(Adapter):
    """The platform: stores what it receives by idempotency key, answers as scripted, and
    notes whether the account could publish at the moment of the call."""

    code = "x"
    store: ClassVar[dict[str, Stored]] = {}
    script: ClassVar[list[str]] = []

    def publish(self, request: PublishRequest) -> Published:
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome == "5xx":
            raise PublishError("503 Service Unavailable", ErrorKind.UNAVAILABLE)
        if outcome == "rate":
            raise PublishError(
                "Too Many Requests",
                ErrorKind.RATE_LIMITED,
                retry_after=timezone.now() + timedelta(minutes=15),
            )
        if outcome == "refused":
            raise PublishError("duplicate content", ErrorKind.CONTENT_REFUSED)
        account = OfficialAccount.objects.get(handle=request.handle)
        delivery = Delivery.objects.select_related("post").get(
            idempotency_key=request.idempotency_key
        )
        self.store[request.idempotency_key] = Stored(
            account.pk,
            request.text,
            request.idempotency_key,
            _may_send(account, delivery),
            delivery.post.state == PostState.APPROVED and delivery.post.version == delivery.version,
        )
        if outcome == "stored-5xx":
            raise PublishError("502 Bad Gateway", ErrorKind.UNAVAILABLE)
        if outcome == "stored-crash":
            raise WorkerDied
        return self._published(request.idempotency_key)

    def find_existing(self, request: PublishRequest) -> Published | None:
        if request.idempotency_key in self.store:
            return self._published(request.idempotency_key)
        return None

    @staticmethod
    def _published(key: str) -> Published:
        return Published(platform_post_id=key, url=f"https://x.com/kagamino_town/status/{key}")


def _may_send(account: OfficialAccount, delivery: Delivery) -> bool:
    """The account may publish now, no pause covers it, and under a 炎上 pause only an
    approved statement goes out (G-4-3, G-6-4)."""
    pauses = list(Pause.objects.covering(account))
    if any(not p.statements_allowed for p in pauses):
        return False
    if pauses and not delivery.post.statement:
        return False
    # In emergency mode ordinary posts are held for a person (emergency information and
    # statements go out).
    if emergency_on() and not (delivery.post.emergency or delivery.post.statement):
        return False
    return account.publishable_at(timezone.now())


# Indices into Town.people: the department's members, and those who may approve.
ANYONE = st.integers(0, 5)
MEMBERS = st.sampled_from([0, 1, 2])
APPROVERS = st.sampled_from([1, 2])
# How far ahead posts are scheduled: mostly soon, so that they fall due within a run.
SOON = st.sampled_from([1, 2, 5, 30, 240])
OUTCOMES = st.sampled_from(["ok", "5xx", "rate", "refused", "stored-5xx", "stored-crash"])
TEXTS = st.sampled_from(
    [
        "健康まつりのお知らせです。",
        "図書館は12月12日（土）に臨時休館します。",
        "ごみの収集日が変わります。",
        "【お詫び】昨日お知らせした収集日に誤りがありました。",  # an official statement (G-6-4)
    ]
)


def _statement(text: str) -> str:
    return "apology" if text.startswith("【お詫び】") else ""


class Town:
    """The cast, made once per test: the state machine's changes are rolled back after
    every example."""

    def __init__(self, cast: Any) -> None:
        self.cast = cast
        self.yamada = User.objects.create_user(
            email="yamada@town.example.lg.jp",
            staff_number="1003",
            display_name="山田 次郎",
            password="correct horse battery staple",
        )
        Membership.objects.create(
            user=self.yamada, department=cast.somu, role=Role.STAFF, valid_from=date(2020, 4, 1)
        )
        ActingAppointment.objects.create(
            department=cast.somu,
            deputy=self.yamada,
            appointed_by=cast.suzuki,
            starts_at=START - timedelta(days=30),
            ends_at=START + timedelta(days=365),
        )
        self.account = publishing_account(
            head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
        )
        registry.begin_operation(actor=cast.suzuki, account=self.account)
        self.people = [cast.tanaka, cast.suzuki, self.yamada, cast.sato, cast.takahashi, cast.ito]


class Guarantees(RuleBasedStateMachine):
    town: ClassVar[Town]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._clock = time_machine.travel(START, tick=False)
        self._traveller = self._clock.start()
        ModelPlatform.store, ModelPlatform.script = {}, []
        self.account = OfficialAccount.objects.get(pk=self.town.account.pk)

    def teardown(self) -> None:
        try:
            self._drain_and_check_nothing_is_lost()
        finally:
            self._clock.stop()
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # People -----------------------------------------------------------------------------

    def _person(self, n: int) -> User:
        return self.town.people[n % len(self.town.people)]

    def _exists(self, *states: str) -> bool:
        return Post.objects.filter(state__in=states).exists()

    def _post(self, n: int, *states: str) -> Post | None:
        """The n-th post (cyclically) among those in `states`, or among all of them."""
        found = list(Post.objects.filter(state__in=states) if states else Post.objects.all())
        return sorted(found, key=lambda p: p.pk)[n % len(found)] if found else None

    @initialize(text=TEXTS, minutes=SOON)
    def first_post(self, text: str, minutes: int) -> None:
        self._save(self.town.cast.tanaka, text, minutes)

    @initialize(text=TEXTS, minutes=SOON, deputy=st.booleans())
    def an_approved_post(self, text: str, minutes: int, deputy: bool) -> None:
        cast = self.town.cast
        post = self._save(cast.tanaka, text, minutes)
        posts.submit_post(actor=cast.tanaka, post=post)
        posts.approve_post(actor=self.town.yamada if deputy else cast.suzuki, post=post)

    @rule(who=ANYONE, text=TEXTS, minutes=SOON)
    def save(self, who: int, text: str, minutes: int) -> None:
        with contextlib.suppress(DomainError):
            self._save(self._person(who), text, minutes)

    def _save(self, actor: User, text: str, minutes: int) -> Post:
        return posts.save_post(
            actor=actor,
            department=self.town.cast.somu,
            accounts=[self.account],
            text=text,
            publish_at=timezone.now() + timedelta(minutes=minutes),
            out_of_hours_kind="emergency",
            statement=_statement(text),
        )

    @rule(n=st.integers(0, 3), who=MEMBERS, text=TEXTS, minutes=SOON)
    def edit(self, n: int, who: int, text: str, minutes: int) -> None:
        self._edit(self._post(n), who, text, minutes)

    @precondition(lambda self: self._exists(PostState.APPROVED))
    @rule(n=st.integers(0, 3), who=MEMBERS, text=TEXTS, minutes=SOON)
    def edit_an_approved_post(self, n: int, who: int, text: str, minutes: int) -> None:
        self._edit(self._post(n, PostState.APPROVED), who, text, minutes)

    def _edit(self, post: Post | None, who: int, text: str, minutes: int) -> None:
        if post is None:
            return
        with contextlib.suppress(DomainError):
            posts.save_post(
                actor=self._person(who),
                department=post.department,
                accounts=[self.account],
                text=f"{text}（修正）" if minutes % 2 else text,
                publish_at=timezone.now() + timedelta(minutes=minutes),
                out_of_hours_kind="emergency",
                # Rewriting a post into a statement (or back) is an edit like any other.
                statement=_statement(text),
                post=post,
            )

    @rule(n=st.integers(0, 3), who=ANYONE)
    def submit(self, n: int, who: int) -> None:
        self._try(posts.submit_post, self._post(n), actor=self._person(who))

    @precondition(lambda self: self._exists(PostState.DRAFT, PostState.CHANGES_REQUESTED))
    @rule(n=st.integers(0, 3), who=MEMBERS)
    def submit_a_draft(self, n: int, who: int) -> None:
        post = self._post(n, PostState.DRAFT, PostState.CHANGES_REQUESTED)
        self._try(posts.submit_post, post, actor=self._person(who))

    @rule(n=st.integers(0, 3), who=ANYONE)
    def approve(self, n: int, who: int) -> None:
        self._try(posts.approve_post, self._post(n), actor=self._person(who))

    @precondition(lambda self: self._exists(PostState.SUBMITTED))
    @rule(n=st.integers(0, 3), who=APPROVERS)
    def approve_a_submitted_post(self, n: int, who: int) -> None:
        post = self._post(n, PostState.SUBMITTED)
        self._try(posts.approve_post, post, actor=self._person(who))

    @precondition(lambda self: self._exists(PostState.SUBMITTED))
    @rule(n=st.integers(0, 3), who=ANYONE)
    def request_changes(self, n: int, who: int) -> None:
        post = self._post(n, PostState.SUBMITTED)
        self._try(posts.request_changes, post, actor=self._person(who), comment="日付を確認")

    @precondition(lambda self: self._exists(PostState.SUBMITTED))
    @rule(n=st.integers(0, 3), who=ANYONE)
    def reject(self, n: int, who: int) -> None:
        post = self._post(n, PostState.SUBMITTED)
        self._try(posts.reject_post, post, actor=self._person(who), comment="内容が不適切")

    @rule(n=st.integers(0, 3), who=MEMBERS)
    def withdraw(self, n: int, who: int) -> None:
        self._try(posts.withdraw_post, self._post(n), actor=self._person(who))

    def _try(self, action: Any, post: Post | None, **kwargs: Any) -> None:
        if post is None:
            return
        with contextlib.suppress(DomainError):
            action(post=post, **kwargs)

    # The policy division, heads and the account -----------------------------------------

    @rule(everything=st.booleans())
    def pause(self, everything: bool) -> None:
        publishing.pause(
            actor=self.town.cast.takahashi,
            reason="訓練",
            account=None if everything else self.account,
        )

    @precondition(lambda self: not EmergencyMode.objects.active().exists())
    @rule()
    def declare_emergency(self) -> None:
        EmergencyMode.objects.create(
            reason="大雨警報（訓練）", declared_by=self.town.cast.takahashi
        )

    @precondition(lambda self: EmergencyMode.objects.active().exists())
    @rule()
    def end_emergency(self) -> None:
        EmergencyMode.objects.active().update(ended_at=timezone.now(), report="訓練終了")

    @rule()
    def declare_flaming(self) -> None:
        publishing.restrict_to_statements(
            actor=self.town.cast.suzuki, account=self.account, reason="炎上対応（訓練）"
        )

    @precondition(lambda self: Pause.objects.in_force().exists())
    @rule()
    def resume(self) -> None:
        for stop in Pause.objects.in_force():
            publishing.resume(actor=self.town.cast.takahashi, stop=stop)

    @precondition(lambda self: Delivery.objects.filter(state=DeliveryState.HELD).exists())
    @rule(send=st.booleans(), who=ANYONE)
    def decide_held(self, send: bool, who: int) -> None:
        for delivery in Delivery.objects.filter(state=DeliveryState.HELD):
            with contextlib.suppress(DomainError):
                publishing.decide_late(actor=self._person(who), delivery=delivery, send=send)

    @precondition(lambda self: Delivery.objects.filter(state=DeliveryState.FAILED).exists())
    @rule(who=ANYONE)
    def send_failed_again(self, who: int) -> None:
        for delivery in Delivery.objects.filter(state=DeliveryState.FAILED):
            with contextlib.suppress(DomainError):
                publishing.resend(actor=self._person(who), delivery=delivery)

    @rule(kind=st.sampled_from(["suspend", "end"]), days=st.integers(0, 2))
    def stop_account(self, kind: str, days: int) -> None:
        try:
            report = registry_reports.file_end_report(
                actor=self.town.cast.suzuki,
                account=self.account,
                end_kind=kind,
                end_date=timezone.localdate() + timedelta(days=days),
                reason="事業の見直しのため",
                disposition="lock",
                checklist=dict.fromkeys(END_CHECKLIST, True),
            )
            registry_reports.accept_report(actor=self.town.cast.takahashi, report=report)
        except DomainError:
            for report in Report.objects.filter(account=self.account, status="submitted"):
                registry_reports.return_report(
                    actor=self.town.cast.takahashi, report=report, comment="取り下げ"
                )

    @rule()
    def resume_account(self) -> None:
        with contextlib.suppress(DomainError):
            registry.resume_account(actor=self.town.cast.suzuki, account=self.account)

    # The worker and time ----------------------------------------------------------------

    @rule(outcomes=st.lists(OUTCOMES, max_size=3))
    def run_worker(self, outcomes: list[str]) -> None:
        ModelPlatform.script = list(outcomes)
        # A dying worker leaves what it recorded before the call; the rest is lost with it.
        with contextlib.suppress(WorkerDied):
            worker.run_once()
        ModelPlatform.script = []

    @rule(outcomes=st.lists(OUTCOMES, max_size=2))
    def the_worker_runs_when_something_is_due(self, outcomes: list[str]) -> None:
        self.time_passes_until_something_is_due()
        self.run_worker(outcomes)

    @rule(minutes=st.sampled_from([1, 2, 5, 10]))
    def a_little_time_passes(self, minutes: int) -> None:
        self.time_passes(minutes)

    @rule()
    def time_passes_until_something_is_due(self) -> None:
        """To the next approved post's time or the next retry, whichever comes first."""
        now = timezone.now()
        upcoming = [
            *Post.objects.filter(state=PostState.APPROVED, publish_at__gt=now).values_list(
                "publish_at", flat=True
            ),
            *Delivery.objects.filter(
                state=DeliveryState.WAITING, next_attempt_at__gt=now
            ).values_list("next_attempt_at", flat=True),
        ]
        if upcoming:
            self._traveller.move_to(min(upcoming) + timedelta(seconds=1))
            self.time_passes(0)

    @rule(minutes=st.sampled_from([1, 10, 30, 120, 60 * 24]))
    def time_passes(self, minutes: int) -> None:
        self._traveller.shift(timedelta(minutes=minutes))
        registry.apply_scheduled_account_changes()
        posts.expire_overdue_posts()

    # What must hold after every step ----------------------------------------------------

    @invariant()
    def nobody_approves_what_they_wrote_or_edited(self) -> None:
        for approval in Approval.objects.filter(decision__in=DECIDED).select_related("post"):
            assert approval.decided_by_id not in _writers(approval.post, approval.version), (
                f"{approval.decided_by} decided on v{approval.version} they wrote or edited"
            )

    @invariant()
    def only_approved_text_goes_out_once_from_an_account_that_may_publish(self) -> None:
        seen: set[tuple[int, int]] = set()
        for stored in ModelPlatform.store.values():
            delivery = Delivery.objects.get(idempotency_key=stored.key)
            assert stored.text == delivery.text
            assert stored.publishable, (
                "sent while the account could not publish or was paused, or in 炎上 mode "
                "without being an approved statement"
            )
            assert stored.approved, "sent after the post was edited or withdrawn"
            kept = PostVersion.objects.get(post=delivery.post, number=delivery.version)
            assert kept.text_for(stored.account_id) == stored.text
            approval = Approval.objects.filter(
                post=delivery.post, version=delivery.version, decision=Decision.APPROVED
            ).first()
            assert approval is not None and approval.digest == kept.digest
            assert approval.decided_by_id not in _writers(delivery.post, delivery.version)
            once = (delivery.post_id, stored.account_id)
            assert once not in seen, "published twice on one account"
            seen.add(once)

    def _drain_and_check_nothing_is_lost(self) -> None:
        """Let every lease run out and the worker finish with the platform healthy: what was
        approved and never cancelled is published, or failed, held or cancelled with a
        reason (or still waits for a pause or a rate limit to end)."""
        for _round in range(worker.MAX_ATTEMPTS + 2):
            self._traveller.shift(worker.LEASE + timedelta(hours=1))
            worker.run_once(limit=500)
        self.only_approved_text_goes_out_once_from_an_account_that_may_publish()
        for state in Delivery.objects.values_list("state", flat=True).distinct():
            event(f"a delivery ended {state}")
        event(f"posts published on the platform: {min(len(ModelPlatform.store), 3)}+")
        now = timezone.now()
        for delivery in Delivery.objects.all():
            if delivery.state == DeliveryState.PUBLISHED:
                assert delivery.platform_post_id in ModelPlatform.store
            elif delivery.state == DeliveryState.FAILED:
                assert delivery.last_error
            elif delivery.state in (DeliveryState.HELD, DeliveryState.CANCELLED):
                assert delivery.reason
            else:
                assert delivery.state == DeliveryState.WAITING, delivery.state
                assert Pause.objects.covering(delivery.account).exists()
        for post in Post.objects.prefetch_related("targets", "images", "decisions"):
            if post.current_approval() is None or post.publish_at > now:
                continue
            for target in post.targets.all():
                assert Delivery.objects.filter(post=post, account=target.account).exists(), (
                    f"approved post {post.pk} v{post.version} never went out"
                )


# Decisions by an approver (a pre-approved publication is the author's own, under G-5-2-a).
DECIDED = [Decision.APPROVED, Decision.CHANGES_REQUESTED, Decision.REJECTED]


def _writers(post: Post, version: int) -> set[int]:
    """The author and everyone who made a version between the previous approval and
    `version`: none of them may have approved `version`."""
    earlier = Approval.objects.filter(
        post=post, decision=Decision.APPROVED, version__lt=version
    ).values_list("version", flat=True)
    since = max(earlier, default=0)
    return {post.author_id} | set(
        PostVersion.objects.filter(post=post, number__gt=since, number__lte=version).values_list(
            "edited_by", flat=True
        )
    )


@pytest.fixture
def model_platform(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.KAGAMI_PUBLISHING = "live"
    monkeypatch.setitem(REGISTRY, "x", ModelPlatform)
    yield


def test_the_guarantees_hold_in_any_order_of_events(cast: Any, model_platform: None) -> None:
    with time_machine.travel(START - timedelta(days=1), tick=False):
        Guarantees.town = Town(cast)
    run_state_machine_as_test(
        Guarantees,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=os.environ.get("KAGAMI_STATEFUL_EXAMPLES") is None,
        ),
    )
