"""Malformed input everywhere a view reads input (issue "Every input, every role").

Every form of tests/town.py's CASES and every query parameter the views read gets hostile
values (huge, empty, NUL, invalid UTF-8, lists where one value is expected, ids beyond the
database's integers, years 1 and 9999, hostile URLs, forged media tokens), sent by someone
who may use the screen. The answer is a 4xx or the form again with a message, never a server
error, and a refused request changes nothing in the database.

The default run is short; KAGAMI_FUZZ_EXAMPLES=500 tries more (and other) examples.
"""

import logging
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core import signing
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.town import (
    CASES,
    NOW,
    SELF_SERVICE,
    Case,
    Town,
    classify,
    messages_of,
    request,
    town_fixture,
)

EXAMPLES = int(os.environ.get("KAGAMI_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 6,
    deadline=None,
    # Without KAGAMI_FUZZ_EXAMPLES the run is the same every time (CI); with it, new examples.
    derandomize=not EXAMPLES,
    database=None,
    suppress_health_check=list(HealthCheck),
)

INT64_MAX = 2**63 - 1

# Values that broke or could break something somewhere; Hypothesis adds its own.
HOSTILE = [
    "",
    " ",
    "\x00",
    "1\x00",
    "a" * 100_000,
    "-1",
    "0",
    "abc",
    "1.5",
    "1e3",
    "²",
    "١٢",
    "１２",
    str(INT64_MAX + 1),
    str(2**64),
    "9" * 40,
    "-" + str(INT64_MAX + 2),
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "javascript:alert(1)",
    "https://evil.example\\@x.com/",
    "//evil.example/",
    "\u202eevil",
    "<script>alert(1)</script>",
    "%00",
    "null",
    "[]",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates().map(str),
)
hostile_value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3))


@pytest.fixture(scope="module", autouse=True)
def quiet() -> Iterator[None]:
    """4xx answers are expected here by the hundred."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def town(django_db_setup: None, django_db_blocker: Any) -> Iterator[Town]:
    yield from town_fixture(django_db_blocker)


# Who sends each form: someone who may use it (the head of 総務課 unless named here).
ACTOR = {
    "orgs:login": "anonymous",
    "orgs:mfa_reset": "admin",
    "orgs:password_link": "admin",
    "orgs:transfer_upload": "policy",
    "orgs:transfer_preview": "policy",
    "publishing:pauses": "policy",
    "publishing:resume": "policy",
    "registry:paper_report": "policy",
    "registry:register_import": "policy",
    "registry:register_preview": "policy",
    "registry:report_detail": "policy",
    "posts:post_action/pre-approved": "staff",
    "posts:post_action/submit": "staff",
}
FORMS = [case for case in CASES if case.post is not None and case.name != "orgs:logout"]
# Fields a view reads from request.POST besides its form's.
LOOSE_FIELDS = ["action", "next", "department", "revoke", "scope", "send", "ack_x", "page"]


def actor(case: Case) -> str:
    return ACTOR.get(case.label, ACTOR.get(case.name, "head"))


def assert_answered(response: Any, what: str) -> None:
    """A 4xx, or a page, and nothing changed if the request was refused."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if classify(response) != "ok":
        assert response.changes == [], f"{what} was refused but changed {response.changes}"


@pytest.mark.parametrize("case", FORMS, ids=lambda c: c.label)
@FUZZ
@given(data=st.data())
def test_no_form_answers_a_server_error_to_hostile_fields(
    town: Town, db: None, case: Case, data: Any
) -> None:
    fields = case.post(town)  # type: ignore[misc]
    name = data.draw(st.sampled_from(sorted(fields) + LOOSE_FIELDS), label="field")
    fields[name] = data.draw(hostile_value, label="value")
    response = request(
        town.clients[actor(case)],
        "POST",
        case.url(town),
        fields,
        watch=case.name not in SELF_SERVICE,
    )
    assert_answered(response, f"{case.label} with {name}={str(fields[name])[:60]!r}")


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
EDGE_DATES = ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30", "1899-12-31", "3000-01-01"]
EDGE_IDS = ["abc", "²", str(INT64_MAX + 1), str(2**64), "-1", "0"]


