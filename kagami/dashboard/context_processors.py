from django.conf import settings
from django.http import HttpRequest


def kagami(request: HttpRequest) -> dict[str, object]:
    return {"town_name": settings.KAGAMI_TOWN_NAME}
