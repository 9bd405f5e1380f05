"""`kagami worker`: the task worker of the default database queue (django-tasks-db's
`db_worker`, under the name DESIGN.md uses). It runs Kagami's background tasks, and the
publishing tasks that `kagami publish --enqueue` hands out. On Celery, run
`celery -A kagami.celery worker` instead."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Run the database task queue's worker (the same as db_worker)."
