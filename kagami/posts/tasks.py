"""Periodic jobs of the posts app, run by `kagami tick` (and, being tasks, by any worker)."""

from django.tasks import task

from kagami.posts import workflow


@task()
def expire_overdue_posts() -> int:
    """Posts still waiting for approval at their time expire (G-5-2)."""
    return workflow.expire_overdue_posts()


@task()
def escalate_after_reports() -> int:
    """Unconfirmed after-the-fact reports go to the policy division (G-5-3)."""
    return workflow.escalate_after_reports()