def _edges(value: Any) -> list[Any]:
    """Every value at the edge of what a date or an id field can take, for this field."""
    if isinstance(value, str) and DATE.match(value):
        return EDGE_DATES
    if isinstance(value, str) and DATETIME.match(value):
        return [f"{day}T{time}" for day in EDGE_DATES for time in ("00:00", "23:59")]
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return EDGE_IDS
    if isinstance(value, list) and value and all(str(v).isdigit() for v in value):
        return [[e] for e in EDGE_IDS] + [[str(value[0]), e] for e in EDGE_IDS]
    return []


@pytest.mark.parametrize("case", FORMS, ids=lambda c: c.label)
def test_dates_and_ids_at_the_edges_are_refused_with_a_message(
    town: Town, db: None, case: Case
) -> None:
    fields = case.post(town)  # type: ignore[misc]
    client = town.clients[actor(case)]
    for name, value in list(fields.items()):
        if name.endswith("_FORMS"):
            continue  # a formset's counts: Django caps them; Hypothesis tries them anyway
        for edge in _edges(value):
            data = {**case.post(town), name: edge}  # type: ignore[misc]
            response = request(
                client, "POST", case.url(town), data, watch=case.name not in SELF_SERVICE
            )
            assert_answered(response, f"{case.label} with {name}={edge!r}")


RAW = [
    b"\x00",
    b"%00",
    b"a%00b",
    b"%ff%fe",
    b"\xff\xfe\xfd",
    b"%ed%a0%80",  # a lone surrogate, as CESU-8
    b"\xed\xa0\x80",
    b"%c0%80",  # NUL in overlong UTF-8
    b"%e2%80%ae",
]


@pytest.mark.parametrize("case", FORMS, ids=lambda c: c.label)
@FUZZ
@given(data=st.data())
def test_raw_bodies_with_nul_and_invalid_utf8_are_refused_cleanly(
    town: Town, db: None, case: Case, data: Any
) -> None:
    fields = {
        k: v
        for k, v in case.post(town).items()
        if isinstance(v, str | int)  # type: ignore[misc]
    }
    name = data.draw(st.sampled_from(sorted(fields) or ["x"]), label="field")
    value = data.draw(st.sampled_from(RAW) | st.binary(max_size=20), label="bytes")
    body = b"&".join(
        quote(k).encode() + b"=" + (value if k == name else quote(str(v)).encode())
        for k, v in {**fields, name: ""}.items()
    )
    charset = data.draw(st.sampled_from(["", "; charset=utf-8", "; charset=bogus"]))
    response = request(
        town.clients[actor(case)],
        "POST",
        case.url(town),
        body=body,
        content_type="application/x-www-form-urlencoded" + charset,
        watch=case.name not in SELF_SERVICE,
    )
    assert_answered(response, f"{case.label} with {name}={value!r}")


# Every query parameter a view reads (grep request.GET in kagami/*/views.py), by URL, as the
# person who may use it.
QUERIES: list[tuple[str, str, dict[str, st.SearchStrategy[Any]]]] = [
    ("posts:post_new", "staff", {"department": hostile_value}),
    (
        "posts:calendar",
        "staff",
        {
            "year": st.sampled_from(["1", "9999", "0", "10000", "-1", str(2**64)]) | hostile_text,
            "month": st.sampled_from(["1", "12", "0", "13", "-1", str(2**64)]) | hostile_text,
        },
    ),
    (
        "posts:calendar_week",
        "staff",
        {"start": st.sampled_from(["0001-01-01", "9999-12-31", "0001-01-02"]) | hostile_value},
    ),
    *[
        (
            name,
            "auditor",
            {
                "actor": hostile_value,
                "action": hostile_text,
                "department": hostile_value,
                "target": hostile_text,
                "since": st.sampled_from(["0001-01-01", "9999-12-31"]) | hostile_text,
                "until": st.sampled_from(["0001-01-01", "9999-12-31"]) | hostile_text,
                "page": hostile_value,
            },
        )
        for name in ("audit:event_list", "audit:event_export")
    ],
    (
        "vault:generate",
        "staff",
        {
            "length": hostile_value,
            "lowercase": hostile_text,
            "digits": hostile_text,
            "readable": hostile_text,
        },
    ),
    ("public:check", "anonymous", {"q": hostile_value}),
    ("orgs:mfa_verify", "staff", {"next": hostile_value}),
    ("orgs:login", "anonymous", {"next": hostile_value}),
]


