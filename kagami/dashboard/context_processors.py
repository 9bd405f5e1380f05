from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kagami.orgs.models import User
from kagami.orgs.roles import roles_of
from kagami.posts.models import EmergencyMode
from kagami.publishing.models import Pause
from kagami.registry.models import OfficialAccount


def stops_for(user: User) -> list[dict[str, object]]:
    """Pauses in force over accounts of the user's departments (all of them for those who
    see everything): what a department must know while it writes (G-6-4)."""
    pauses = list(Pause.objects.in_force().select_related("account", "department"))
    if not pauses:
        return []
    if user.sees_everything:
        mine = pauses
    else:
        departments = set(user.active_memberships().values_list("department", flat=True))
        accounts = set(
            OfficialAccount.objects.filter(departments__in=departments).values_list("pk", flat=True)
        )
        mine = [
            p
            for p in pauses
            if (p.account_id is None and p.department_id is None)
            or p.account_id in accounts
            or p.department_id in departments
        ]
    return [
        {
            "scope": p.account or p.department or None,
            "statements": p.statements_allowed,
            "reason": p.reason,
        }
        for p in mine
    ]


def kagami(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"town_name": settings.KAGAMI_TOWN_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = user.notifications.filter(read_at__isnull=True).count()
        # What the menus and buttons ask about the user, computed once per request.
        context["roles"] = SimpleLazyObject(lambda: roles_of(user))
        context["stops"] = SimpleLazyObject(lambda: stops_for(user))
        context["emergency_mode"] = SimpleLazyObject(
            lambda: EmergencyMode.objects.active().first() or ""
        )
    return context
