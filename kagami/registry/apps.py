from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """Platforms, official accounts, their policies and terms, start and end reports (G-2–G-4)."""

    name = "kagami.registry"
    verbose_name = _("アカウント台帳")
