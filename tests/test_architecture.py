"""The app dependency map of ARCHITECTURE.md ("Apps and allowed dependencies"), enforced.

Every module under kagami/ is parsed with `ast`. Each import — at module level, inside
functions or `if TYPE_CHECKING:` blocks, `import x` and `from x import y`, relative ones
resolved, and `importlib.import_module("kagami.…")` with a literal name — is an edge from the
module's unit (the first package under kagami/, or a top-level module such as `urls`) to the
unit it names. An edge that `ALLOWED` does not list fails the test with file, line and edge.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "kagami"

ANYTHING = "*"
DJANGO = "django"  # Django itself and Django packages (see `_is_django`), not an app of ours.

_BOTTOM = frozenset({DJANGO, "lib", "contentchecks", "audit"})

# What each unit under kagami/ may import. Keep in step with ARCHITECTURE.md, section "Apps and
# allowed dependencies": `lib, contentchecks, audit ← orgs ← registry ← vault, posts ←
# publishing, moderation ← incidents ← archive`; `public` only reads registry and incidents
# (and orgs, lib); `dashboard` and `auditviewer` sit on top. Siblings (vault/posts;
# publishing/moderation) do not import each other. A unit absent from this dict fails the test: a new app
# is placed in ARCHITECTURE.md and here first.
ALLOWED: dict[str, frozenset[str]] = {
    # Apps that import no app of ours (screening only the pure contentchecks, for the TOML
    # configuration it shares with `kagami check`); contentchecks and screening import no Django.
    "lib": frozenset({DJANGO}),
    "contentchecks": frozenset(),
    "screening": frozenset({"contentchecks"}),
    "audit": frozenset({DJANGO, "lib"}),
    "orgs": _BOTTOM,
    "registry": _BOTTOM | {"orgs"},
    "vault": _BOTTOM | {"orgs", "registry"},
    "posts": _BOTTOM | {"orgs", "registry"},
    "publishing": _BOTTOM | {"orgs", "registry", "vault", "posts"},
    "moderation": _BOTTOM | {"orgs", "registry", "vault", "posts"},
    "incidents": _BOTTOM | {"orgs", "registry", "vault", "posts", "publishing", "moderation"},
    "archive": _BOTTOM
    | {"orgs", "registry", "vault", "posts", "publishing", "moderation", "incidents"},
    "public": frozenset({DJANGO, "lib", "orgs", "registry", "incidents"}),
    # The top of the graph.
    "dashboard": frozenset({ANYTHING}),
    "auditviewer": frozenset({ANYTHING}),
    # Top-level modules: kagami/__init__.py, __main__.py, settings*.py (all are "settings"),
    # urls.py, celery.py, wsgi.py, asgi.py, checks.py (the deployment system checks).
    "__init__": frozenset({ANYTHING}),
    "__main__": frozenset({ANYTHING}),
    "settings": frozenset({ANYTHING}),
    "urls": frozenset({ANYTHING}),
    "celery": frozenset({ANYTHING}),
    "wsgi": frozenset({ANYTHING}),
    "asgi": frozenset({ANYTHING}),
    "checks": frozenset({ANYTHING}),
}

# Tests (`<app>/tests/…`) may import anything, except the tests of apps that import no app of
# ours (lib, contentchecks, screening): those keep their app's rule.
_NO_APP = frozenset(unit for unit, allowed in ALLOWED.items() if allowed <= {DJANGO})

_DJANGO_PACKAGES = frozenset({"django", "axes", "csp", "whitenoise", "pytest_django"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    source: str  # the importing unit
    target: str  # the imported unit, or DJANGO
    statement: str
    allowed: frozenset[str] | None  # None: the importing unit is not in ALLOWED

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        if self.allowed is None:
            return (
                f"{where}: `{self.source}` is not in ALLOWED (tests/test_architecture.py); "
                "place it in ARCHITECTURE.md's dependency map and in ALLOWED"
            )
        may = ", ".join(sorted(self.allowed)) or "nothing"
        return (
            f"{where}: forbidden edge {self.source} → {self.target} (`{self.statement}`); "
            f"{self.source} may import: {may}"
        )


def _is_django(module: str) -> bool:
    top = module.split(".")[0]
    return top in _DJANGO_PACKAGES or top.startswith("django_")


def _unit_of(path: str) -> tuple[str, bool]:
    """`kagami/audit/log.py` → ("audit", False); `kagami/settings_test.py` → ("settings", False);
    `kagami/posts/tests/test_x.py` → ("posts", True)."""
    parts = Path(path).parts
    assert parts[0] == PACKAGE, path
    if len(parts) == 2:
        stem = Path(parts[1]).stem
        return ("settings" if stem.startswith("settings") else stem), False
    return parts[1], "tests" in parts[2:-1]


def _module_name(path: str) -> list[str]:
    parts = list(Path(path).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _package_of(path: str) -> list[str]:
    return list(Path(path).parent.parts)


def _imports(tree: ast.AST, path: str) -> Iterator[tuple[int, str, str]]:
    """(line, absolute module name, statement) for every import in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            names = ", ".join(alias.name for alias in node.names)
            statement = f"from {'.' * node.level}{node.module or ''} import {names}"
            if node.level:
                package = _package_of(path)
                if node.level - 1 > len(package):
                    raise ValueError(f"{path}:{node.lineno}: relative import beyond the top")
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == PACKAGE:  # `from kagami import orgs` names the units themselves
                for alias in node.names:
                    yield node.lineno, f"{PACKAGE}.{alias.name}", statement
            else:
                yield node.lineno, module, statement
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (
                    isinstance(node.func, ast.Name)
                    and node.func.id in {"import_module", "__import__"}
                )
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value, f"import_module({node.args[0].value!r})"


