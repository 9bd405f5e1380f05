"""Writing and proving the audit chain.

`record()` is called by every workflow function inside the transaction of the change it
records. Each event's hash is HMAC-SHA256(key, canonical JSON of the event + previous hash),
so editing, deleting, inserting or reordering a row breaks the chain at that row.
"""

import contextlib
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
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


def _head_table() -> str:
    return connection.ops.quote_name(ChainHead._meta.db_table)


def _lock_head() -> tuple[int, str]:
    """The head's sequence number and hash, locked until the transaction ends (SQLite's
    IMMEDIATE transaction already holds the database's write lock)."""
    suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {_head_table()} WHERE id = 1{suffix}")  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    # Only after the table was emptied (a test flush): continue from the last event, if any,
    # so the chain stays one chain.
    last = AuditEvent.objects.order_by("-seq").first()
    with contextlib.suppress(IntegrityError), transaction.atomic():
        ChainHead.objects.create(
            pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS
        )
    return _lock_head()


CHAIN_FIELDS = ("seq", "prev_hash", "hash")


def _try_append(event: AuditEvent, prepared: dict[str, Any], *, after_seq: int) -> bool:
    """Advance the locked head from `after_seq` to the event and insert the event, in one
    statement on PostgreSQL (the lock is held until the transaction ends, so the fewer round
    trips here, the more appends per second). False if the head was not at `after_seq`.
    """
    values = {**prepared, **{name: getattr(event, name) for name in CHAIN_FIELDS}}
    columns = ", ".join(connection.ops.quote_name(column) for column in values)
    params = list(values.values())
    placeholders = ", ".join(["%s"] * len(values))
    event_table = connection.ops.quote_name(AuditEvent._meta.db_table)
    advance = f"UPDATE {_head_table()} SET seq = %s, hash = %s WHERE id = 1 AND seq = %s"  # noqa: S608
    head_params: list[Any] = [event.seq, event.hash, after_seq]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH advanced AS ({advance} RETURNING 1) "  # noqa: S608
                f"INSERT INTO {event_table} ({columns}) "
                f"SELECT {placeholders} FROM advanced RETURNING id",
                [*head_params, *params],
            )
            row = cursor.fetchone()
            if row is None:
                return False
            event.pk = row[0]
        else:
            cursor.execute(advance, head_params)
            if cursor.rowcount != 1:
                return False
            cursor.execute(
                f"INSERT INTO {event_table} ({columns}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
                params,
            )
            event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias
    return True


def _append(event: AuditEvent) -> None:
    prepared = {
        str(field.column): field.get_db_prep_save(getattr(event, field.attname), connection)
        for field in AuditEvent._meta.concrete_fields
        if field.name != "id" and field.name not in CHAIN_FIELDS
    }
    seq, prev = _lock_head()
    event.seq, event.prev_hash = seq + 1, prev
    event.hash = event_digest(event)
    if not _try_append(event, prepared, after_seq=seq):  # pragma: no cover - the head is locked
        raise RuntimeError("the audit chain head moved while locked")


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
    # Everything but the chain fields is prepared before taking the lock.
    event = _new_event(
        action,
        actor=actor,
        target=target,
        target_label=target_label,
        department=department,
        data=data,
        request=request,
    )
    with transaction.atomic():
        _append(event)
    return event


def record_many(entries: "list[dict[str, Any]]") -> list[AuditEvent]:
    """Append several events in one turn of the chain lock (the publishing worker's batches).

    Each entry holds `record()`'s arguments. The events are chained in the given order and
    inserted together, so the lock is held for a few statements instead of a few per event.
    """
    events = [_new_event(**entry) for entry in entries]
    if not events:
        return events
    with transaction.atomic():
        first, previous = _lock_head()
        seq = first
        for event in events:
            seq += 1
            event.seq, event.prev_hash = seq, previous
            event.hash = previous = event_digest(event)
        AuditEvent.objects.bulk_create(events)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_head_table()} SET seq = %s, hash = %s WHERE id = 1 AND seq = %s",  # noqa: S608
                [seq, previous, first],
            )
            if cursor.rowcount != 1:  # pragma: no cover - the head is locked
                raise RuntimeError("the audit chain head moved while locked")
    return events


def _new_event(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    department: Any = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
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
    )


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
