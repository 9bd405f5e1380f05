"""System checks for the deployment configuration (stable ids kagami.E001…)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register("kagami", deploy=False)
def check_secrets(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Production needs its own keys; development (KAGAMI_DEBUG=1) may run on placeholders."""
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    if settings.SECRET_KEY == settings.INSECURE_PLACEHOLDER:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is not set.",
                hint="Set DJANGO_SECRET_KEY or DJANGO_SECRET_KEY_FILE (see .env.example).",
                id="kagami.E001",
            )
        )
    if settings.AUDIT_HMAC_KEY == settings.INSECURE_PLACEHOLDER:
        errors.append(
            Error(
                "KAGAMI_AUDIT_KEY is not set: the audit chain cannot be protected.",
                hint="Set KAGAMI_AUDIT_KEY or KAGAMI_AUDIT_KEY_FILE to a long random value.",
                id="kagami.E002",
            )
        )
    elif len(settings.AUDIT_HMAC_KEY) < 32:
        errors.append(
            Error(
                "KAGAMI_AUDIT_KEY is shorter than 32 characters.",
                hint="Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
                id="kagami.E003",
            )
        )
    return errors
