"""Create or complete `.env` for `make run` with fresh random keys; never changes a key that is
already there (the audit and vault keys must stay the same for the data to stay readable)."""

import base64
import secrets
import sys
from pathlib import Path

KEYS = {
    "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "KAGAMI_AUDIT_KEY": lambda: secrets.token_urlsafe(48),
    "KAGAMI_VAULT_KEYS": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}


def main(path: Path) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {line.split("=", 1)[0].strip() for line in text.splitlines() if "=" in line}
    missing = [name for name in KEYS if name not in present]
    if not missing:
        return
    with path.open("a", encoding="utf-8") as env:
        if text and not text.endswith("\n"):
            env.write("\n")
        for name in missing:
            env.write(f"{name}={KEYS[name]()}\n")
    print(f"{path}: added {', '.join(missing)} (kept out of git)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".env"))
