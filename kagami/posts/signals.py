"""Signals of the posts app for the apps that build on it (publishing), which posts may not
import (ARCHITECTURE.md). Receivers run inside the sender's transaction; one that raises
DomainError refuses the change."""

from django.dispatch import Signal

# A post stops being approved (edited, withdrawn): kwargs `post`, `actor`, `reason`
# ("edited" or "withdrawn"). Publishing cancels the post's open deliveries.
approval_ended = Signal()
