"""The `kagami` console command.

`kagami check ...` runs the content checks (G-5-1) and `kagami screen ...` the comment
screening (G-6-2) without Django, a database or settings; every other sub-command is a Django
management command (`kagami migrate`, `kagami audit verify`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "check":
        from kagami.contentchecks.cli import main as check_main

        return check_main(args[2:])
    if len(args) > 1 and args[1] == "screen":
        from kagami.screening.cli import main as screen_main

        return screen_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kagami.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
