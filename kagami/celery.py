"""The Celery app for installations that run tasks on Celery (ARCHITECTURE.md, "Publishing": scale-out).

Kagami's tasks use Django's `django.tasks` API; by default they run on the database backend
(`kagami db_worker`). With `KAGAMI_TASK_BACKEND=django_tasks_celery.CeleryBackend` the same
tasks go to Celery workers over Redis or RabbitMQ:

    kagami publish --enqueue                       # one dispatcher: claims and enqueues
    celery -A kagami.celery worker -c 4            # as many workers as needed

Settings come from Django's settings under the CELERY_ prefix (see kagami/settings.py). Do not
install django-celery-beat (it pins Django < 6.1); periodic jobs stay with `kagami tick`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kagami.settings")

app = Celery("kagami")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Importing each app's `tasks` module registers its django.tasks with this app.
app.autodiscover_tasks()
