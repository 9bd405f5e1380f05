from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "kagami.orgs"
    verbose_name = _("組織と職員")

    def ready(self) -> None:
        from kagami.orgs import auth

        auth.connect_signals()
