"""Writing and proving the audit chain.

`record()` is called by every workflow function inside the transaction of the change it
records. Each event's hash is HMAC-SHA256(key, canonical JSON of the event + previous hash),
so editing, deleting, inserting or reordering a row breaks the chain at that row.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit.models import AuditEvent, ChainHead

GENESIS = "0" * 64
MASK = "[masked]"
SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "otp",
    "private_key",
    "credential",
    "recovery_code",
    "backup_code",
)


def mask_secrets(value: Any) -> Any:
    """A copy of `value` with anything stored under a secret-sounding key replaced by MASK."""
    if isinstance(value, dict):
        return {
            str(key): (
                MASK
                if any(part in str(key).lower() for part in SECRET_KEY_PARTS)
                else mask_secrets(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [mask_secrets(item) for item in value]
    return value


def _json_safe(data: Any) -> Any:
    # Round-trip through JSON so that what we hash is exactly what the database gives back.
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def event_digest(event: AuditEvent, *, key: str | None = None) -> str:
    """The HMAC that `event` must carry, given its contents and its prev_hash."""
    payload = {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "department": event.department_id,
        "data": event.data,
        "ip": event.ip_address,
        "prev": event.prev_hash,
    }
    message = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    secret = (key or settings.AUDIT_HMAC_KEY).encode()
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def _locked_head() -> ChainHead:
    try:
        return ChainHead.objects.select_for_update().get(pk=1)
    except ChainHead.DoesNotExist:
        pass
    # Only after the table was emptied (a fresh database, or a test flush): continue from the
    # last event, if any, so the chain stays one chain.
    last = AuditEvent.objects.order_by("-seq").first()
    try:
        with transaction.atomic():
            ChainHead.objects.create(
                pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS
            )
    except IntegrityError:
        pass  # another writer created it first
    return ChainHead.objects.select_for_update().get(pk=1)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    department: Any = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event for `action` (a dotted code such as `orgs.membership_ended`).

    Call it inside the transaction of the change it records, so both commit or neither does.
    Values under secret-sounding keys in `data` are masked before anything is stored.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        head = _locked_head()
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor,
            actor_label=str(actor)[:200] if actor is not None else "",
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=(target_label or (str(target) if target is not None else ""))[:300],
            department=department,
            data=_json_safe(mask_secrets(data or {})),
            ip_address=client_ip(request),
            prev_hash=head.hash,
        )
        event.hash = event_digest(event)
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class Verification:
    """What `verify()` found: how many events it checked and the first broken link, if any."""

    checked: int
    broken_at: int | None = None
    reason: str = ""
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(*, key: str | None = None, chunk_size: int = 2000) -> Verification:
    """Walk the whole chain in order and name the first event that does not fit."""
    expected_seq, previous = 1, GENESIS
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return Verification(
                expected_seq - 1,
                expected_seq,
                _("通番 %(seq)s の監査イベントがありません（削除または並べ替え）。")
                % {"seq": expected_seq},
            )
        if event.prev_hash != previous:
            return Verification(
                expected_seq - 1,
                event.seq,
                _("通番 %(seq)s が直前のイベントとつながっていません（挿入・削除・並べ替え）。")
                % {"seq": event.seq},
            )
        if not hmac.compare_digest(event_digest(event, key=key), event.hash):
            return Verification(
                expected_seq - 1,
                event.seq,
                _("通番 %(seq)s の内容が記録後に変更されています。") % {"seq": event.seq},
            )
        previous = event.hash
        expected_seq += 1
    checked = expected_seq - 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != previous):
        return Verification(
            checked,
            checked + 1,
            _("チェーンの末尾（通番 %(head)s）までのイベントが欠けています。") % {"head": head.seq},
            previous,
        )
    if head is None and checked:
        return Verification(
            checked, checked + 1, _("チェーンの末尾を示す記録が削除されています。"), previous
        )
    return Verification(checked, None, "", previous)


def latest_at() -> datetime | None:
    last = AuditEvent.objects.order_by("-seq").only("at").first()
    return last.at if last else None
