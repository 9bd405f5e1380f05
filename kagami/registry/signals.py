"""Signals through which apps to the registry's right act on its changes without the registry
importing them (ARCHITECTURE.md: vault → registry, never the other way)."""

from django.dispatch import Signal

# Sent by `workflow.appoint_operators` inside its transaction, with `account`, `actor`,
# `added` and `removed` (lists of users). Operators may reveal the platform password, so the
# vault tells the credential's custodian, or the lead department's heads (G-4-7).
operators_changed = Signal()
