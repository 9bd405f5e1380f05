#!/usr/bin/env python
"""Django's command-line utility. `kagami` (the installed console command) is the same, except
that `kagami check` runs the content checks; here `check` is Django's system check."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kagami.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
