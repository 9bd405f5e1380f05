from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public directory of official accounts (G-4-6): pages without login, a JSON feed and
    a static export for the town's website."""

    name = "kagami.public"
    label = "public"
    verbose_name = _("公式アカウント一覧（公開）")
