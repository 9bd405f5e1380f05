"""The audit chain: append-only, and `verify` names the first broken link of any tampering."""

import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from kagami.audit import log as audit
from kagami.audit.models import AppendOnlyError, AuditEvent, ChainHead


def _append(n: int, **kwargs: object) -> list[AuditEvent]:
    return [audit.record("test.happened", data={"n": i}, **kwargs) for i in range(n)]  # type: ignore[arg-type]


def _raw(sql: str, params: list[object]) -> None:
    """Change rows behind the ORM's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger stops UPDATE/DELETE; a superuser can switch it off.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_events_form_a_chain_that_verifies(db: None) -> None:
    events = _append(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.head_hash == events[-1].hash


def test_a_batch_of_events_joins_the_same_chain(db: None) -> None:
    before = _append(2)
    batch = audit.record_many(
        [{"action": "test.batched", "data": {"n": i, "token": "s3cret"}} for i in range(3)]
    )
    after = _append(1)
    assert [e.seq for e in batch] == [3, 4, 5] and after[0].seq == 6
    assert batch[0].prev_hash == before[-1].hash and after[0].prev_hash == batch[-1].hash
    assert AuditEvent.objects.get(seq=4).data == {"n": 1, "token": audit.MASK}
    assert audit.record_many([]) == []
    result = audit.verify()
    assert result.ok and result.checked == 6


def test_verify_detects_an_edited_row(db: None) -> None:
    _append(5)
    _raw("UPDATE audit_auditevent SET data = %s WHERE seq = 3", ['{"n": 99}'])
    result = audit.verify()
    assert (result.ok, result.broken_at) == (False, 3)
    assert "変更" in result.reason


def test_verify_detects_a_deleted_row(db: None) -> None:
    _append(5)
    _raw("DELETE FROM audit_auditevent WHERE seq = 2", [])
    assert audit.verify().broken_at == 2


def test_verify_detects_rows_cut_off_the_end(db: None) -> None:
    _append(5)
    _raw("DELETE FROM audit_auditevent WHERE seq >= 4", [])
    result = audit.verify()
    assert (result.ok, result.broken_at, result.checked) == (False, 4, 3)


def test_verify_detects_an_inserted_row(db: None) -> None:
    events = _append(3)
    # Make room at seq 2 and slip in a forged event that links to event 1.
    _raw("UPDATE audit_auditevent SET seq = seq + 10 WHERE seq >= 2", [])
    _raw("UPDATE audit_auditevent SET seq = seq - 9 WHERE seq >= 12", [])
    forged = AuditEvent(
        seq=2, at=events[0].at, action="forged", prev_hash=events[0].hash, hash="f" * 64, data={}
    )
    forged.save()
    assert audit.verify().broken_at == 2


def test_verify_detects_reordered_rows(db: None) -> None:
    _append(4)
    _raw("UPDATE audit_auditevent SET seq = 100 WHERE seq = 2", [])
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3", [])
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = 100", [])
    assert audit.verify().broken_at == 2


def test_verify_rejects_a_chain_made_with_another_key(db: None) -> None:
    _append(2)
    assert audit.verify(key="some-other-key").broken_at == 1


def test_events_cannot_be_changed_or_deleted_through_the_orm(db: None) -> None:
    event = audit.record("test.happened")
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_updates_even_in_raw_sql(db: None) -> None:
    from django.db import DatabaseError

    audit.record("test.happened")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET action = 'x'")


def test_secrets_in_data_are_masked_before_storing(db: None) -> None:
    event = audit.record(
        "test.happened",
        data={
            "password": "hunter2",
            "nested": {"api_token": "abc", "name": "田中"},
            "list": [{"otp": "123456"}],
        },
    )
    event.refresh_from_db()
    assert event.data == {
        "password": audit.MASK,
        "nested": {"api_token": audit.MASK, "name": "田中"},
        "list": [{"otp": audit.MASK}],
    }
    assert "hunter2" not in str(AuditEvent.objects.values_list("data", flat=True))


def test_an_event_rolls_back_with_the_change_it_records(db: None) -> None:
    audit.record("test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.rolled_back")
        raise RuntimeError
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    assert ChainHead.objects.get().seq == 1
    assert audit.verify().ok


def test_the_verify_command_exits_non_zero_and_names_the_broken_link(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _append(3)
    call_command("audit", "verify")
    assert "3 件" in capsys.readouterr().out
    _raw("UPDATE audit_auditevent SET action = 'test.edited' WHERE seq = 2", [])
    with pytest.raises(CommandError, match="通番 2") as error:
        call_command("audit", "verify")
    assert error.value.returncode == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    writers, per_writer = 4, 40
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record("test.concurrent", data={"worker": worker, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert AuditEvent.objects.count() == writers * per_writer
    result = audit.verify()
    assert result.ok and result.checked == writers * per_writer


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_verify_catches_tampering_after_concurrent_writes() -> None:
    def write() -> None:
        for _ in range(20):
            audit.record("test.concurrent")
        connection.close()

    threads = [threading.Thread(target=write) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _raw("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = 31", [])
    assert audit.verify().broken_at == 31
