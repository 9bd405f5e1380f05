"""The account registry: platforms (G-2, G-3), official accounts (G-4-1, G-4-6), their operation
policies (G-4-4) and terms of use (G-4-5), and start and end reports (G-4-2, G-4-3)."""

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kagami.lib.urls import public_https_url_problem
from kagami.lib.workcalendar import WEEKDAYS
from kagami.orgs.models import Department, Membership, User


class ImmutableError(RuntimeError):
    """Raised when code tries to change a filed document or report."""


class Anonymity(models.TextChoices):
    LOW = "low", _("低い（実名が基本）")
    MEDIUM = "medium", _("中程度")
    HIGH = "high", _("高い（匿名で使われることが多い）")


class CommentControl(models.TextChoices):
    DELETE = "delete", _("コメントを削除できる")
    HIDE = "hide", _("コメントを非表示にできる")
    RESTRICT = "restrict", _("返信できる人を制限できるだけ")
    NONE = "none", _("コメントを管理できない")


class PublishingMode(models.TextChoices):
    API = "api", _("システムから投稿できる（API）")
    MANUAL = "manual", _("手作業で投稿する")


HANDLE_PLACEHOLDER = "{handle}"


def validate_handle_url_path(value: str) -> None:
    """A path template such as `/{handle}` or `/profile/{handle}` (or blank)."""
    if value and (not value.startswith("/") or value.count(HANDLE_PLACEHOLDER) != 1):
        raise ValidationError(
            _("「/」で始まり、{handle} を1つだけ含む形で書いてください（例: /profile/{handle}）。")
        )


