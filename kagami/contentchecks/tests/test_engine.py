import re
from pathlib import Path

import pytest

from kagami.contentchecks import RULES, Config, Finding, Post, check

from .helpers import AT, run

# shared/ sits beside the repository on developers' machines and in CI.
SPEC = Path(__file__).resolve().parents[3].parent / "shared" / "spec" / "CHECKS.md"
CATALOGUE = {
    "accuracy.weekday-mismatch": "G-5-1-a",
    "accuracy.era-mismatch": "G-5-1-a",
    "accuracy.invalid-date": "G-5-1-a",
    "accuracy.invalid-time": "G-5-1-a",
    "a11y.machine-dependent-char": "G-5-1-b",
    "a11y.halfwidth-katakana": "G-5-1-b",
    "a11y.spaced-word": "G-5-1-b",
    "a11y.missing-alt": "G-5-1-b",
    "a11y.emoji-overuse": "G-5-1-b",
    "a11y.hashtag-readability": "G-5-1-b",
    "pii.phone": "G-5-1-c",
    "pii.email": "G-5-1-c",
    "pii.my-number": "G-5-1-c",
    "pii.address": "G-5-1-c",
    "pii.person-name": "G-5-1-c",
    "copyright.image-source-missing": "G-5-1-c",
    "link.third-party": "G-5-1-d",
    "link.shortener": "G-5-1-d",
    "link.insecure": "G-5-1-d",
    "link.user-quote": "G-5-1-d",
    "conduct.political": "G-5-1-e",
    "conduct.confidential": "G-5-1-e",
    "conduct.ng-word": "G-5-1-e",
    "platform.length": "platform",
    "platform.media-required": "platform",
    "platform.hashtag-count": "platform",
}
# Our rules beyond CHECKS.md, in CHECKS.md's terms in kagami/contentchecks/README.md.
OURS = {"accuracy.past-date": "G-5-1-a"}


def test_every_catalogue_rule_is_registered_with_its_clause():
    assert {rid: r.clause for rid, r in RULES.items()} == CATALOGUE | OURS


def test_our_rules_are_described_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for rid, clause in OURS.items():
        assert f"| {rid} | {clause} |" in readme


@pytest.mark.skipif(not SPEC.exists(), reason="shared spec not present")
def test_registered_rules_match_the_catalogue_in_checks_md():
    ids = set(re.findall(r"^\| ([a-z0-9]+\.[a-z0-9-]+) \| ([^|]+) \|", SPEC.read_text(), re.M))
    assert {(rid, clause.strip()) for rid, clause in ids} == set(CATALOGUE.items())


def test_every_rule_function_has_a_docstring_naming_its_clause():
    for r in RULES.values():
        assert r.func.__doc__ and r.clause in r.func.__doc__, r.id


def test_findings_are_frozen_and_sorted_by_position():
    fs = run("①ｶﾅ 25時")
    assert [f.start for f in fs] == sorted(f.start or 0 for f in fs)
    with pytest.raises(AttributeError):
        fs[0].start = 3  # type: ignore[misc]


def test_translate_is_applied_to_templates_before_formatting():
    seen: list[str] = []

    def translate(template: str) -> str:
        seen.append(template)
        return "EN " + template

    [f] = [f for f in run("①", translate=translate) if f.rule == "a11y.machine-dependent-char"]
    assert f.message.startswith("EN 「①」")
    assert "「{char}」は機種依存文字です。" in seen[0]


def test_a_broken_translation_falls_back_to_japanese():
    [f] = [
        f for f in run("①", translate=lambda s: "{nope}") if f.rule == "a11y.machine-dependent-char"
    ]
    assert f.message.startswith("「①」")


def test_config_can_disable_a_rule_and_change_its_severity():
    config = Config.from_mapping(
        {
            "rules": {
                "a11y.machine-dependent-char": {"enabled": False},
                "a11y.halfwidth-katakana": {"severity": "info"},
            }
        }
    )
    fs = run("①ｶﾅ", config=config)
    assert [(f.rule, f.severity) for f in fs] == [("a11y.halfwidth-katakana", "info")]


def test_check_works_without_a_config_and_with_default_publish_time():
    fs = check(Post("①"))
    assert all(isinstance(f, Finding) for f in fs) and fs


def test_post_publish_time_defaults_to_tokyo_now():
    assert Post("x").publish_at.utcoffset().total_seconds() == 9 * 3600  # type: ignore[union-attr]
    assert AT.year == 2026
