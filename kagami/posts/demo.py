"""Demo posts and an advance approval in the demo town, made through the real workflow."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from kagami.lib.workcalendar import JST, next_allowed
from kagami.orgs.models import User
from kagami.posts import pre_approval, workflow
from kagami.posts.models import Post, PreApprovalGrant, working_calendar
from kagami.registry.models import OfficialAccount

WAITING = (
    "【お知らせ】年末年始のごみ収集についてご案内します。収集日程は町ホームページをご覧ください。"
    "https://www.town.kagamino.lg.jp/"
)


def load_demo_posts(email_domain: str) -> None:
    account = OfficialAccount.objects.filter(handle="@kagamino_town").first()
    if account is None or Post.objects.exists():
        return
    tanaka = User.objects.get(email=f"tanaka@{email_domain}")
    suzuki = User.objects.get(email=f"suzuki@{email_domain}")
    today = timezone.localdate()
    if not PreApprovalGrant.objects.filter(staff=tanaka, account=account).exists():
        pre_approval.grant_pre_approval(
            head=suzuki,
            staff=tanaka,
            account=account,
            categories=["facts", "published"],
            valid_from=today,
            valid_until=date(today.year + 1, 3, 31),
        )
    slot = next_allowed(
        timezone.now() + timedelta(days=1), account.operation_hours, working_calendar()
    )
    publish_at = slot or datetime.combine(
        today + timedelta(days=7), datetime.min.time(), JST
    ).replace(hour=10)
    post = workflow.save_post(
        actor=tanaka,
        department=account.lead_department,
        accounts=[account],
        text=WAITING,
        publish_at=publish_at,
    )
    workflow.submit_post(actor=tanaka, post=post)