@pytest.mark.parametrize(("name", "role", "params"), QUERIES, ids=[q[0] for q in QUERIES])
@FUZZ
@given(data=st.data())
def test_query_parameters_never_cause_a_server_error(
    town: Town, db: None, name: str, role: str, params: dict[str, Any], data: Any
) -> None:
    chosen = data.draw(st.sets(st.sampled_from(sorted(params)), min_size=1), label="params")
    query = {key: data.draw(params[key], label=key) for key in sorted(chosen)}
    url = f"{reverse(name)}?{urlencode(query, doseq=True)}"
    response = request(town.clients[role], "GET", url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # the CSV export runs its query while streaming
    assert response.status_code < 500, f"{url[:200]}: {response.status_code}"


SENTINEL = 987654321
BAD_IDS = [str(INT64_MAX), str(INT64_MAX + 1), str(2**64), "9" * 30, "-1", "abc", "1.0", "١"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_an_id_beyond_the_database_answers_404_like_a_missing_one(
    town: Town, db: None, case: Case
) -> None:
    kwargs = case.args(town)
    role = actor(case)
    for key in [k for k, v in kwargs.items() if isinstance(v, int)]:
        template = reverse(case.name, kwargs={**kwargs, key: SENTINEL})
        for bad in BAD_IDS:
            url = template.replace(str(SENTINEL), quote(bad))
            for method in ["GET", "POST"] if case.post is not None else ["GET"]:
                data = case.post(town) if case.post is not None and method == "POST" else None
                response = request(town.clients[role], method, url, data, watch=True)
                assert response.status_code in (404, 405), f"{method} {url}: {response.status_code}"
                assert response.changes == [], f"{method} {url} changed {response.changes}"


def _media_url(token: str, name: str = "momiji.png") -> str:
    return reverse("publishing:public_media", kwargs={"token": "TOKEN", "name": name}).replace(
        "TOKEN", quote(token, safe="")
    )


def _forged(payload: Any) -> str:
    from kagami.publishing import media

    return signing.dumps(payload, salt=media._SALT)


def test_forged_and_broken_media_tokens_answer_404(town: Town, db: None) -> None:
    expires = int((NOW + timedelta(hours=1)).timestamp())
    image = town.image.pk
    good = _forged([image, expires])
    tokens = [
        "",
        "x",
        "a:b:c",
        "\x00",
        "a" * 5000,
        good[:-1],
        good + "x",
        good.replace(":", "::"),
        signing.dumps([image, expires], salt="another.salt"),
        *[
            _forged(payload)
            for payload in [
                "ab",
                None,
                {"pk": image},
                [image],
                [image, expires, 1],
                ["x", expires],
                [[image], expires],
                [image, "never"],
                [image, 10**30],
                [image, -(10**30)],
                [image, 1e308],
                [image, float("nan")],
                [10**30, expires],
                [INT64_MAX + 1, expires],
                [-1, expires],
                [True, expires],
                [1.5, expires],
            ]
        ],
    ]
    anonymous = town.clients["anonymous"]
    assert request(anonymous, "GET", _media_url(good)).status_code == 200
    for token in tokens:
        response = request(anonymous, "GET", _media_url(token))
        assert response.status_code == 404, f"{token[:80]!r}: {response.status_code}"


@FUZZ
@given(token=st.text(min_size=1, max_size=300), name=st.text(min_size=1, max_size=30))
def test_any_media_address_answers_404_or_the_image(
    town: Town, db: None, token: str, name: str
) -> None:
    url = _media_url(token, "x").removesuffix("x") + quote(name, safe="")
    response = request(town.clients["anonymous"], "GET", url)
    assert response.status_code in (200, 404), f"{url[:120]}: {response.status_code}"


# -- What an earlier probe found, kept as plain examples ------------------------------------


def test_non_numeric_ids_in_a_query_string_and_a_multi_select_are_refused(
    town: Town, db: None
) -> None:
    staff = town.clients["staff"]
    for department in ["abc", "²", "1\x00", str(2**64), "-1"]:
        response = request(
            staff, "GET", f"{reverse('posts:post_new')}?department={quote(department)}"
        )
        assert response.status_code == 404, department
    compose = {"department": town.somu.pk, "text": "お知らせ", "publish_at": "2026-11-25T10:00"}
    for accounts in (["abc"], [str(town.somu_x.pk), "x"], [str(2**64)], ["²"]):
        response = request(
            staff, "POST", reverse("posts:post_new"), {**compose, "accounts": accounts}, watch=True
        )
        assert response.status_code == 200 and response.changes == []
        assert response.context["form"].errors["accounts"]
    head = town.clients["head"]
    for staff_id in ("abc", str(2**64), "²"):
        response = request(
            head,
            "POST",
            reverse("posts:grants"),
            {"staff": staff_id, "account": town.somu_x.pk, "categories": ["facts"]},
            watch=True,
        )
        assert response.status_code == 200 and response.changes == []
    for revoke in ("abc", "²", str(2**64)):
        response = request(head, "POST", reverse("posts:grants"), {"revoke": revoke}, watch=True)
        assert response.status_code == 404 and response.changes == []


def test_calendar_and_audit_filters_at_the_ends_of_the_calendar(town: Town, db: None) -> None:
    staff, auditor = town.clients["staff"], town.clients["auditor"]
    for query in ("year=1&month=1", "year=9999&month=12", "year=0&month=1", "year=10000"):
        response = request(staff, "GET", f"{reverse('posts:calendar')}?{query}")
        assert response.status_code in (200, 404), query
    for start in ("0001-01-01", "0001-01-06", "9999-12-31", "9999-12-26"):
        response = request(staff, "GET", f"{reverse('posts:calendar_week')}?start={start}")
        assert response.status_code in (200, 404), start
    for name in ("audit:event_list", "audit:event_export"):
        for query in ("since=0001-01-01", "until=9999-12-31", "since=9999-12-31&until=0001-01-01"):
            response = request(auditor, "GET", f"{reverse(name)}?{query}")
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            assert response.status_code in (200, 400), (name, query)
    page = request(auditor, "GET", f"{reverse('audit:event_list')}?since=0001-01-01")
    assert page.context["form"].errors["since"]


def test_a_post_for_the_year_9999_or_the_year_1_is_refused_with_a_message(
    town: Town, db: None
) -> None:
    staff = town.clients["staff"]
    for when in ("9999-12-31T23:59", "0001-01-01T00:00", "3000-01-01T10:00"):
        data = {
            "department": town.somu.pk,
            "accounts": [town.somu_x.pk],
            "text": "お知らせです。",
            "publish_at": when,
        }
        for url in (
            reverse("posts:post_new"),
            reverse("posts:post_edit", args=[town.posts["draft"].pk]),
        ):
            response = request(staff, "POST", url, data, watch=True)
            assert response.status_code == 200 and response.changes == [], (url, when)
            assert response.context["form"].errors["publish_at"], (url, when)
        response = request(staff, "POST", reverse("posts:post_check"), data)
        assert response.status_code == 200


def test_nul_anywhere_in_a_form_is_refused_with_a_message(town: Town, db: None) -> None:
    """PostgreSQL cannot store it; every field refuses it and says so (Django's own Japanese
    message, 「何か文字を入力してください。」, points at the wrong problem)."""
    from kagami.lib.forms import NUL_MESSAGE

    post = town.posts["submitted"]
    draft = town.posts["draft"]
    manual = town.deliveries["manual"]
    for role, url, data in [
        ("head", reverse("posts:post_action", args=[post.pk, "changes"]), {"comment": "日\x00付"}),
        ("head", reverse("posts:post_action", args=[post.pk, "reject"]), {"comment": "\x00"}),
        ("staff", reverse("posts:post_action", args=[draft.pk, "submit"]), {"ack_x": "理由\x00"}),
        ("policy", reverse("publishing:pauses"), {"scope": "", "reason": "止めます\x00"}),
        ("policy", reverse("publishing:pauses"), {"scope": "a1\x00", "reason": "止めます"}),
        (
            "staff",
            reverse("publishing:record_manual", args=[manual.pk]),
            {"url": "https://x.com/\x00"},
        ),
    ]:
        response = request(town.clients[role], "POST", url, data, watch=True)
        assert response.status_code == 302 and response.changes == [], url
        shown = [str(m) for m in messages_of(response)]
        assert len(shown) == 1 and shown[0].endswith(str(NUL_MESSAGE)), (url, shown)
    response = request(
        town.clients["staff"],
        "POST",
        reverse("posts:post_new"),
        {"department": town.somu.pk, "accounts": [town.somu_x.pk], "text": "お知らせ\x00"},
        watch=True,
    )
    assert response.changes == [] and NUL_MESSAGE in response.context["form"].errors["text"]
    response = request(
        town.clients["policy"],
        "POST",
        reverse("publishing:pauses"),
        body=b"scope=&reason=%E6%AD%A2%00",
        watch=True,
    )
    assert response.status_code == 302 and response.changes == []


HOSTILE_URLS = [
    "javascript:alert(1)",
    "https://evil.example\\@x.com/",
    "https://x.com@evil.example/",
    "//evil.example/",
    "http://x.com/kagamino_town",
    "data:text/html,<script>alert(1)</script>",
    "https://x.com/\u202ekagamino",
    "https://ｘ.com/kagamino_town",
]


def test_hostile_urls_are_refused_and_never_stored(town: Town, db: None) -> None:
    draft, manual = town.posts["draft"], town.deliveries["manual"]
    held = town.deliveries["held"]
    for role, url, field, base in [
        ("head", reverse("registry:account_plan"), "url", CASES_BY_LABEL["registry:account_plan"]),
        (
            "head",
            reverse("registry:account_settings", args=[town.somu_x.pk]),
            "url",
            CASES_BY_LABEL["registry:account_settings/identity"],
        ),
        (
            "staff",
            reverse("posts:post_action", args=[draft.pk, "pre-approved"]),
            "evidence_url",
            lambda t: {
                "category": "published",
                "why_no_approval": "所属長が出張中のため",
                "evidence_note": "",
            },
        ),
        (
            "staff",
            reverse("publishing:record_manual", args=[manual.pk]),
            "url",
            lambda t: {},
        ),
    ]:
        for hostile in HOSTILE_URLS:
            data = {**base(town), field: hostile}  # type: ignore[operator]
            response = request(town.clients[role], "POST", url, data, watch=True)
            assert response.status_code < 500, (url, hostile)
            assert classify(response) in ("refused", "invalid"), (url, hostile)
            assert response.changes == [], (url, hostile)
    for hostile in HOSTILE_URLS:
        response = request(
            town.clients["head"],
            "POST",
            reverse("publishing:decide_late", args=[held.pk]),
            {"send": "0", "next": hostile},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("publishing:pauses"), hostile


CASES_BY_LABEL = {case.label: case.post for case in CASES if case.post is not None}
