"""Settings for the test suite: the real settings with fixed test keys and fast hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("KAGAMI_AUDIT_KEY", "test-only-audit-key-not-for-production")
os.environ.setdefault(
    "KAGAMI_VAULT_KEYS", "4_Jo-i95HQwDvpfyYwo1EKOU1DrXMdy9H2B1H_SFMlo="
)  # test-only

from kagami.settings import *  # noqa: F403
from kagami.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline, unless a test starts real workers of another backend (test_celery.py).
if not os.environ.get("KAGAMI_TASK_BACKEND"):
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5

# A file, not SQLite's shared in-memory database, so that tests with several threads see
# real write locking exactly as production does.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"kagami-test-{os.getpid()}.sqlite3")
    }
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STATIC_ROOT = Path(tempfile.gettempdir()) / "kagami-test-static"
STATIC_ROOT.mkdir(exist_ok=True)
