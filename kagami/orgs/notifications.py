"""Telling people what waits for them: a notification in the app for each recipient, and an
e-mail after the surrounding transaction commits (a rolled-back change tells nobody)."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from kagami.orgs.models import Notification, User

logger = logging.getLogger(__name__)


def notify(
    users: Iterable[User], subject: str, body: str = "", link: str = ""
) -> list[Notification]:
    """Store one notification per active user and mail them on commit. A mail failure is
    logged and never undoes the change: the in-app notification is still there."""
    recipients = {u.pk: u for u in users if u.is_active}.values()
    notes = Notification.objects.bulk_create(
        Notification(user=u, subject=subject[:200], body=body, link=link) for u in recipients
    )
    addresses = sorted({u.email for u in recipients if u.email})

    def send() -> None:
        try:
            text = f"{body}\n\n{settings.KAGAMI_SITE_URL}{link}" if link else body
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, addresses)
        except Exception:  # any transport error: log it, never undo the committed change
            logger.exception("notification mail failed: %s", subject)

    if addresses:
        transaction.on_commit(send)
    return notes
