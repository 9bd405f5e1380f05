"""The home page, security headers, and the demo town."""

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kagami.dashboard.demo import DEMO_PASSWORD, PEOPLE
from kagami.orgs.models import ActingAppointment, Department, User


def test_home_lists_what_needs_attention(client: Client, cast: object, login: object) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert "承認待ちの投稿" in response.text
    assert 'href="#main"' in response.text and '<main id="main"' in response.text


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, db: None) -> None:
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("orgs:login"))


def test_pages_carry_a_strict_content_security_policy(client: Client, db: None) -> None:
    response = client.get(reverse("orgs:login"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "http://" not in response.text.replace("http://www.w3.org", "")


def test_english_is_available_per_user(client: Client, cast: object, login: object) -> None:
    cast.tanaka.language = "en"  # type: ignore[attr-defined]
    cast.tanaka.save()  # type: ignore[attr-defined]
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("dashboard:home"))
    assert '<html lang="en">' in response.text
    assert "Sign out" in response.text and "ログアウト" not in response.text


def test_the_demo_town_is_idempotent(db: None, capsys: object) -> None:
    call_command("demo")
    counts = (User.objects.count(), Department.objects.count(), ActingAppointment.objects.count())
    call_command("demo")
    assert (
        User.objects.count(),
        Department.objects.count(),
        ActingAppointment.objects.count(),
    ) == counts
    assert counts == (len(PEOPLE), 5, 1)
    assert Department.objects.get(is_policy_division=True).name == "企画課"
    head = User.objects.get(email="suzuki@demo.kagami.example")
    assert head.check_password(DEMO_PASSWORD) and head.requires_mfa()
    contractor = User.objects.exclude(contractor_company="").get()
    assert contractor.access_ends_on is not None
    assert ActingAppointment.objects.on_duty().get().deputy.display_name == "中村 翔"


def test_the_policy_division_sees_reports_waiting_for_a_decision(
    client: Client, db: None, login: object
) -> None:
    call_command("demo")
    login(client, User.objects.get(email="takahashi@demo.kagami.example"))  # type: ignore[operator]
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "審査待ちの開始・終了報告" in page and "かがみの子育て応援" in page


def test_the_head_sees_the_demo_post_waiting_for_approval(
    client: Client, db: None, login: object
) -> None:
    call_command("demo")
    login(client, User.objects.get(email="suzuki@demo.kagami.example"))  # type: ignore[operator]
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "承認待ちの投稿" in page and "年末年始のごみ収集" in page


def test_tick_runs_the_periodic_jobs(db: None, capsys: object) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from kagami.posts.models import Post, PostState

    call_command("demo")
    post = Post.objects.get(state=PostState.SUBMITTED)
    with time_machine.travel(post.publish_at + timedelta(minutes=1), tick=False):
        call_command("tick")
    post.refresh_from_db()
    assert post.state == PostState.EXPIRED
    assert "posts.expire_overdue_posts: 1" in capsys.readouterr().out  # type: ignore[attr-defined]
    assert timezone.now() < post.publish_at
