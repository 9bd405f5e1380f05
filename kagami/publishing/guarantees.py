"""What must hold whenever a post goes out, checked in one place.

The invariant (G-5-2, G-4-2, G-4-3, G-6-4): a platform receives only text that was approved,
exactly as it was approved, by someone who neither wrote nor edited it, from an account that
may publish at that moment, with no pause covering it, and, while the account is in 炎上 mode,
only an approved official statement. In emergency mode ordinary posts are held for a person.
The worker asks `verdict()` inside the transaction that starts each attempt (after claiming
it); people who send a held or failed delivery again are asked the same question first
(`refusal()`).

Approval independence is enforced where approvals are given (`posts.workflow`); here the
delivery's version must be the one the current approval binds, so an edit after approval
always needs a new, independent approval before anything goes out.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext as _

from kagami.posts.checking import check_text
from kagami.posts.models import PostState, emergency_on
from kagami.publishing.models import Delivery
from kagami.registry.models import AccountState


class Action(StrEnum):
    SEND = "send"
    WAIT = "wait"  # paused now: back to the queue, untried
    HOLD = "hold"  # a person decides (send or cancel)
    CANCEL = "cancel"  # can never go out as it is


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str = ""


SEND = Verdict(Action.SEND)


def approval_problem(delivery: Delivery) -> str | None:
    """Why the delivery's text is no longer what an approval covers, or None.

    Expects `delivery.post` with its decisions, targets, images and versions prefetched when
    called for many deliveries."""
    post = delivery.post
    if post.state != PostState.APPROVED:
        return _("投稿が「%(state)s」になったため、送りません。") % {
            "state": post.get_state_display()
        }
    if post.version != delivery.version:
        return _("投稿が編集されたため（第%(version)s版）、承認済みの古い版は送りません。") % {
            "version": post.version
        }
    approval = post.current_approval()
    if approval is None or approval.version != delivery.version:
        return _("この版の承認が無効になったため、送りません。")
    kept = delivery.approved_version()
    if (
        kept is None
        or kept.digest != approval.digest
        or kept.text_for(delivery.account_id) != (delivery.text)
    ):
        return _("送る本文が承認された内容と一致しないため、送りません。")
    return None


def verdict(
    delivery: Delivery,
    now: datetime,
    *,
    paused: bool,
    statements_only: bool = False,
    emergency: bool = False,
) -> Verdict:
    """May this delivery go out now? Cancel what can never go out, hold what a person must
    decide on, wait out a pause. `statements_only`: the account is in 炎上 mode (G-6-4), where
    only approved statements go out and everything else waits for the incident to end."""
    problem = approval_problem(delivery)
    if problem:
        return Verdict(Action.CANCEL, problem)
    account = delivery.account
    if account.state_at(now) == AccountState.ENDED:
        return Verdict(Action.CANCEL, _("アカウントの運用が終了したため、送りません。"))
    blocker = account.publishing_blocker(now)
    if blocker:
        return Verdict(Action.HOLD, blocker)
    if paused:
        return Verdict(Action.WAIT, _("投稿の一時停止中です。"))
    if statements_only and not delivery.post.statement:
        return Verdict(Action.WAIT, _("炎上対応中のため、承認された公式の声明以外は投稿しません。"))
    if emergency and not (delivery.post.emergency or delivery.post.statement):
        return Verdict(
            Action.HOLD,
            _(
                "緊急モード中のため、通常の投稿は保留しました。"
                "緊急モードが終わってから、送るか取りやめるかを決めてください。"
            ),
        )
    errors = [
        f
        for f in check_text(
            delivery.text,
            [account],
            now,
            [(i["alt_text"], i["source"]) for i in _images(delivery)],
            written_for=delivery.post.publish_at,
        )
        if f.severity == "error"
    ]
    if errors:
        return Verdict(
            Action.HOLD,
            _("送る時点の内容のチェックで、直す必要がある項目が見つかりました: %(message)s")
            % {"message": errors[0].message},
        )
    return SEND


def refusal(delivery: Delivery, now: datetime) -> str | None:
    """Why a person may not send this delivery now (a pause only delays it), or None."""
    decided = verdict(delivery, now, paused=False, emergency=emergency_on())
    return decided.reason if decided.action in (Action.CANCEL, Action.HOLD) else None


def _images(delivery: Delivery) -> list[dict[str, str]]:
    kept = delivery.approved_version()
    return list(kept.content["images"]) if kept is not None else []
