"""The documents a town's IT staff read stay true to the code: every environment variable the
settings read is in .env.example, and every system check id is listed in the README."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_READ = re.compile(
    r"""\benv_\w+\(\s*["']([A-Z][A-Z0-9_]+)["']|environ(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def _variables_read() -> set[str]:
    names: set[str] = set()
    for path in [ROOT / "kagami" / "settings.py", ROOT / "kagami" / "celery.py"]:
        for match in ENV_READ.finditer(path.read_text()):
            names.add(match[1] or match[2])
    return names - {"DJANGO_SETTINGS_MODULE"}


def test_env_example_lists_every_variable_the_settings_read() -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    missing = sorted(_variables_read() - listed)
    assert not missing, f"add to .env.example: {missing}"


def test_the_readme_lists_every_system_check() -> None:
    ids = set()
    for path in (ROOT / "kagami").rglob("checks.py"):
        ids |= set(re.findall(r"""id=["'](kagami\.[EW]\d+)["']""", path.read_text()))
    assert ids, "no system checks found: the pattern is out of date"
    readme = (ROOT / "README.md").read_text()
    missing = sorted(i for i in ids if i not in readme)
    assert not missing, f"list these system checks in README.md: {missing}"
