"""Readable names for audit action codes.

Each app declares the actions it records as `audit_actions = {code: label}` on its AppConfig,
so the audit app needs to import none of them.
"""

from functools import cache

from django.apps import apps
from django.utils.translation import gettext as _


@cache
def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for config in apps.get_app_configs():
        labels.update(getattr(config, "audit_actions", {}))
    return labels


def action_label(code: str) -> str:
    """「運用開始報告書の提出」 for `registry.start_report_filed`; the code itself if unknown."""
    base, refused = (code[: -len("_refused")], True) if code.endswith("_refused") else (code, False)
    label = _labels().get(base)
    if label is None:
        return code
    return _("%(action)s（拒否）") % {"action": _(label)} if refused else _(label)
