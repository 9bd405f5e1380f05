"""Handles that look like the town's own (G-6-3 look-alike watch): `incidents.lookalike`."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kagami.incidents import lookalike
from kagami.incidents.lookalike import RULES, comparable, is_valid, rule_for, variants

PLATFORMS = [*RULES, "someplatform"]


def test_zero_and_o_and_one_and_l_are_swapped():
    found = variants("@kagamino_town", "x")
    assert "@kagamin0_town" in found
    assert "@kagamino_t0wn" in found
    assert "@kagamlno_town" in found  # i → l
    assert "@kagam1no_town" in found  # i → 1


def test_official_words_are_added_before_and_after_where_they_fit():
    found = variants("kagamino_kanko", "instagram")
    for handle in (
        "kagamino_kanko_official",
        "kagamino_kanko.jp",
        "official_kagamino_kanko",
        "kagamino_kanko_info",
        "koho_kagamino_kanko",
    ):
        assert handle in found
    # On X the town's 13 letters plus "_official" would pass the 15-letter limit.
    assert not any("official" in h for h in variants("@kagamino_town", "x"))
    assert "@town_jp" in variants("@town", "x")


def test_one_edit_away_deletions_transpositions_doubles_and_separators():
    found = variants("kagamino_kanko", "instagram", limit=500)
    assert "kagamino_kank" in found  # deletion
    assert "kagamnio_kanko" in found  # transposition
    assert "kagaamino_kanko" in found  # doubled letter
    assert "kagamino.kanko" in found  # separator swap
    assert "kagaminokanko" in found  # separator dropped


def test_a_bluesky_handle_keeps_its_domain_and_a_mastodon_handle_its_server():
    for handle in variants("kagamino-bousai.bsky.social", "bluesky"):
        assert handle.endswith(".bsky.social")
        assert "_" not in handle
    assert "kagamino-bousai-jp.bsky.social" in variants("kagamino-bousai.bsky.social", "bluesky")
    for handle in variants("@kagamino@example.social", "mastodon"):
        assert handle.startswith("@") and handle.endswith("@example.social")


def test_the_number_is_bounded_and_the_order_is_stable():
    assert len(variants("kagamino_kanko_official_account", "instagram", limit=25)) == 25
    assert variants("kagamino_kanko", "instagram") == variants("kagamino_kanko", "instagram")
    assert variants("", "x") == []
    assert variants("kagamino", "x", limit=0) == []


def test_a_handle_is_compared_without_at_and_letter_case():
    assert comparable("@Kagamino_Town", "x") == "kagamino_town"
    assert is_valid("@Kagamino_Town", "x")
    assert not is_valid("kagamino_town_official", "x")  # 22 > 15
    assert not is_valid("kagamino..town", "instagram")
    assert not is_valid(".kagamino", "instagram")
    assert not is_valid("kaga", "facebook")  # at least 5
    assert not is_valid("kagamino_bousai.bsky.social", "bluesky")


def _handles(platform: str) -> st.SearchStrategy[str]:
    """Valid handles of `platform`, as towns write them (with or without @)."""
    rule = rule_for(platform)
    user = st.text(
        alphabet=rule.alphabet, min_size=rule.min_length, max_size=rule.max_length
    ).filter(lambda u: is_valid(u + (".bsky.social" if rule.domain else ""), platform))
    if rule.domain:
        return user.map(lambda u: f"{u}.bsky.social")
    if rule.server:
        return user.map(lambda u: f"@{u}@mastodon.example")
    return st.tuples(st.sampled_from(["", "@"]), user).map("".join)


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), limit=st.integers(min_value=1, max_value=120))
def test_every_variant_is_a_valid_handle_that_differs_from_the_original(platform, data, limit):
    handle = data.draw(_handles(platform), label="handle")
    found = variants(handle, platform, limit=limit)
    assert len(found) <= limit
    assert len(set(found)) == len(found)
    original = comparable(handle, platform)
    for variant in found:
        assert is_valid(variant, platform), variant
        assert comparable(variant, platform) != original, variant


def test_the_default_limit_keeps_a_weekly_round_small():
    assert lookalike.DEFAULT_LIMIT <= 60
    assert len(variants("abcdefghijklmno", "x")) <= lookalike.DEFAULT_LIMIT
