"""ASGI entry point. Kagami's stack is synchronous; prefer WSGI (see research/stack.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kagami.settings")
application = get_asgi_application()
