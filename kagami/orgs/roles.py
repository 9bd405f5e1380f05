"""Who may do what, summarised once per request for the templates (menus and buttons).

Workflow functions still decide with the User methods (`is_member_of`, `can_approve_for`,
`is_policy_division`…) at the moment of the action; this summary only saves the base
template from asking the same questions several times per page.
"""

from dataclasses import dataclass

from kagami.orgs.models import ActingAppointment, Role, User


@dataclass(frozen=True)
class Roles:
    is_policy_division: bool
    sees_everything: bool
    can_manage_people: bool
    member_of: frozenset[int]
    heads: frozenset[int]
    approves_for: frozenset[int]  # headed departments and those of an acting duty now

    @property
    def is_head(self) -> bool:
        return bool(self.heads)

    @property
    def supervises(self) -> bool:
        """May open the supervision page (G-5-4)."""
        return self.sees_everything or bool(self.approves_for)


def roles_of(user: User) -> Roles:
    """The user's roles today, in two queries."""
    memberships = list(
        user.active_memberships().values_list(
            "department", "role", "department__is_policy_division"
        )
    )
    heads = frozenset(d for d, role, _policy in memberships if role == Role.HEAD)
    acting = frozenset(
        ActingAppointment.objects.on_duty().filter(deputy=user).values_list("department", flat=True)
    )
    policy = any(is_policy for _d, _role, is_policy in memberships)
    return Roles(
        is_policy_division=policy,
        sees_everything=user.is_administrator or user.is_auditor or policy,
        can_manage_people=user.is_administrator or policy,
        member_of=frozenset(d for d, _role, _policy in memberships),
        heads=heads,
        approves_for=heads | acting,
    )
