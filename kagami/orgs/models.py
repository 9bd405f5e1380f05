"""People, departments and roles (foundation of G-4-1, G-5-2 and every access rule)."""

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def today() -> date:
    """Today's date in the municipality's time zone (Asia/Tokyo)."""
    return timezone.localdate()


class Role(models.TextChoices):
    STAFF = "staff", _("職員")
    HEAD = "head", _("所属長")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_login(self, login: str) -> "User":
        """The user whose staff e-mail or staff number is `login` (case-insensitive e-mail)."""
        login = login.strip()
        if "@" in login:
            return self.get(email__iexact=login)
        return self.get(staff_number=login)

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def policy_division(self, on: date | None = None) -> "models.QuerySet[User]":
        """The people who belong to the policy division today (or `on`)."""
        members = Membership.objects.active(on).filter(department__is_policy_division=True)
        return self.filter(pk__in=members.values("user"), is_active=True)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True, is_administrator=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a town employee or a contractor (委託事業者).

    Login is by staff e-mail or staff number. Contractors lose access by themselves at the end
    of `access_ends_on`.
    """

    email = models.EmailField(_("メールアドレス"), unique=True)
    staff_number = models.CharField(
        _("職員番号"), max_length=32, unique=True, null=True, blank=True
    )
    display_name = models.CharField(_("氏名"), max_length=100)
    display_name_kana = models.CharField(_("氏名（ふりがな）"), max_length=100, blank=True)
    language = models.CharField(
        _("表示言語"), max_length=8, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )
    is_active = models.BooleanField(_("有効"), default=True)
    is_staff = models.BooleanField(
        _("管理サイトに入れる"), default=False, help_text=_("システム管理者のみ。")
    )
    is_administrator = models.BooleanField(_("システム管理者"), default=False)
    is_auditor = models.BooleanField(
        _("監査担当"), default=False, help_text=_("すべてを閲覧でき、何も変更できません。")
    )
    contractor_company = models.CharField(
        _("委託事業者名"),
        max_length=200,
        blank=True,
        help_text=_("委託事業者の担当者のときだけ入力します。"),
    )
    access_ends_on = models.DateField(
        _("利用期限"),
        null=True,
        blank=True,
        help_text=_("この日の終わりにログインできなくなります（委託事業者は必須）。"),
    )
    date_joined = models.DateTimeField(_("登録日時"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        ordering = ["display_name_kana", "display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contractor_company="") | Q(access_ends_on__isnull=False),
                name="contractor_has_end_date",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def is_contractor(self) -> bool:
        return bool(self.contractor_company)

    def access_expired(self, on: date | None = None) -> bool:
        """True once the user's access end date has passed (checked on every request)."""
        return self.access_ends_on is not None and (on or today()) > self.access_ends_on

    def can_sign_in(self) -> bool:
        return self.is_active and not self.access_expired()

    # Organisation roles ---------------------------------------------------------------
    def active_memberships(self, on: date | None = None) -> "models.QuerySet[Membership]":
        return Membership.objects.active(on).filter(user=self).select_related("department")

    def is_member_of(self, *departments: "Department", on: date | None = None) -> bool:
        """Whether the user belongs to any of `departments` today (or `on`)."""
        return self.active_memberships(on).filter(department__in=departments).exists()

    @property
    def is_policy_division(self) -> bool:
        """A member of the policy division (情報政策担当課)."""
        return self.active_memberships().filter(department__is_policy_division=True).exists()

    @property
    def sees_everything(self) -> bool:
        """Policy division, auditors and administrators see every department's records."""
        return self.is_administrator or self.is_auditor or self.is_policy_division

    def can_manage_people(self) -> bool:
        """Personnel imports and department settings: administrators and the policy division."""
        return self.is_administrator or self.is_policy_division

    def is_head_of(self, department: "Department", on: date | None = None) -> bool:
        return self.active_memberships(on).filter(department=department, role=Role.HEAD).exists()

    def headed_departments(self) -> "models.QuerySet[Department]":
        return Department.objects.filter(
            pk__in=self.active_memberships().filter(role=Role.HEAD).values("department")
        )

    def approvable_departments(self, at: datetime | None = None) -> "models.QuerySet[Department]":
        """The departments whose posts this user may approve now: those they head, and those
        they stand in for as the acting approver on duty (G-5-2)."""
        at = at or timezone.now()
        acting = ActingAppointment.objects.on_duty(at).filter(deputy=self).values("department")
        headed = self.active_memberships(timezone.localdate(at)).filter(role=Role.HEAD)
        return Department.objects.filter(Q(pk__in=headed.values("department")) | Q(pk__in=acting))

    def requires_mfa(self) -> bool:
        """Heads, the policy division, auditors and administrators must use TOTP (G-4-7)."""
        return (
            self.is_administrator
            or self.is_auditor
            or self.is_superuser
            or self.active_memberships()
            .filter(Q(role=Role.HEAD) | Q(department__is_policy_division=True))
            .exists()
        )

    def can_approve_for(self, department: "Department", at: datetime | None = None) -> bool:
        """The head of `department`, or the acting approver (代決) on duty at `at` (G-5-2)."""
        at = at or timezone.now()
        if self.is_head_of(department, timezone.localdate(at)):
            return True
        return (
            ActingAppointment.objects.on_duty(at)
            .filter(department=department, deputy=self)
            .exists()
        )