class Platform(models.Model):
    """A social media service in the catalogue (G-2), with what the guideline asks a
    department to weigh before choosing it (G-3). Adding one is data, not a schema change."""

    code = models.SlugField(_("コード"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    anonymity = models.CharField(_("匿名性"), max_length=16, choices=Anonymity.choices)
    risk_note = models.TextField(_("運用上の注意"), blank=True)
    comment_control = models.CharField(
        _("コメントの管理"), max_length=16, choices=CommentControl.choices
    )
    publishing_mode = models.CharField(
        _("投稿の方法"), max_length=16, choices=PublishingMode.choices
    )
    url_hosts = models.JSONField(
        _("アカウントURLのホスト名"),
        default=list,
        help_text=_("例: x.com, twitter.com（サブドメインも含みます）"),
    )
    handle_hint = models.CharField(_("IDの例"), max_length=100, blank=True)
    handle_url_path = models.CharField(
        _("アカウントURLのパス"),
        max_length=100,
        blank=True,
        validators=[validate_handle_url_path],
        help_text=_(
            "アカウントのURLのうち、ユーザーIDが入る部分（例: /{handle}、/profile/{handle}、"
            "/@{handle}）。登録するURLとユーザーIDが合っているかを確かめます。"
            "URLにユーザーIDが入らないSNS（ページ番号で表すものなど）は空欄にします。"
        ),
    )
    daily_post_limit = models.PositiveIntegerField(
        _("24時間あたりの投稿上限"),
        null=True,
        blank=True,
        help_text=_(
            "APIで投稿できる件数の、アカウントごとの上限（直近24時間）。空欄は上限なし。"
            "上限に達したアカウントの投稿は、枠が空くまで送信を待ちます。"
        ),
    )
    # What the platform's API allows besides posting (trouble handling, G-6): corrections by
    # deleting a post, and the look-alike watch. The adapters say the same (`can_delete`,
    # `can_edit`, `can_lookup_users`); a test keeps the two in step.
    can_delete_posts = models.BooleanField(_("APIで投稿を削除できる"), default=False)
    can_edit_posts = models.BooleanField(_("APIで投稿を編集できる"), default=False)
    can_lookup_users = models.BooleanField(_("APIで利用者を検索できる"), default=False)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("利用できる"), default=True)

    class Meta:
        verbose_name = _("SNSの種類")
        verbose_name_plural = _("SNSの種類")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def owns_url(self, url: str) -> bool:
        """Whether `url` is a safe public https address (`kagami.lib.urls`) on this platform:
        its host or a subdomain of it (G-4-6: the directory vouches for the address)."""
        if public_https_url_problem(url) is not None:
            return False
        host = (urlsplit(url).hostname or "").lower()
        if not self.url_hosts:  # a federated service (Mastodon): any server
            return bool(host)
        return any(host == h or host.endswith("." + h) for h in self.url_hosts)

    def handle_mismatch(self, handle: str, url: str) -> str | None:
        """Why `url` is not the page of the account `handle` on this platform, or None.

        Only for platforms whose account URLs carry the handle (`handle_url_path`, e.g.
        x.com/<handle>, bsky.app/profile/<handle>); compared without `@` and letter case. A
        handle with a server (`@town@mastodon.example`) must also be on that server. Where
        the URL does not carry the handle (LINE, Facebook page ids) anything agrees."""
        template = self.handle_url_path
        if not template or HANDLE_PLACEHOLDER not in template:
            return None
        key = normalise_handle(handle)
        user, _at, server = key.partition("@")
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        wanted = [seg.lower() for seg in template.strip("/").split("/")]
        given = [unquote(seg).lower() for seg in parts.path.strip("/").split("/")]
        agrees = len(given) == len(wanted) and all(
            g.lstrip("@") == user if HANDLE_PLACEHOLDER in w else g == w
            for w, g in zip(wanted, given, strict=True)
        )
        if agrees and (not server or host == server):
            return None
        example_host = server or (self.url_hosts[0] if self.url_hosts else host)
        example = f"https://{example_host}" + template.replace(HANDLE_PLACEHOLDER, user)
        return gettext(
            "URL「%(url)s」はユーザーID「%(handle)s」のアカウントのページではありません。"
            "%(platform)s のアカウントのURLは「%(example)s」の形です。"
        ) % {"url": url, "handle": handle, "platform": self.name, "example": example}


class AccountState(models.TextChoices):
    PLANNED = "planned", _("計画中")
    START_REPORTED = "start_reported", _("開始報告済")
    ACTIVE = "active", _("運用中")
    SUSPENDED = "suspended", _("休止中")
    ENDED = "ended", _("終了")


# The lifecycle of G-4-2/G-4-3; workflow functions check a change against it.
ACCOUNT_TRANSITIONS: dict[str, set[str]] = {
    AccountState.PLANNED: {AccountState.START_REPORTED},
    AccountState.START_REPORTED: {AccountState.ACTIVE, AccountState.SUSPENDED, AccountState.ENDED},
    AccountState.ACTIVE: {AccountState.SUSPENDED, AccountState.ENDED},
    AccountState.SUSPENDED: {AccountState.ACTIVE, AccountState.ENDED},
    AccountState.ENDED: set(),
}
# States in which the public directory lists an account.
LISTED_STATES = (AccountState.START_REPORTED, AccountState.ACTIVE, AccountState.SUSPENDED)


class ReplyPolicy(models.TextChoices):
    NO_REPLY = "no_reply", _("原則として返信しない")
    REDIRECT = "redirect", _("問い合わせ窓口（電話・フォーム）へ案内する")
    REPLY = "reply", _("必要に応じて返信する")


def default_operation_hours() -> dict[str, list[list[str]]]:
    """開庁時間: weekdays 8:30–17:15, the most common municipal office hours."""
    return {day: ([["08:30", "17:15"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS}


# States in which an account may publish, unless something else holds it (publishable_at).
PUBLISHING_STATES = (AccountState.START_REPORTED, AccountState.ACTIVE)


def _tokyo_day(when: datetime | None) -> date:
    return timezone.localdate(when) if when is not None else timezone.localdate()


def _not_yet_due(day: date) -> Q:
    """No scheduled change, or one whose day (Asia/Tokyo) is still after `day`."""
    return Q(scheduled_on__isnull=True) | Q(scheduled_on__gt=day)


class OfficialAccountQuerySet(models.QuerySet["OfficialAccount"]):
    def visible_to(self, user: User) -> "OfficialAccountQuerySet":
        """Accounts of the departments `user` belongs to; all of them for the policy
        division, auditors and administrators."""
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        mine = Membership.objects.active().filter(user=user).values("department")
        return self.filter(departments__in=mine).distinct()

    def listed(self, when: datetime | None = None) -> "OfficialAccountQuerySet":
        """What the public directory shows at `when` (default now, G-4-6): started, active
        and suspended accounts, not an imported one whose documents are missing, and not one
        whose scheduled end (G-4-3) has come."""
        day = _tokyo_day(when)
        return self.filter(state__in=LISTED_STATES, documents_missing=False).exclude(
            scheduled_state=AccountState.ENDED, scheduled_on__lte=day
        )

    def publishable_at(self, when: datetime) -> "OfficialAccountQuerySet":
        """The accounts that may publish at `when`, as one query (the rule of
        `OfficialAccount.publishable_at`): for the publishing worker's bulk selection."""
        return self.filter(
            _not_yet_due(_tokyo_day(when)),
            state__in=PUBLISHING_STATES,
            documents_missing=False,
        )


class OfficialAccount(models.Model):
    """An official account of the municipality on one platform (G-4-1).

    It belongs to one department, or jointly to several that share a stated theme with one
    lead department. Whether it may publish is one rule, `publishable_at(when)` (also as the
    bulk query `OfficialAccount.objects.publishable_at(when)`, and explained in Japanese by
    `publishing_blocker(when)`): only once its start report has been accepted (G-4-2), not
    while suspended or ended or from the day an accepted suspension or end takes effect
    (G-4-3), and not while it is an imported account missing its documents.
    """

    platform = models.ForeignKey(
        Platform, verbose_name=_("SNSの種類"), on_delete=models.PROTECT, related_name="accounts"
    )
    name = models.CharField(_("アカウント名"), max_length=100)
    handle = models.CharField(_("ユーザーID"), max_length=100)
    handle_key = models.CharField(max_length=100, editable=False)
    url = models.URLField(_("URL"), max_length=300)
    lead_department = models.ForeignKey(
        Department, verbose_name=_("所管課"), on_delete=models.PROTECT, related_name="+"
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("運用する所属"), related_name="official_accounts"
    )
    joint_theme = models.CharField(
        _("共同運用の共通テーマ"),
        max_length=200,
        blank=True,
        help_text=_("複数の所属で運用するときの共通のテーマ（例: 移住・定住の促進）"),
    )
    operators = models.ManyToManyField(
        User, verbose_name=_("運用担当者"), blank=True, related_name="operated_accounts"
    )
    operation_hours = models.JSONField(_("運用時間"), default=default_operation_hours)
    reply_policy = models.CharField(
        _("コメントへの対応"),
        max_length=16,
        choices=ReplyPolicy.choices,
        default=ReplyPolicy.NO_REPLY,
    )
    profile_shows_directory = models.BooleanField(
        _("プロフィールに公式アカウント一覧のURLを載せている"), default=False
    )
    directory_link_verified_on = models.DateField(_("掲載を確かめた日"), null=True, blank=True)
    state = models.CharField(
        _("状態"), max_length=16, choices=AccountState.choices, default=AccountState.PLANNED
    )
    last_reviewed_on = models.DateField(_("最後に見直した日"), null=True, blank=True)
    last_posted_at = models.DateTimeField(_("最後の投稿"), null=True, blank=True)
    imported = models.BooleanField(_("既存台帳から取込み"), default=False)
    # An account taken over from the old register runs without policy, terms or 様式第1号
    # in Kagami; until they are in (or the paper report is recorded) it neither publishes
    # nor appears in the public directory.
    documents_missing = models.BooleanField(_("書類の不足"), default=False)
    paper_report_on = models.DateField(_("紙の運用開始報告書の受理日"), null=True, blank=True)
    paper_report_number = models.CharField(
        _("紙の運用開始報告書の文書番号"), max_length=100, blank=True
    )
    # An accepted suspension or end report with a later effective date (G-4-3).
    scheduled_state = models.CharField(
        _("予定している変更"),
        max_length=16,
        blank=True,
        choices=[
            (AccountState.SUSPENDED.value, AccountState.SUSPENDED.label),
            (AccountState.ENDED.value, AccountState.ENDED.label),
        ],
    )
    scheduled_on = models.DateField(_("変更の予定日"), null=True, blank=True)
    scheduled_report = models.ForeignKey(
        "Report",
        verbose_name=_("変更のもとになった報告書"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfficialAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("公式アカウント")
        verbose_name_plural = _("公式アカウント")
        ordering = ["platform__sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle_key"],
                condition=~Q(state="ended"),
                name="one_live_account_per_handle",
            ),
            models.CheckConstraint(
                condition=(Q(scheduled_state="") & Q(scheduled_on__isnull=True))
                | (Q(scheduled_state__in=["suspended", "ended"]) & Q(scheduled_on__isnull=False)),
                name="scheduled_change_has_state_and_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.platform}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.handle_key = normalise_handle(self.handle)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "handle" in update_fields:
            kwargs["update_fields"] = {*update_fields, "handle_key"}
        super().save(*args, **kwargs)

    @property
    def is_joint(self) -> bool:
        return self.departments.count() > 1

    # The publishability rule. Everyone asks these, never the state directly:
    #   account.publishable_at(when) / account.can_publish (now)     one account
    #   OfficialAccount.objects.publishable_at(when)                 a bulk query
    #   account.publishing_blocker(when)                             why not, in Japanese
    def publishable_at(self, when: datetime) -> bool:
        """Whether the account may publish at `when`:

        - its state is 開始報告済 or 運用中 (G-4-2: the start report was accepted; G-4-3: not
          suspended or ended);
        - it is not an imported account whose policy, terms or start report are missing;
        - no accepted suspension or end takes effect on or before `when`'s day (Asia/Tokyo).
          Before that day it still publishes, so the closing post can go out (G-4-3).
        """
        return self.publishing_blocker(when) is None

    def publishing_blocker(self, when: datetime) -> str | None:
        """Why the account may not publish at `when` (a Japanese sentence for messages and
        delivery hold reasons), or None if it may (see `publishable_at`)."""
        if self.state == AccountState.PLANNED:
            return gettext(
                "運用開始報告書が受理されていないため、このアカウントからは投稿できません"
                "（ガイドライン4(2)）。"
            )
        if self.state == AccountState.SUSPENDED:
            return gettext("このアカウントは休止中のため、投稿できません。")
        if self.state == AccountState.ENDED:
            return gettext("このアカウントは運用を終了したため、投稿できません。")
        if self.documents_missing:
            return gettext(
                "既存の台帳から取り込んだアカウントで、運用方針・利用規約・運用開始報告書が"
                "そろっていないため、投稿できません。"
            )
        if self.scheduled_on is not None and self.scheduled_on <= _tokyo_day(when):
            message = (
                gettext("%(date)sから休止するため、このアカウントからは投稿できません。")
                if self.scheduled_state == AccountState.SUSPENDED
                else gettext("%(date)sに運用を終了するため、このアカウントからは投稿できません。")
            )
            return message % {"date": self.scheduled_on.strftime("%Y-%m-%d")}
        return None

    @property
    def can_publish(self) -> bool:
        """`publishable_at(now)` (G-4-2, G-4-3)."""
        return self.publishable_at(timezone.now())

    def state_at(self, when: datetime | None = None) -> str:
        """The state the account is in at `when`, counting a scheduled change whose day has
        come but that `apply_scheduled_account_changes` has not written yet."""
        if self.scheduled_on is not None and self.scheduled_on <= _tokyo_day(when):
            return self.scheduled_state
        return self.state

    def missing_documents(self) -> list[str]:
        """What an imported account still lacks before it may publish and be listed."""
        if not self.documents_missing:
            return []
        missing = []
        if self.current_policy() is None:
            missing.append(gettext("運用方針（確定したもの）"))
        if self.current_terms() is None:
            missing.append(gettext("利用規約（確定したもの）"))
        missing.append(gettext("受理された運用開始報告書（様式第1号）"))
        return missing

    def can_move_to(self, state: str) -> bool:
        return state in ACCOUNT_TRANSITIONS[self.state]

    def current_policy(self) -> "PolicyDocument | None":
        return self.policies.filter(filed_at__isnull=False).order_by("-version").first()

    def current_terms(self) -> "TermsDocument | None":
        return self.terms.filter(filed_at__isnull=False).order_by("-version").first()

    def dormancy_reasons(self, today: date | None = None) -> list[str]:
        """Why the account looks dormant: not reviewed for 12 months, or no post for the
        configured number of days (hijacked dormant accounts are a known risk)."""
        if self.state not in (AccountState.START_REPORTED, AccountState.ACTIVE):
            return []
        today = today or timezone.localdate()
        reasons = []
        review_limit = today - timedelta(days=settings.KAGAMI_REVIEW_INTERVAL_DAYS)
        if self.last_reviewed_on is None or self.last_reviewed_on < review_limit:
            reasons.append(str(_("12か月以上見直しがされていません。")))
        post_limit = timezone.now() - timedelta(days=settings.KAGAMI_DORMANT_AFTER_DAYS)
        if self.last_posted_at is not None and self.last_posted_at < post_limit:
            reasons.append(
                str(_("%(days)s日以上投稿がありません。"))
                % {"days": settings.KAGAMI_DORMANT_AFTER_DAYS}
            )
        return reasons

    def heads(self) -> "models.QuerySet[User]":
        return self.lead_department.heads()


def normalise_handle(handle: str) -> str:
    """The comparable form of a handle: no leading @, no surrounding space, lower case."""
    return handle.strip().lstrip("@＠").strip().lower()


HANDLE_MAX_LENGTH = 100  # OfficialAccount.handle
HANDLE_FORBIDDEN = frozenset("/\\?#<>\"'`%&=:;,")


def handle_problem(handle: str) -> str | None:
    """Why `handle` cannot be an account's user ID (empty, too long, spaces or URL
    punctuation), or None."""
    if not normalise_handle(handle):
        return gettext("ユーザーIDを入力してください。")
    if len(handle.strip()) > HANDLE_MAX_LENGTH:
        return gettext("ユーザーIDが長すぎます（%(max)s文字まで）。") % {"max": HANDLE_MAX_LENGTH}
    if any(c.isspace() or not c.isprintable() or c in HANDLE_FORBIDDEN for c in handle.strip()):
        return gettext("ユーザーIDに空白や「/」「?」「#」などの記号は使えません。")
    return None


class FiledDocument(models.Model):
    """A versioned document of an account; immutable once filed."""

    version = models.PositiveIntegerField(_("版"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(_("確定日時"), null=True, blank=True)
    filed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        stored = type(self)._default_manager.filter(pk=self.pk, filed_at__isnull=False)
        if self.pk and stored.exists():
            raise ImmutableError("a filed document cannot be changed; draft a new version")
        super().save(*args, **kwargs)

    @property
    def is_filed(self) -> bool:
        return self.filed_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_filed:
            raise ImmutableError("a filed document cannot be deleted")
        return super().delete(*args, **kwargs)


# Minimum length of a required item: a heading or "未定" is not a policy.
MIN_ITEM_LENGTH = 10
PLACEHOLDER_WORDS = ("未定", "検討中", "後日", "TBD", "TODO", "〇〇", "○○", "××", "xxx")


def field_label(model: models.Model, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def item_problem(text: str, min_length: int = MIN_ITEM_LENGTH) -> str | None:
    """Why `text` does not count as a filled-in required item, or None if it does."""
    stripped = "".join(text.split())
    if not stripped:
        return str(_("書かれていません。"))
    if any(word.lower() in stripped.lower() for word in PLACEHOLDER_WORDS):
        return str(_("「未定」「〇〇」などの仮の言葉が残っています。"))
    if len(stripped) < min_length:
        return str(_("短すぎます（%(min)s文字以上で具体的に書いてください）。")) % {
            "min": min_length
        }
    return None


class PolicyDocument(FiledDocument):
    """An account's operation policy (運用方針, G-4-4): items (a)–(f) must all be present."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.PROTECT, related_name="policies")
    platform_text = models.TextField(_("(a) 利用するソーシャルメディア"), blank=True)
    account_text = models.TextField(_("(b) アカウント名・URL・運用者"), blank=True)
    purpose = models.TextField(_("(c) 運用の目的"), blank=True)
    content = models.TextField(_("(d) 発信する内容"), blank=True)
    operation_method = models.TextField(
        _("(e) 運用の方法（運用時間、ご意見・ご質問への対応）"), blank=True
    )
    personal_information = models.TextField(_("(f) 個人情報の取扱い"), blank=True)
    other = models.TextField(_("その他（フォロー・いいねの方針など）"), blank=True)

    # (field, clause) for each item the guideline requires.
    REQUIRED_ITEMS = [
        ("platform_text", "G-4-4-a"),  # a platform's name may be short: "X", "note"
        ("account_text", "G-4-4-b"),
        ("purpose", "G-4-4-c"),
        ("content", "G-4-4-d"),
        ("operation_method", "G-4-4-e"),
        ("personal_information", "G-4-4-f"),
    ]

    class Meta:
        verbose_name = _("運用方針")
        verbose_name_plural = _("運用方針")
        ordering = ["account", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["account", "version"], name="policy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account.name} 運用方針 第{self.version}版"

    def items_for_display(self) -> list[tuple[str, str]]:
        fields = [field for field, _clause in self.REQUIRED_ITEMS] + ["other"]
        return [(field_label(self, f), getattr(self, f)) for f in fields if getattr(self, f)]

    def missing_items(self) -> list[tuple[str, str, str]]:
        """(clause, item label, problem) for every required item not properly filled in."""
        missing = []
        for field, clause in self.REQUIRED_ITEMS:
            problem = item_problem(
                getattr(self, field), 1 if field == "platform_text" else MIN_ITEM_LENGTH
            )
            if problem:
                label = field_label(self, field)
                missing.append((clause, label, problem))
        return missing


class TermsCategory(models.TextChoices):
    """Kinds of prohibited user posts, the union of real municipal terms (jp-context §1.6, §8).
    Comment moderation (G-6-2) cites the clause that carries one of these."""

    LAW = "law", _("法令・公序良俗に反するもの")
    DEFAMATION = "defamation", _("誹謗中傷・名誉毀損・侮辱")
    DISCRIMINATION = "discrimination", _("差別・ヘイト")
    PRIVACY = "privacy", _("個人情報・プライバシーの侵害")
    IMPERSONATION = "impersonation", _("なりすまし")
    FALSEHOOD = "falsehood", _("虚偽・デマ")
    COMMERCIAL = "commercial", _("営利・広告・勧誘")
    POLITICAL = "political", _("政治活動・選挙運動")
    RELIGIOUS = "religious", _("宗教活動・勧誘")
    CRIME = "crime", _("犯罪の助長・脅迫")
    OBSCENE = "obscene", _("わいせつ・暴力的な表現")
    IP = "ip", _("著作権・肖像権などの侵害")
    MALWARE = "malware", _("有害なプログラム・フィッシング")
    SPAM = "spam", _("無関係な内容・荒らし・連続投稿")
    HARASSMENT = "harassment", _("職員個人への執拗な攻撃")
    OTHER = "other", _("その他、運用者が不適切と判断するもの")


class TermsDocument(FiledDocument):
    """An account's terms of use (利用規約, G-4-5): (a) numbered rules for users,
    (b) ownership of intellectual property, (c) disclaimer."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.PROTECT, related_name="terms")
    preamble = models.TextField(_("前文（対象となる利用者）"), blank=True)
    ip_ownership = models.TextField(_("(b) 知的財産権の帰属"), blank=True)
    disclaimer = models.TextField(_("(c) 免責事項"), blank=True)

    class Meta:
        verbose_name = _("利用規約")
        verbose_name_plural = _("利用規約")
        ordering = ["account", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["account", "version"], name="terms_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account.name} 利用規約 第{self.version}版"

    def missing_items(self) -> list[tuple[str, str, str]]:
        missing = []
        if not self.clauses.exists():
            missing.append(
                (
                    "G-4-5-a",
                    str(_("(a) 利用者が守るべき事項")),
                    str(_("禁止事項が1つもありません。")),
                )
            )
        for field, clause in (("ip_ownership", "G-4-5-b"), ("disclaimer", "G-4-5-c")):
            problem = item_problem(getattr(self, field))
            if problem:
                missing.append((clause, field_label(self, field), problem))
        return missing


class TermsClause(models.Model):
    """One numbered rule users must follow (G-4-5-a), cited when a comment is removed."""

    terms = models.ForeignKey(TermsDocument, on_delete=models.PROTECT, related_name="clauses")
    number = models.PositiveSmallIntegerField(_("番号"))
    category = models.CharField(_("分類"), max_length=20, choices=TermsCategory.choices)
    text = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("利用規約の禁止事項")
        verbose_name_plural = _("利用規約の禁止事項")
        ordering = ["terms", "number"]
        constraints = [
            models.UniqueConstraint(fields=["terms", "number"], name="terms_clause_number_unique")
        ]

    def __str__(self) -> str:
        return f"({self.number}) {self.text}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.terms.is_filed:
            raise ImmutableError("the clauses of filed terms cannot be changed")
        super().save(*args, **kwargs)


class ReportKind(models.TextChoices):
    START = "start", _("運用開始報告書（様式第1号）")
    END = "end", _("運用終了・休止報告書（様式第2号）")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("提出済み（審査待ち）")
    ACCEPTED = "accepted", _("受理")
    RETURNED = "returned", _("差戻し")


class EndKind(models.TextChoices):
    SUSPEND = "suspend", _("休止")
    END = "end", _("終了")


class Disposition(models.TextChoices):
    DELETE = "delete", _("アカウントを削除する")
    LOCK = "lock", _("アカウントを非公開・ロックして保管する")
    TRANSFER = "transfer", _("他の所属へ移管する")


# End-report checklist (G-4-3): key → label. All must be confirmed before filing.
END_CHECKLIST = {
    "closing_post": _("フォロワーへの最終投稿（休止・終了のお知らせ）を行った、または予定している"),
    "archive_export": _("これまでの投稿・コメントを保存（アーカイブ）した"),
    "credentials_revoked": _("ログイン情報を変更・回収し、連携アプリの権限を取り消した"),
    "removed_from_directory": _(
        "公式アカウント一覧から外すことを確認した（受理で自動的に外れます）"
    ),
    "account_locked": _("アカウントを削除またはロックする手順を確認した"),
}
# Start-report checklist (様式第1号).
START_CHECKLIST = {
    "profile_link": _("プロフィール欄に公式アカウント一覧のURLを載せる"),
    "two_factor": _("ログインに2段階認証を設定した"),
    "official_mark": _("公式マーク（認証バッジ）の申請を検討した"),
}


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: User) -> "ReportQuerySet":
        return self.filter(account__in=OfficialAccount.objects.visible_to(user))


class Report(models.Model):
    """A start report (様式第1号, G-4-2) or end/suspension report (様式第2号, G-4-3) filed by
    the head of the account's department to the policy division, which accepts or returns it.
    The filed content never changes; only the decision is added."""

    kind = models.CharField(_("種類"), max_length=8, choices=ReportKind.choices)
    account = models.ForeignKey(OfficialAccount, on_delete=models.PROTECT, related_name="reports")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("番号"))
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提出日時"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    addressee = models.CharField(_("宛先"), max_length=100)
    effective_date = models.DateField(_("開始日・終了日"))
    contact = models.CharField(_("連絡先（内線など）"), max_length=200, blank=True)
    contractor = models.CharField(_("委託先（委託する場合）"), max_length=200, blank=True)
    operator_names = models.JSONField(_("運用担当者（提出時）"), default=list)
    policy = models.ForeignKey(
        PolicyDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    terms = models.ForeignKey(
        TermsDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_kind = models.CharField(_("休止・終了"), max_length=8, choices=EndKind.choices, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    disposition = models.CharField(
        _("アカウントの処理"), max_length=16, choices=Disposition.choices, blank=True
    )
    checklist = models.JSONField(_("確認事項"), default=dict)
    remarks = models.TextField(_("備考"), blank=True)
    status = models.CharField(
        _("状態"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("審査日時"), null=True, blank=True)
    decision_comment = models.TextField(_("審査のコメント"), blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("開始・終了報告")
        verbose_name_plural = _("開始・終了報告")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "number"], name="report_number_unique")
        ]

    DECISION_FIELDS = frozenset({"status", "decided_by", "decided_at", "decision_comment"})

    def __str__(self) -> str:
        return f"{self.document_number} {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if not fields or not self.DECISION_FIELDS.issuperset(fields):
                raise ImmutableError("a filed report cannot be changed; only its decision is added")
        super().save(*args, **kwargs)

    @property
    def document_number(self) -> str:
        """文書番号, e.g. 「令和8年度 第3号」."""
        from kagami.lib.wareki import fiscal_year_label

        return f"{fiscal_year_label(self.fiscal_year)} 第{self.number}号"

    @property
    def form_name(self) -> str:
        return "様式第1号" if self.kind == ReportKind.START else "様式第2号"


class RegisterImport(models.Model):
    """An uploaded account register (the spreadsheet a town keeps today), kept with its rows,
    previewed, then applied in one transaction."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("確認待ち")
        APPLIED = "applied", _("反映済み")
        DISCARDED = "discarded", _("取りやめ")

    file_name = models.CharField(_("ファイル名"), max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    rows = models.JSONField(_("行"), default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("アカウント台帳の取込み")
        verbose_name_plural = _("アカウント台帳の取込み")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.file_name
