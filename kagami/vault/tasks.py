"""Periodic jobs of the vault, run by `kagami tick` (and, being tasks, by any worker). Each is
idempotent, so an extra run does no harm (G-4-7)."""

from django.tasks import task

from kagami.vault import workflow


@task()
def open_tasks_for_leavers() -> int:
    """Rotation tasks for people who knew a password and left the account (G-4-7)."""
    return workflow.open_tasks_for_leavers()


@task()
def remind_due_rotations() -> int:
    """Reminders before a password is due, and a task once it is overdue (G-4-7)."""
    return workflow.remind_due_rotations()


@task()
def destroy_old_secrets() -> int:
    """Replaced secrets older than the keep period are destroyed (G-4-7)."""
    return workflow.destroy_old_secrets()