class DepartmentQuerySet(models.QuerySet["Department"]):
    def visible_to(self, user: User) -> "DepartmentQuerySet":
        """Departments `user` may see: all for the policy division, auditors and
        administrators; otherwise those they belong to today."""
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        return self.filter(
            pk__in=Membership.objects.active().filter(user=user).values("department")
        )


class Department(models.Model):
    """A department of the municipality (所属), e.g. 総務課.

    One department is flagged as the policy division (情報政策担当課), which receives start
    and end reports and keeps the account registry (G-4-2, G-4-3).
    """

    code = models.SlugField(_("所属コード"), max_length=32, unique=True)
    name = models.CharField(_("所属名"), max_length=100, unique=True)
    name_kana = models.CharField(_("所属名（ふりがな）"), max_length=100, blank=True)
    is_policy_division = models.BooleanField(_("情報政策担当課"), default=False)
    is_active = models.BooleanField(_("有効"), default=True)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def heads(self, on: date | None = None) -> "models.QuerySet[User]":
        return User.objects.filter(
            pk__in=Membership.objects.active(on)
            .filter(department=self, role=Role.HEAD)
            .values("user")
        )


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on: date | None = None) -> "MembershipQuerySet":
        """Memberships in force on `on` (default: today); both end dates are inclusive."""
        on = on or today()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class Membership(models.Model):
    """A user's place in a department, as staff (職員) or head (所属長), for a period.

    Memberships that end (personnel transfers, 人事異動) are closed, never deleted, so that
    who could do what on which day stays answerable.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("役割"), max_length=16, choices=Role.choices, default=Role.STAFF)
    valid_from = models.DateField(_("開始日"), default=today)
    valid_until = models.DateField(_("終了日"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("所属の割当て")
        verbose_name_plural = _("所属の割当て")
        ordering = ["department__sort_order", "-role", "user__display_name_kana"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="membership_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.department} ({self.get_role_display()})"

    def is_active(self, on: date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_until is None or self.valid_until >= on)


class ActingAppointmentQuerySet(models.QuerySet["ActingAppointment"]):
    def on_duty(self, at: datetime | None = None) -> "ActingAppointmentQuerySet":
        """Appointments in force at `at`: started, not yet ended, not revoked."""
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at, revoked_at__isnull=True)


class ActingAppointment(models.Model):
    """A head appoints a member of the department to approve in their place (代決) for a
    period (G-5-2). It expires by itself at `ends_at`; no one needs to act."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="acting")
    appointed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    deputy = models.ForeignKey(
        User, verbose_name=_("代決者"), on_delete=models.PROTECT, related_name="acting_appointments"
    )
    starts_at = models.DateTimeField(_("開始日時"))
    ends_at = models.DateTimeField(_("終了日時"))
    reason = models.CharField(_("理由"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ActingAppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("代決者の指定")
        verbose_name_plural = _("代決者の指定")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="acting_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deputy} ← {self.department}"

    def is_on_duty(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.starts_at <= at < self.ends_at


class TransferBatch(models.Model):
    """An uploaded personnel-transfer file (人事異動), kept with its parsed rows, previewed,
    then applied in one transaction. Nothing a user uploaded is lost."""

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
    applied_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("人事異動の取込み")
        verbose_name_plural = _("人事異動の取込み")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.file_name


class Notification(models.Model):
    """A message to one user (approval requested, decision made, report waiting, reminder),
    shown in the app and, when mail is configured, sent by e-mail too."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"), blank=True)
    link = models.CharField(_("リンク"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
