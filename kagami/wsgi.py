"""WSGI entry point (gunicorn). Runs the system checks first so that a production process
never starts with missing secrets or a broken configuration."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kagami.settings")
application = get_wsgi_application()

from django.core.management import call_command  # noqa: E402

call_command("check", fail_level="ERROR")