def _target_unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == PACKAGE:
        if len(parts) == 1:
            return "__init__"
        return "settings" if parts[1].startswith("settings") else parts[1]
    if _is_django(module):
        return DJANGO
    return None  # the standard library or a third-party package that is not Django


def check_source(source: str, path: str) -> list[Violation]:
    """The forbidden imports of one module; `path` is relative to the repository root."""
    unit, is_test = _unit_of(path)
    allowed = ALLOWED.get(unit)
    if allowed is None:
        return [Violation(path, 1, unit, "", "", None)]
    if is_test and unit not in _NO_APP:
        return []
    if ANYTHING in allowed:
        return []
    found = []
    for line, module, statement in _imports(ast.parse(source, filename=path), path):
        target = _target_unit(module)
        if target is None or target == unit or target in allowed:
            continue
        found.append(Violation(path, line, unit, target, statement, allowed))
    return found


def check_tree(root: Path = ROOT) -> list[Violation]:
    found = []
    for file in sorted((root / PACKAGE).rglob("*.py")):
        path = file.relative_to(root).as_posix()
        found.extend(check_source(file.read_text(encoding="utf-8"), path))
    return found


def test_every_import_follows_the_dependency_map() -> None:
    violations = check_tree()
    assert not violations, (
        "Imports against the dependency map of ARCHITECTURE.md (Apps and allowed dependencies):\n"
        + "\n".join(f"  {v}" for v in violations)
    )


def test_the_map_names_only_units_it_defines() -> None:
    for unit, allowed in ALLOWED.items():
        unknown = allowed - set(ALLOWED) - {DJANGO, ANYTHING}
        assert not unknown, f"ALLOWED[{unit!r}] names units without an entry: {sorted(unknown)}"


def test_the_map_covers_every_installed_app_of_ours() -> None:
    from django.apps import apps

    ours = {
        config.name.split(".")[1]
        for config in apps.get_app_configs()
        if config.name.startswith(f"{PACKAGE}.")
    }
    assert ours <= set(ALLOWED), sorted(ours - set(ALLOWED))


# The checker itself: a forbidden import in a small source is caught, an allowed one is not.


def _edges(source: str, path: str) -> list[tuple[int, str, str]]:
    return [(v.line, v.source, v.target) for v in check_source(source, path)]


def test_a_forbidden_import_is_caught_with_file_line_and_edge() -> None:
    source = (
        "import json\n\nfrom kagami.lib.csvsafe import cell\nfrom kagami.orgs.models import User\n"
    )
    [violation] = check_source(source, "kagami/audit/forms.py")
    assert (violation.line, violation.source, violation.target) == (4, "audit", "orgs")
    message = str(violation)
    assert message.startswith("kagami/audit/forms.py:4: forbidden edge audit → orgs")
    assert "from kagami.orgs.models import User" in message
    assert "audit may import: django, lib" in message


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        # Relative imports are resolved against the module's package.
        ("from ..orgs import models\n", "kagami/audit/views.py", [(1, "audit", "orgs")]),
        ("from ... import orgs\n", "kagami/audit/templatetags/x.py", [(1, "audit", "orgs")]),
        ("from . import log\nfrom .models import AuditEvent\n", "kagami/audit/x.py", []),
        # Imports inside functions count; vault and posts are siblings.
        (
            "def f():\n    import kagami.posts.models\n",
            "kagami/vault/workflow.py",
            [(2, "vault", "posts")],
        ),
        ("from kagami import posts\n", "kagami/vault/x.py", [(1, "vault", "posts")]),
        (
            "import importlib\nimportlib.import_module('kagami.publishing.worker')\n",
            "kagami/posts/x.py",
            [(2, "posts", "publishing")],
        ),
        # Upward edges and the public directory.
        ("from kagami.dashboard import views\n", "kagami/orgs/x.py", [(1, "orgs", "dashboard")]),
        ("from kagami.posts.models import Post\n", "kagami/public/x.py", [(1, "public", "posts")]),
        (
            "from kagami.urls import urlpatterns\n",
            "kagami/registry/x.py",
            [(1, "registry", "urls")],
        ),
        # No Django in contentchecks, no app in lib, even in their tests.
        (
            "from django.conf import settings\n",
            "kagami/contentchecks/x.py",
            [(1, "contentchecks", "django")],
        ),
        ("import django_otp\n", "kagami/contentchecks/x.py", [(1, "contentchecks", "django")]),
        (
            "from kagami.orgs.models import User\n",
            "kagami/lib/tests/test_x.py",
            [(1, "lib", "orgs")],
        ),
        (
            "from kagami.lib import env\n",
            "kagami/contentchecks/tests/test_x.py",
            [(1, "contentchecks", "lib")],
        ),
        # Allowed edges.
        ("from kagami.orgs.models import User\n", "kagami/registry/x.py", []),
        ("from django.db import models\nimport re\n", "kagami/lib/x.py", []),
        ("from kagami.posts.models import Post\n", "kagami/publishing/x.py", []),
        ("from kagami.posts import views\n", "kagami/orgs/tests/test_x.py", []),
        ("from kagami.publishing import worker\n", "kagami/dashboard/management/commands/x.py", []),
        ("from kagami.orgs.models import User\n", "kagami/auditviewer/views.py", []),
        ("from kagami.vault import tasks\n", "kagami/celery.py", []),
        ("from kagami.posts import urls\n", "kagami/settings_test.py", []),
    ],
)
def test_the_checker(source: str, path: str, expected: list[tuple[int, str, str]]) -> None:
    assert _edges(source, path) == expected


def test_an_app_missing_from_the_map_is_reported() -> None:
    [violation] = check_source("import os\n", "kagami/newapp/models.py")
    assert violation.allowed is None
    assert "`newapp` is not in ALLOWED" in str(violation)
