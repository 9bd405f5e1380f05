"""System checks for publishing (ids kagami.E020…): where platforms fetch images from."""

from datetime import timedelta

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.files.storage import storages

from kagami.publishing.adapters import REGISTRY
from kagami.publishing.media import PUBLIC_STORAGE, storage_expires_urls


@register("kagami")
def check_public_media(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Images handed to the platforms must sit at addresses that stop working (ARCHITECTURE.md, "Publishing")."""
    problems: list[CheckMessage] = []
    if PUBLIC_STORAGE in settings.STORAGES:
        if getattr(settings, "KAGAMI_PUBLIC_MEDIA_OPTIONS_INVALID", False):
            problems.append(
                Error(
                    "KAGAMI_PUBLIC_MEDIA_OPTIONS is not valid JSON.",
                    hint='Write the storage options as a JSON object, e.g. {"bucket_name": "x"}.',
                    id="kagami.E021",
                )
            )
            return problems
        try:
            storage = storages[PUBLIC_STORAGE]
        except Exception as exc:  # an unknown backend or options it does not take
            return [
                Error(
                    f"KAGAMI_PUBLIC_MEDIA_BACKEND cannot be used: {exc}",
                    hint="Name a storage class such as storages.backends.s3.S3Storage "
                    "(pip install 'django-storages[s3]') and its options.",
                    id="kagami.E022",
                )
            ]
        if not storage_expires_urls(storage):
            problems.append(
                Error(
                    "The public media storage does not make expiring addresses.",
                    hint="Use a storage whose url() takes expire=, such as django-storages' "
                    "S3Storage with querystring_auth=true.",
                    id="kagami.E020",
                )
            )
        maximum = timedelta(days=settings.KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS)
        needing = sorted(
            code
            for code, adapter in REGISTRY.items()
            if adapter.media_url_lifetime and adapter.media_url_lifetime > maximum
        )
        if needing and settings.KAGAMI_PUBLISHING == "live":
            problems.append(
                Warning(
                    f"The public media storage signs addresses for at most {maximum.days} days; "
                    f"{', '.join(needing)} needs them longer (members open a broadcast weeks "
                    "later), so posts with images to those platforms will fail.",
                    hint="Serve images from Kagami itself for those platforms (leave "
                    "KAGAMI_PUBLIC_MEDIA_BACKEND unset and make KAGAMI_MEDIA_BASE_URL public), "
                    "or raise KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS if your storage signs longer.",
                    id="kagami.W024",
                )
            )
    elif settings.KAGAMI_PUBLISHING == "live" and not settings.KAGAMI_MEDIA_BASE_URL.startswith(
        "https://"
    ):
        problems.append(
            Warning(
                "KAGAMI_MEDIA_BASE_URL is not an https:// address: Instagram, Threads, Facebook "
                "and LINE cannot fetch post images from it.",
                hint="Set KAGAMI_MEDIA_BASE_URL to Kagami's public https address, or configure "
                "KAGAMI_PUBLIC_MEDIA_BACKEND.",
                id="kagami.W023",
            )
        )
    return problems
