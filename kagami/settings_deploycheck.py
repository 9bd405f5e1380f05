"""Production-like settings for `manage.py check --deploy` in `make test`.

It sets what a real deployment sets in its environment (HTTPS, strong keys, a real host) and
imports the ordinary settings, so the deploy check judges exactly the code that ships.
"""

import os

os.environ.update(
    {
        "KAGAMI_DEBUG": "0",
        "KAGAMI_HTTPS": "1",
        "KAGAMI_ALLOWED_HOSTS": "kagami.town.example.lg.jp",
        "KAGAMI_EMAIL_HOST": "smtp.town.example.lg.jp",
        "KAGAMI_VAULT_KEYS": "nRW7SsAG46qizaA6dGGp0PUHcq-oeM45YbyCuGVXOnc=",  # deploy check only
        "DJANGO_SECRET_KEY": "deploycheck-" + "x7Qp2Lr9Vt4Wm8Zs1Ya6Bc3Dn5Ef0Gh" * 2,
        "KAGAMI_AUDIT_KEY": "deploycheck-audit-" + "Jk4Lm7Np2Qr5St8Uv1Wx" * 2,
    }
)

from kagami.settings import *  # noqa: F403
