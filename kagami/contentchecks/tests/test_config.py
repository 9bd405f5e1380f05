from pathlib import Path

import pytest

from kagami.contentchecks import Config, ConfigError


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "town.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_default_config_serves_the_town_of_the_guideline():
    c = Config.default()
    assert c.name == "鏡野町"
    assert "town.kagamino.lg.jp" in c.official_domains
    assert "0868542111" in c.phone_set


def test_toml_file_of_the_spec_is_read(tmp_path):
    path = write(
        tmp_path,
        """
[municipality]
name = "鏡野町"
official_domains = ["town.kagamino.lg.jp"]
official_email_domains = ["town.kagamino.lg.jp"]
official_phones = ["0868-54-2111"]
public_addresses = []

[rules."a11y.emoji-overuse"]
limit = 5

[rules."conduct.ng-word"]
words = []

[rules."link.shortener"]
enabled = true
severity = "warning"
""",
    )
    c = Config.from_toml(path)
    assert c.settings("a11y.emoji-overuse").options["limit"] == 5
    assert c.settings("link.shortener").severity == "warning"
    assert c.public_addresses == ()


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[rules."no.such-rule"]\nenabled = true\n', 'rules."no.such-rule"'),
        ('[rules."link.shortener"]\nseverity = "fatal"\n', 'rules."link.shortener".severity'),
        ('[rules."link.shortener"]\nenabled = "yes"\n', 'rules."link.shortener".enabled'),
        ('[rules."a11y.emoji-overuse"]\nlimit = "five"\n', 'rules."a11y.emoji-overuse".limit'),
        ('[rules."a11y.emoji-overuse"]\nlimt = 3\n', 'rules."a11y.emoji-overuse".limt'),
        ('[municipality]\nofficial_phones = ["123"]\n', "municipality.official_phones"),
        (
            '[municipality]\nofficial_domains = "town.kagamino.lg.jp"\n',
            "municipality.official_domains",
        ),
        ("[municipality]\nunknown = 1\n", "municipality.unknown"),
        (
            '[rules."platform.length"]\nlimits = {myspace = 10}\n',
            'rules."platform.length".limits.myspace',
        ),
        ("[other]\n", "other"),
    ],
)
def test_bad_config_names_the_key(tmp_path, body, key):
    with pytest.raises(ConfigError) as exc:
        Config.from_toml(write(tmp_path, body))
    assert exc.value.key == key
    assert key in str(exc.value)


def test_broken_toml_and_missing_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="TOML"):
        Config.from_toml(write(tmp_path, "[municipality\n"))
    with pytest.raises(ConfigError, match="読めません"):
        Config.from_toml(tmp_path / "missing.toml")


def test_from_mapping_builds_the_same_config_as_the_web_app_settings():
    c = Config.from_mapping(
        {
            "municipality": {
                "official_email_domains": ["@Town.Kagamino.LG.JP"],
                "official_accounts": ["@Kagamino_Town"],
            }
        }
    )
    assert c.official_email_domains == ("town.kagamino.lg.jp",)
    assert c.account_set == frozenset({"kagamino_town"})


def test_the_screening_tables_share_the_file(tmp_path):
    """`kagami screen` reads [accounts] and [moderation] from the same file (MODERATION.md)."""
    body = (
        '[municipality]\nname = "鏡野町"\n'
        '[accounts]\nofficial_handles = ["@kagamino_town"]\n'
        '[moderation]\nstaff_names = ["中村"]\n'
    )
    assert Config.from_toml(write(tmp_path, body)).name == "鏡野町"
