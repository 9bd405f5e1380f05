"""WSGI entry point (gunicorn). Runs the system checks first so that a production process
never starts with missing secrets or a broken configuration."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kagami.settings")
application = get_wsgi_application()

from django.core import checks  # noqa: E402
from django.core.management.base import SystemCheckError  # noqa: E402

_errors = [m for m in checks.run_checks(include_deployment_checks=False) if m.is_serious()]
if _errors:
    raise SystemCheckError("\n".join(str(message) for message in _errors))
