"""Exit 0 if the PostgreSQL server for the test run answers, 1 otherwise (used by `make test`)."""

import os
import sys

import psycopg

url = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Connect to the maintenance database: the test database is created by the test run itself.
base = url.rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(base, connect_timeout=3).close()
except psycopg.Error as exc:
    print(f"PostgreSQL at {base} does not answer: {exc}", file=sys.stderr)
    sys.exit(1)
