"""What each platform's API allows besides posting (trouble handling, G-6): the adapters say it
(`can_delete`, `can_edit`, `can_lookup_users`, each citing its documentation) and the platform
catalogue repeats it for the screens, which may not import the adapters. They must agree."""

from typing import Any

import pytest

from kagami.publishing.adapters import REGISTRY
from kagami.publishing.adapters.base import Adapter, ErrorKind, PublishError
from kagami.publishing.adapters.manual import ManualAdapter
from kagami.registry.platforms import PLATFORMS

FLAGS = {
    "can_delete_posts": "can_delete",
    "can_edit_posts": "can_edit",
    "can_lookup_users": "can_lookup_users",
}


def adapter_for(row: dict[str, Any]) -> type[Adapter]:
    """The adapter the worker uses for a catalogue platform: its own, or manual posting."""
    if row["publishing_mode"] == "manual":
        return ManualAdapter
    return REGISTRY.get(row["code"], ManualAdapter)


@pytest.mark.parametrize("row", PLATFORMS, ids=[row["code"] for row in PLATFORMS])
def test_the_catalogue_says_what_the_adapter_can(row: dict[str, Any]) -> None:
    adapter = adapter_for(row)
    for field, flag in FLAGS.items():
        assert row.get(field, False) is getattr(adapter, flag), (row["code"], field)


def test_every_platform_with_an_adapter_is_in_the_catalogue_or_internal() -> None:
    catalogued = {row["code"] for row in PLATFORMS}
    assert set(REGISTRY) - catalogued == {"sandbox", "manual"}


def test_what_the_research_and_the_docs_say() -> None:
    can = {
        row["code"]: {field for field in FLAGS if row.get(field)}
        for row in PLATFORMS
        if any(row.get(field) for field in FLAGS)
    }
    assert can == {
        "facebook": {"can_delete_posts", "can_edit_posts"},
        "x": {"can_delete_posts", "can_lookup_users"},
        "instagram": {"can_delete_posts"},
        "threads": {"can_delete_posts"},
        "bluesky": {"can_delete_posts", "can_lookup_users"},
        "mastodon": {"can_delete_posts", "can_edit_posts", "can_lookup_users"},
    }


def test_an_adapter_that_cannot_refuses_with_the_reason() -> None:
    manual = ManualAdapter({})
    with pytest.raises(PublishError) as deleting:
        manual.delete("1")
    assert deleting.value.kind == ErrorKind.REFUSED
    assert "does not allow deleting" in deleting.value.message
    with pytest.raises(PublishError) as looking:
        manual.lookup_user("@kagamino_town")
    assert looking.value.kind == ErrorKind.REFUSED
    assert "does not look accounts up" in looking.value.message


@pytest.mark.django_db
def test_the_built_in_platforms_in_the_database_say_the_same() -> None:
    from kagami.registry.models import Platform
    from kagami.registry.platforms import load_catalogue

    load_catalogue(Platform)  # in case an earlier transactional test emptied the table
    for row in PLATFORMS:
        stored = Platform.objects.get(code=row["code"])
        for field in FLAGS:
            assert getattr(stored, field) is row.get(field, False), (row["code"], field)
