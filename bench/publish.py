"""Publishing throughput: 10,000 targets due in the same minute across 300 accounts, on the
sandbox adapter, PostgreSQL, 2 publishing workers.

    .venv/bin/python bench/publish.py [--targets 10000] [--accounts 300] [--workers 2]
                                      [--spread 60]

The targets' times are spread evenly over `--spread` seconds (a minute by default; 0 puts them
all on the same second, the worst case for lateness). Lateness is measured against each
target's own time; "drained" is from the first target's time to the last publication.

Prints the time to drain, p50/p99 lateness against the scheduled time, duplicates (must be 0)
and worker CPU per post. Target on the reference machine: drained within 60 s, p99 lateness
< 2 s once a target's slot arrives.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/kagami_bench_publish"
ENV = {
    "DJANGO_SETTINGS_MODULE": "kagami.settings",
    "DJANGO_SECRET_KEY": "bench-only-secret",
    "KAGAMI_AUDIT_KEY": "bench-only-audit-key-0123456789abcdef",
    "KAGAMI_VAULT_KEYS": "4_Jo-i95HQwDvpfyYwo1EKOU1DrXMdy9H2B1H_SFMlo=",
    "KAGAMI_LOG_LEVEL": "WARNING",
    "KAGAMI_PUBLISHING": "sandbox",
    "DATABASE_URL": DB_URL,
}


def setup_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute("DROP DATABASE IF EXISTS kagami_bench_publish")
        conn.execute("CREATE DATABASE kagami_bench_publish")
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        check=True,
        env={**os.environ, **ENV},
    )


def create_batch(targets: int, accounts: int, lead_seconds: int, spread: float) -> object:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from kagami.orgs.models import Department, User
    from kagami.posts.models import Approval, Decision, Post, PostState, PostTarget, PostVersion
    from kagami.registry.models import AccountState, OfficialAccount, Platform

    department = Department.objects.create(code="somu", name="総務課")
    author = User.objects.create_user(email="author@bench.example", display_name="作成者")
    platform = Platform.objects.get(code="x")
    created = OfficialAccount.objects.bulk_create(
        OfficialAccount(
            platform=platform,
            name=f"アカウント{n}",
            handle=f"@bench{n}",
            handle_key=f"bench{n}",
            url=f"https://x.com/bench{n}",
            lead_department=department,
            state=AccountState.ACTIVE,
        )
        for n in range(accounts)
    )
    OfficialAccount.departments.through.objects.bulk_create(
        OfficialAccount.departments.through(officialaccount_id=a.pk, department_id=department.pk)
        for a in created
    )
    due = timezone.now() + timedelta(seconds=lead_seconds)
    posts = Post.objects.bulk_create(
        Post(
            department=department,
            author=author,
            text=f"ベンチマークの投稿 {n}",
            publish_at=due + timedelta(seconds=spread * n / targets),
            state=PostState.APPROVED,
        )
        for n in range(targets)
    )
    PostTarget.objects.bulk_create(
        PostTarget(post=p, account=created[n % accounts]) for n, p in enumerate(posts)
    )
    # Kept versions and approvals as the workflow makes them: the worker sends only those.
    posts = list(Post.objects.prefetch_related("targets", "images"))
    PostVersion.objects.bulk_create(
        PostVersion(post=p, number=1, edited_by=author, content=p.snapshot(), digest=p.digest())
        for p in posts
    )
    approver = User.objects.create_user(email="head@bench.example", display_name="所属長")
    Approval.objects.bulk_create(
        Approval(
            post=p, version=1, digest=p.digest(), decision=Decision.APPROVED, decided_by=approver
        )
        for p in posts
    )
    return due


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lead", type=int, default=15, help="seconds until the batch is due")
    parser.add_argument("--spread", type=float, default=60, help="seconds the times spread over")
    args = parser.parse_args()

    setup_database()
    due = create_batch(args.targets, args.accounts, args.lead, args.spread)
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "publish",
                "--every",
                "0.2",
                "--batch",
                "50",
                "--until-empty",
            ],
            env={**os.environ, **ENV},
        )
        for _ in range(args.workers)
    ]
    # The workers start idle; once the batch is due they drain it and exit.
    time.sleep(args.lead + 1)
    for proc in workers:
        proc.wait()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)

    from kagami.publishing.models import Attempt, Delivery, SandboxPost

    published = list(Delivery.objects.values_list("published_at", "due_at"))
    lateness = sorted((p - d).total_seconds() for p, d in published if p)
    last = max(p for p, _d in published if p)
    duplicates = (
        SandboxPost.objects.count() - Delivery.objects.filter(published_at__isnull=False).count()
    )
    double_attempts = Attempt.objects.filter(outcome__in=["published", "found"]).count() - len(
        lateness
    )
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"targets={args.targets} accounts={args.accounts} workers={args.workers} "
        f"spread={args.spread:g}s "
        f"published={len(lateness)} drained_in={(last - due).total_seconds():.1f}s "  # type: ignore[operator]
        f"lateness_p50={statistics.median(lateness):.2f}s "
        f"lateness_p99={lateness[int(len(lateness) * 0.99) - 1]:.2f}s "
        f"duplicates={duplicates + double_attempts} "
        f"worker_cpu_per_post={cpu / max(len(lateness), 1) * 1000:.1f}ms"
    )


if __name__ == "__main__":
    main()
