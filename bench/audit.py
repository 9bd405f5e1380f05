"""Audit appends per second with concurrent writers, on SQLite and PostgreSQL.

    .venv/bin/python bench/audit.py [--writers 4] [--appends 500]

Each writer is a separate process appending events in its own transactions, as web and
worker processes do. The chain is verified afterwards; the figures are printed, not asserted.
Target on the reference machine (2 cores): >= 500 appends/s on PostgreSQL with 4 writers.
"""

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ENV = {
    "DJANGO_SETTINGS_MODULE": "kagami.settings",
    "DJANGO_SECRET_KEY": "bench-only-secret",
    "KAGAMI_AUDIT_KEY": "bench-only-audit-key-0123456789abcdef",
    "KAGAMI_VAULT_KEYS": "4_Jo-i95HQwDvpfyYwo1EKOU1DrXMdy9H2B1H_SFMlo=",  # bench only
    "KAGAMI_LOG_LEVEL": "WARNING",
}


def _setup(database_url: str) -> None:
    os.environ.update(ENV, DATABASE_URL=database_url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _writer(database_url: str, worker: int, appends: int, start: "mp.synchronize.Event") -> None:
    _setup(database_url)
    from kagami.audit import log as audit

    start.wait()
    for i in range(appends):
        audit.record("bench.appended", data={"worker": worker, "i": i})


def run(label: str, database_url: str, writers: int, appends: int) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        check=True,
        env={**os.environ, **ENV, "DATABASE_URL": database_url},
    )
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_writer, args=(database_url, w, appends, start)) for w in range(writers)
    ]
    for proc in procs:
        proc.start()
    time.sleep(2.0)  # let every process import Django before the clock starts
    began = time.perf_counter()
    start.set()
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - began
    failed = [proc.exitcode for proc in procs if proc.exitcode != 0]
    _setup(database_url)
    from kagami.audit import log as audit

    result = audit.verify()
    total = writers * appends
    print(
        f"{label:<11} writers={writers} appends={total} time={elapsed:.2f}s "
        f"rate={total / elapsed:,.0f}/s chain={'valid' if result.ok else 'BROKEN'} "
        f"events={result.checked} failed_writers={len(failed)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--appends", type=int, default=500, help="per writer")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.writers, args.appends)

    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS kagami_bench")
            conn.execute("CREATE DATABASE kagami_bench")
    except Exception as exc:  # report and go on: the SQLite figure still stands
        print(f"PostgreSQL  skipped: {exc}")
        return
    run("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + "/kagami_bench", args.writers, args.appends)


if __name__ == "__main__":
    main()
