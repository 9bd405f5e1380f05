"""Publishing on the `django.tasks` API (ARCHITECTURE.md, "Publishing"): a dispatcher claims due deliveries and
enqueues them; task workers (`kagami db_worker`, or Celery workers at scale) publish them.

Exactly once still rests on the claim and the attempts, not on the queue: a task runs only
deliveries still claimed under the name it carries, and a task that is lost or runs late
finds its lease expired and the deliveries claimed by someone else, and does nothing.
"""

import uuid

from django.tasks import task

from kagami.publishing import worker

# Deliveries per task: enough to batch the database writes, few enough to spread the work.
CHUNK = 10


@task()
def publish_deliveries(delivery_ids: list[int], claim: str) -> dict[str, str]:
    """Publish deliveries claimed under `claim`; their new states by ID."""
    states = worker.deliver_batch(delivery_ids, worker=claim)
    return {str(pk): state for pk, state in states.items()}


def dispatch(limit: int = 200, *, dispatcher: str | None = None) -> int:
    """Schedule what is due, claim up to `limit` deliveries and enqueue them; how many."""
    worker.schedule_due()
    claim = f"{dispatcher or worker.worker_name()}/{uuid.uuid4().hex[:8]}"
    ids = worker.claim(limit, worker=claim)
    for start in range(0, len(ids), CHUNK):
        publish_deliveries.enqueue(ids[start : start + CHUNK], claim)
    return len(ids)
