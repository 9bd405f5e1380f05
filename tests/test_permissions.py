"""Every URL as every role: who may use which screen, in one table (issue "Every input, every
role").

Every pattern of the root URL resolver (the admin site's own and static files aside) must have
an entry in EXPECTED, one per case below; a new URL without one fails with a message saying to
add it. Each case is requested with GET and, when the view takes a form, with POST carrying
the minimal right fields, as every role of tests/town.py, each request in a savepoint that is
rolled back (so every role meets the same town). The answer is classified:

- ``denied``: 403, 404, or sent to the login page (hidden and missing look alike);
- ``refused``: the page was reached but the workflow said no (an error message, or a form
  shown again with the workflow's reason);
- ``invalid``: the form was shown again with errors in its fields (what 400-with-form means);
- ``ok``: any other 2xx or 3xx;
- ``405``: the view does not take this method.

``ok``, ``refused`` and ``invalid`` count as allowed to reach the screen; ``denied`` as not.
"""

import logging
from collections.abc import Collection, Iterator
from copy import deepcopy
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.town import (
    CASES,
    ROLES,
    SELF_SERVICE,
    Case,
    Town,
    classify,
    media_path,
    request,
    town_fixture,
)


@pytest.fixture(scope="module", autouse=True)
def quiet() -> Iterator[None]:
    """Thousands of 403/404/405 answers are the point here, not warnings."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def town(django_db_setup: None, django_db_blocker: Any) -> Iterator[Town]:
    yield from town_fixture(django_db_blocker)


# -- The URLs ---------------------------------------------------------------------------------


def url_pattern_names() -> set[str]:
    """Every named pattern of the root resolver, with its namespace; not the admin site's own
    patterns, not static or media files (only served with DEBUG)."""
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, namespace)
            elif isinstance(pattern, URLPattern):
                if getattr(pattern.callback, "__module__", "") == "django.views.static":
                    continue
                names.add(f"{prefix}{pattern.name}" if pattern.name else f"<unnamed {pattern}>")

    walk(get_resolver().url_patterns, "")
    return names


SIGN_OUT = {"orgs:logout"}


def _public(case: Case) -> bool:
    return case.name.startswith("public:") or case.name == "publishing:public_media"


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def sweep(town: Town, cases: list[Case], cached: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """label → method → role → class, for every case; `cached` gets every answer to a
    signed-in user that a browser could keep."""
    seen: dict[str, dict[str, dict[str, str]]] = {}
    for case in cases:
        url = case.url(town)
        methods = ["GET", "POST"] if case.post is not None else ["GET"]
        for method in methods:
            row = seen.setdefault(case.label, {}).setdefault(method, {})
            for role in ROLES:
                data = case.post(town) if method == "POST" and case.post else None
                try:
                    response = request(town.clients[role], method, url, data)
                except Exception as error:  # a server error: shown in the table, not raised
                    row[role] = f"500 {type(error).__name__}: {str(error)[:80]}"
                else:
                    row[role] = classify(response)
                    if case.name in SIGN_OUT and method == "POST" and response.status_code == 302:
                        row[role] = "ok"
                    if role != "anonymous" and not _public(case) and not _no_store(response):
                        cached.append(f"{case.label} {method} as {role}")
    return seen


# -- The table --------------------------------------------------------------------------------

SOMU_MEMBERS = {"staff", "head", "acting", "contractor"}
SEES_ALL = {"policy", "auditor", "admin"}
SIGNED_IN = set(ROLES) - {"expired", "anonymous"}
EVERYONE = set(ROLES)


def expect(
    *,
    ok: Collection[str] = (),
    refused: Collection[str] = (),
    invalid: Collection[str] = (),
    not_allowed: Collection[str] = (),
) -> dict[str, str]:
    """role → class; every role not named is denied."""
    row = dict.fromkeys(ROLES, "denied")
    for cls, roles in (
        ("ok", ok),
        ("refused", refused),
        ("invalid", invalid),
        ("405", not_allowed),
    ):
        for role in roles:
            assert row[role] == "denied", f"{role} named twice"
            row[role] = cls
    return row


EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "dashboard:home": {
        "GET": expect(ok=SIGNED_IN),
    },
    "dashboard:supervision": {
        "GET": expect(ok={"head", "head_elsewhere", "acting", "policy", "auditor", "admin"}),
    },
    "orgs:login": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
        "POST": expect(ok=SIGNED_IN, invalid={"anonymous"}),
    },
    # An expired contractor is signed out by their first request, wherever it goes.
    "orgs:logout": {
        "GET": expect(not_allowed=SIGNED_IN | {"anonymous"}),
        "POST": expect(ok=EVERYONE),  # signing out ends on the login page
    },
    "orgs:mfa_verify": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(invalid=SIGNED_IN),
    },
    "orgs:mfa_setup": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(ok=SIGNED_IN),
    },
    "orgs:mfa_re_enrol": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(invalid=SIGNED_IN),  # the code is wrong
    },
    "orgs:mfa_disable": {
        "GET": expect(ok=SIGNED_IN),
        # Heads, the policy division, auditors and administrators must keep it.
        "POST": expect(
            invalid={"staff", "staff_elsewhere", "acting", "contractor"},
            refused={"head", "head_elsewhere", "policy", "auditor", "admin"},
        ),
    },
    "orgs:mfa_reset": {
        "GET": expect(ok={"admin"}),
        "POST": expect(ok={"admin"}),
    },
    "orgs:password_link": {
        "GET": expect(ok={"admin"}),
        "POST": expect(ok={"admin"}),
    },
    # The one-time link: nobody signed in needed; an invalid link answers 400 with the reason
    # (an expired contractor is signed out by the request, like everywhere).
    "orgs:password_set": {
        "GET": expect(invalid=EVERYONE - {"expired"}),
        "POST": expect(invalid=EVERYONE - {"expired"}),
    },
    "orgs:preferences": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(ok=SIGNED_IN),
    },
    "orgs:password_change": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(ok=SIGNED_IN),
    },
    "orgs:notifications": {
        "GET": expect(ok=SIGNED_IN),
    },
    "orgs:department_list": {
        "GET": expect(ok=SIGNED_IN),
    },
    "orgs:department_detail": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "orgs:acting_appoint": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head"},
            refused={"acting", "policy", "auditor", "admin", "contractor"},
            invalid={"staff"},
        ),
    },
    "orgs:acting_revoke": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head"}, refused={"staff", "acting", "policy", "auditor", "admin", "contractor"}
        ),
    },
    "orgs:transfer_upload": {
        "GET": expect(ok={"policy", "admin"}),
        "POST": expect(ok={"policy", "admin"}),
    },
    "orgs:transfer_preview": {
        "GET": expect(ok={"policy", "admin"}),
        "POST": expect(ok={"policy", "admin"}),
    },
    "posts:post_list": {
        "GET": expect(ok=SIGNED_IN),
    },
    "posts:post_new": {
        "GET": expect(
            ok={
                "staff",
                "staff_elsewhere",
                "head",
                "head_elsewhere",
                "acting",
                "policy",
                "contractor",
            }
        ),
        "POST": expect(ok=SOMU_MEMBERS),
    },
    "posts:post_check": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS),
    },
    "posts:grants": {
        "GET": expect(ok={"head", "head_elsewhere"}),
        "POST": expect(ok={"head"}, invalid={"head_elsewhere"}),
    },
    "posts:calendar": {
        "GET": expect(ok=SIGNED_IN),
    },
    "posts:calendar_week": {
        "GET": expect(ok=SIGNED_IN),
    },
    "posts:post_detail/draft": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/submitted": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/changes_requested": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/approved": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/rejected": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/withdrawn": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/published": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/expired": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_detail/pre_approved": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_edit": {
        # Those who see every department see the form; saving is the department's alone.
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
        "POST": expect(ok=SOMU_MEMBERS, refused=SEES_ALL),
    },
    "posts:post_image": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "posts:post_action/submit": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused=SEES_ALL),
    },
    "posts:post_action/approve": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting"}, refused={"staff", "policy", "auditor", "admin", "contractor"}
        ),
    },
    "posts:post_action/changes": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting"}, refused={"staff", "policy", "auditor", "admin", "contractor"}
        ),
    },
    "posts:post_action/reject": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting"}, refused={"staff", "policy", "auditor", "admin", "contractor"}
        ),
    },
    "posts:post_action/next-slot": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused=SEES_ALL),
    },
    "posts:post_action/withdraw": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused=SEES_ALL),
    },
    "posts:post_action/pre-approved": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"staff"}, refused={"head", "acting", "policy", "auditor", "admin", "contractor"}
        ),
    },
    "posts:post_action/image": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused=SEES_ALL),
    },
    "posts:post_action/confirm-report": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting"}, refused={"staff", "policy", "auditor", "admin", "contractor"}
        ),
    },
    "posts:post_action/no-such-action": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(),
    },
    "publishing:public_media": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
    },
    "publishing:sandbox": {
        "GET": expect(ok=SIGNED_IN),
    },
    "publishing:sandbox_post": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "publishing:pauses": {
        "GET": expect(ok=SEES_ALL),
        "POST": expect(ok={"policy"}, refused={"auditor", "admin"}),
    },
    "publishing:resume": {
        # A pause is not a secret; only the policy division lifts it.
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"policy"},
            refused={
                "staff",
                "staff_elsewhere",
                "head",
                "head_elsewhere",
                "acting",
                "auditor",
                "admin",
                "contractor",
            },
        ),
    },
    "publishing:decide_late": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "auditor", "admin", "contractor"}
        ),
    },
    "publishing:record_manual": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused=SEES_ALL),
    },
    "publishing:resend": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"staff", "head", "acting"}, refused={"policy", "auditor", "admin", "contractor"}
        ),
    },
    # Impersonation and hijack cases (G-6-3): staff of the department record a fake and add
    # evidence and notes; heads, acting approvers and the policy division record requests,
    # answers, closing and judge look-alikes, and stop a hijacked account; auditors read.
    "incidents:case_list": {
        "GET": expect(ok=SIGNED_IN),
    },
    "incidents:case_new": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(
            ok=SOMU_MEMBERS | {"policy"},
            invalid={"staff_elsewhere", "head_elsewhere", "auditor", "admin"},
        ),
    },
    "incidents:case_hijack": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"},
            invalid={
                "staff",
                "staff_elsewhere",
                "head_elsewhere",
                "auditor",
                "admin",
                "contractor",
            },
        ),
    },
    "incidents:case_detail": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "incidents:case_evidence": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "incidents:case_press_release": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "incidents:case_action/evidence": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}, refused={"auditor", "admin"}),
    },
    "incidents:case_action/note": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}, refused={"auditor", "admin"}),
    },
    "incidents:case_action/request": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "auditor", "admin", "contractor"}
        ),
    },
    "incidents:case_action/answer": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "auditor", "admin", "contractor"}
        ),
    },
    "incidents:case_action/close": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "auditor", "admin", "contractor"}
        ),
    },
    "incidents:case_action/notice": {
        # The hijack notice is a post of the account's department: its staff draft it.
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused={"policy", "auditor", "admin"}),
    },
    "incidents:case_action/no-such-action": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(),
    },
    "incidents:case_lookalikes": {
        "GET": expect(ok=SIGNED_IN),
    },
    "incidents:case_lookalike_action/confirm": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "auditor", "admin", "contractor"}
        ),
    },
    "incidents:case_lookalike_action/dismiss": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "auditor", "admin", "contractor"}
        ),
    },
    "registry:account_list": {
        "GET": expect(ok=SIGNED_IN),
    },
    "registry:account_plan": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(
            ok=SOMU_MEMBERS | {"policy"},
            refused={"auditor", "admin"},
            invalid={"staff_elsewhere", "head_elsewhere"},
        ),
    },
    "registry:account_detail": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "registry:account_settings/settings": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}),
    },
    "registry:account_settings/operators": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok={"head", "policy"}, refused={"staff", "acting", "contractor"}),
    },
    "registry:account_settings/identity": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok={"head", "policy"}, refused={"staff", "acting", "contractor"}),
    },
    "registry:policy_edit": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}),
    },
    "registry:terms_edit": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}),
    },
    "registry:start_report_new": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok={"head"}, refused={"staff", "acting", "policy", "contractor"}),
    },
    "registry:end_report_new": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok={"head"}, refused={"staff", "acting", "policy", "contractor"}),
    },
    "registry:paper_report": {
        "GET": expect(ok={"policy"}),
        "POST": expect(ok={"policy"}),
    },
    "registry:account_action/begin": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "policy"}, refused={"staff", "acting", "auditor", "admin", "contractor"}
        ),
    },
    "registry:account_action/resume": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(refused=SOMU_MEMBERS | SEES_ALL),
    },
    "registry:account_action/review": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}, refused={"auditor", "admin"}),
    },
    "registry:document_detail/policy": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "registry:document_detail/terms": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "registry:register_import": {
        "GET": expect(ok={"policy"}),
        "POST": expect(ok={"policy"}),
    },
    "registry:register_preview": {
        "GET": expect(ok={"policy"}),
        "POST": expect(ok={"policy"}),
    },
    "registry:report_inbox": {
        "GET": expect(ok=SEES_ALL),
    },
    "registry:report_detail": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
        "POST": expect(
            ok={"policy"}, refused={"staff", "head", "acting", "auditor", "admin", "contractor"}
        ),
    },
    "registry:report_pdf": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "vault:inventory": {
        "GET": expect(ok=SIGNED_IN),
    },
    "vault:inventory_csv": {
        "GET": expect(ok=SEES_ALL),
    },
    "vault:generate": {
        "GET": expect(ok=SIGNED_IN),
    },
    "vault:credential_detail": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
    },
    "vault:credential_new": {
        "GET": expect(ok={"head", "policy"}),
        "POST": expect(ok={"head", "policy"}),
    },
    "vault:credential_edit": {
        "GET": expect(ok={"staff", "head", "policy"}),
        "POST": expect(ok={"staff", "head", "policy"}),
    },
    "vault:rotation_record": {
        "GET": expect(ok={"staff", "head", "policy"}),
        "POST": expect(ok={"staff", "head", "policy"}),
    },
    "vault:api_token_set": {
        "GET": expect(ok={"staff", "head", "policy"}),
        "POST": expect(ok={"staff", "head", "policy"}),
    },
    "vault:reveal": {
        "GET": expect(ok={"staff", "head", "policy"}),
        "POST": expect(refused={"staff", "head", "policy"}),
    },
    "vault:compromise": {
        "GET": expect(ok=SOMU_MEMBERS | SEES_ALL),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}, refused={"auditor", "admin"}),
    },
    # 炎上 (G-6-4): the account's head, acting approver and the policy division declare and
    # decide; the department's staff write notes and statements; everyone involved reads.
    "incidents:incident_list": {
        "GET": expect(ok=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"},
            invalid={
                "staff",
                "staff_elsewhere",
                "head_elsewhere",
                "auditor",
                "admin",
                "contractor",
            },
        ),
    },
    "incidents:incident_detail": {"GET": expect(ok=SOMU_MEMBERS | SEES_ALL)},
    "incidents:incident_print": {"GET": expect(ok=SOMU_MEMBERS | SEES_ALL)},
    "incidents:incident_note": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}, refused={"auditor", "admin"}),
    },
    "incidents:incident_statement": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS, refused={"policy", "auditor", "admin"}),
    },
    "incidents:incident_review": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "contractor", "auditor", "admin"}
        ),
    },
    "incidents:incident_decide": {
        # Only a submitted review is decided on; the town's incident has none yet.
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(refused=SOMU_MEMBERS | SEES_ALL),
    },
    # Corrections (G-6-1): the department's staff and the policy division open them; heads,
    # acting approvers and the policy division take the original down.
    "incidents:correction_list": {"GET": expect(ok=SIGNED_IN)},
    "incidents:correction_new": {
        "GET": expect(ok=SOMU_MEMBERS | {"policy"}),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}),
    },
    "incidents:correction_detail": {"GET": expect(ok=SOMU_MEMBERS | SEES_ALL)},
    "incidents:correction_remove": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(
            ok={"head", "acting", "policy"}, refused={"staff", "contractor", "auditor", "admin"}
        ),
    },
    "incidents:correction_draft": {
        # The staff member who opened it already drafted the correction post.
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(refused=SOMU_MEMBERS | SEES_ALL),
    },
    "incidents:removal_by_hand": {
        "GET": expect(not_allowed=SIGNED_IN),
        "POST": expect(ok=SOMU_MEMBERS | {"policy"}, refused={"auditor", "admin"}),
    },
    "incidents:emergency": {
        "GET": expect(ok={"head", "head_elsewhere", "acting", "policy", "auditor", "admin"}),
        "POST": expect(
            ok={"head", "head_elsewhere", "acting", "policy"}, refused={"auditor", "admin"}
        ),
    },
    "incidents:wording_list": {
        "GET": expect(ok={"head", "head_elsewhere", "acting", "policy", "auditor", "admin"}),
    },
    "incidents:wording_edit": {
        "GET": expect(ok={"head", "head_elsewhere", "acting", "policy", "auditor", "admin"}),
        "POST": expect(
            ok={"policy"}, refused={"head", "head_elsewhere", "acting", "auditor", "admin"}
        ),
    },
    "public:index": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
    },
    "public:account": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
    },
    "public:guideline": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
    },
    "public:check": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
    },
    "public:feed": {
        "GET": expect(ok=SIGNED_IN | {"anonymous"}),
    },
    "audit:event_list": {
        "GET": expect(ok=SEES_ALL),
    },
    "audit:event_export": {
        "GET": expect(ok=SEES_ALL),
    },
}


def test_every_url_pattern_has_an_entry_in_the_table() -> None:
    covered = {case.name for case in CASES}
    missing = sorted(url_pattern_names() - covered)
    assert not missing, (
        "These URL patterns are not in tests/test_permissions.py: add a Case to CASES and its "
        f"row to EXPECTED (who may GET and POST it): {missing}"
    )
    labels = {case.label for case in CASES}
    assert not sorted(labels - set(EXPECTED)), (
        "These cases have no row in EXPECTED of tests/test_permissions.py; add one: "
        f"{sorted(labels - set(EXPECTED))}"
    )
    assert not sorted(set(EXPECTED) - labels), "rows of EXPECTED without a case"


def _table(found: dict[str, dict[str, dict[str, str]]]) -> str:
    lines = []
    for label, methods in found.items():
        for method, row in methods.items():
            groups: dict[str, list[str]] = {}
            for role, cls in row.items():
                groups.setdefault(cls, []).append(role)
            lines.append(f"{label} {method}: {groups}")
    return "\n".join(lines)


def test_every_role_reaches_exactly_the_screens_of_the_table(town: Town, db: None) -> None:
    cached: list[str] = []
    found = sweep(town, CASES, cached)
    differences = [
        f"{label} {method} as {role}: expected {expected}, got {found[label][method][role]}"
        for label, methods in EXPECTED.items()
        for method, row in methods.items()
        for role, expected in row.items()
        if found.get(label, {}).get(method, {}).get(role) != expected
    ]
    assert not differences, "\n".join(differences) + "\n\nAll answers:\n" + _table(found)
    assert not cached, "answers to a signed-in user without Cache-Control: no-store:\n" + (
        "\n".join(cached)
    )


# -- Auditors change nothing ------------------------------------------------------------------

# Rows that reading and signing in touch, not the town's records.
NOT_RECORDS = {"sessions.Session", "audit.AuditEvent", "audit.ChainHead"}
NOT_RECORDS_APPS = {"axes"}
VOLATILE_FIELDS = {("orgs.User", "last_login")}


def records() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model (sessions, sign-in attempts and the audit chain aside)."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label
        if label in NOT_RECORDS or model._meta.app_label in NOT_RECORDS_APPS:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if (label, f.attname) not in VOLATILE_FIELDS
        ]
        state[label] = list(model._default_manager.order_by("pk").values_list(*fields))
    return state


def test_an_auditor_changes_nothing_whatever_they_post(town: Town, db: None) -> None:
    from kagami.audit.models import AuditEvent

    client = town.clients["auditor"]
    before = records()
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    for case in CASES:
        if case.post is None or case.name in SELF_SERVICE:
            continue
        for data in ({}, case.post(town)):
            cookies = deepcopy(client.cookies)
            client.post(case.url(town), data)
            client.cookies = cookies
    after = records()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"an auditor's POSTs changed rows of {changed}"
    recorded = set(AuditEvent.objects.filter(seq__gt=last).values_list("action", flat=True))
    # Refusals are audited (that is the point of them); nothing else may be.
    assert {a for a in recorded if not a.endswith("_refused")} == set(), recorded


def test_public_pages_keep_their_caching_and_private_ones_are_not_stored(
    town: Town, db: None
) -> None:
    from django.test import override_settings

    signed_in = town.clients["staff"]
    for client in (signed_in, town.clients["anonymous"]):
        for name in ("public:index", "public:feed", "public:check"):
            assert "no-store" not in client.get(reverse(name)).get("Cache-Control", "")
        media = Case("publishing:public_media", media_path).url(town)
        assert client.get(media)["Cache-Control"].startswith("public, max-age=")
    response = signed_in.get(reverse("posts:post_list"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        static = Client()
        static.cookies = deepcopy(signed_in.cookies)
        response = static.get("/static/css/kagami.css")
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
