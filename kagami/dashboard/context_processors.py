from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kagami.orgs.roles import roles_of


def kagami(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"town_name": settings.KAGAMI_TOWN_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = user.notifications.filter(read_at__isnull=True).count()
        # What the menus and buttons ask about the user, computed once per request.
        context["roles"] = SimpleLazyObject(lambda: roles_of(user))
    return context
