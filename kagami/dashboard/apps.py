from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The home page, the demo town and the one-command server: the top of the app graph."""

    name = "kagami.dashboard"
    verbose_name = _("ホーム")

    def ready(self) -> None:
        import kagami.checks  # noqa: F401  (registers the system checks)
