"""Forms of the posts screens."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.lib.forms import (
    FIRST_DAY,
    LAST_DAY,
    BoundedDateField,
    BoundedDateTimeField,
    IdChoiceField,
    IdMultipleChoiceField,
    NulMessageMixin,
)
from kagami.orgs.models import Department, Membership, User
from kagami.posts.models import OutOfHoursKind, PreApprovedCategory, Statement, emergency_on
from kagami.registry.models import OfficialAccount


def publishable_accounts(department: Department) -> Any:
    """The department's accounts that may publish now (G-4-2, G-4-3)."""
    return (
        OfficialAccount.objects.publishable_at(timezone.now())
        .filter(departments=department)
        .select_related("platform")
    )


class AccountChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.platform}）"


class PostForm(NulMessageMixin, forms.Form):
    """Compose: shared text, target accounts, time, optional per-account texts (G-5-1)."""

    accounts = AccountChoiceField(
        label=_("投稿先のアカウント"),
        queryset=OfficialAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=_("本文"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("入力を止めると、内容のチェック結果が下に表示されます。"),
    )
    publish_at = BoundedDateTimeField(
        label=_("投稿日時"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    out_of_hours_kind = forms.ChoiceField(
        label=_("運用時間外に投稿する理由（時間外のときだけ）"),
        choices=[("", _("時間内に投稿する")), *OutOfHoursKind.choices],
        required=False,
    )
    out_of_hours_note = forms.CharField(
        label=_("時間外の理由（詳しく）"), max_length=300, required=False
    )
    statement = forms.ChoiceField(
        label=_("公式の声明として出す（訂正・謝罪・炎上時の説明など）"),
        choices=[("", _("通常の投稿")), *Statement.choices],
        required=False,
        help_text=_("炎上対応中のアカウントには、承認された声明だけが投稿されます。"),
    )

    emergency = forms.BooleanField(
        label=_("緊急情報として出す（緊急モード中）"),
        required=False,
        help_text=_(
            "災害・避難などの緊急情報です。どの所属長か情報政策担当課でも承認でき、"
            "情報政策担当課はすべてのアカウントに出せます。"
        ),
    )

    def __init__(
        self, *args: Any, department: Department, everywhere: bool = False, **kwargs: Any
    ) -> None:
        """`everywhere`: the policy division in emergency mode may pick every account."""
        super().__init__(*args, **kwargs)
        accounts = (
            OfficialAccount.objects.publishable_at(timezone.now()).select_related("platform")
            if everywhere
            else publishable_accounts(department)
        )
        self.fields["accounts"].queryset = accounts  # type: ignore[attr-defined]
        if not emergency_on():
            del self.fields["emergency"]
        for account in accounts:
            self.fields[f"variant_{account.pk}"] = forms.CharField(
                label=_("「%(name)s」だけの本文（共通の本文と変えるときだけ）")
                % {"name": account.name},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
        if not self.is_bound and "publish_at" not in self.initial:
            tomorrow = timezone.localtime() + timedelta(days=1)
            self.initial["publish_at"] = tomorrow.replace(hour=10, minute=0).strftime(
                "%Y-%m-%dT%H:%M"
            )

    def overrides(self) -> dict[int, str]:
        return {
            int(name.removeprefix("variant_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("variant_") and value
        }


class DecisionForm(NulMessageMixin, forms.Form):
    comment = forms.CharField(
        label=_("コメント（修正依頼・却下のときは必須）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AcknowledgementsForm(NulMessageMixin, forms.Form):
    """The reason given for each warning of the content checks, one `ack_<rule>` field per
    warning (G-5-1)."""

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for name in data:
            if name.startswith("ack_"):
                self.fields[name] = forms.CharField(
                    label=_("注意のまま進める理由"), required=False, max_length=300
                )

    def reasons(self) -> dict[str, str]:
        return {
            name.removeprefix("ack_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("ack_")
        }


class ImageForm(NulMessageMixin, forms.Form):
    image = forms.ImageField(label=_("画像（JPEG・PNG・GIF・WebP、5MB まで）"))
    alt_text = forms.CharField(
        label=_("代替テキスト"),
        max_length=1000,
        required=False,
        help_text=_("画像を見られない方に伝わるよう、写っている内容を文章で書いてください。"),
    )
    source = forms.CharField(label=_("出典・利用許諾"), max_length=300, required=False)


class PreApprovedForm(NulMessageMixin, forms.Form):
    """Publishing within the head's advance approval (G-5-2-a)."""

    category = forms.ChoiceField(
        label=_("区分"), choices=PreApprovedCategory.choices, widget=forms.RadioSelect
    )
    why_no_approval = forms.CharField(label=_("事前に承認を受けられなかった理由"), max_length=300)
    evidence_url = forms.URLField(
        label=_("根拠のURL（(a) のときは町のサイトのページ）"),
        required=False,
        assume_scheme="https",
    )
    evidence_note = forms.CharField(label=_("根拠（説明）"), max_length=300, required=False)


class GrantForm(NulMessageMixin, forms.Form):
    staff = IdChoiceField(label=_("職員"), queryset=User.objects.none())
    account = IdChoiceField(label=_("アカウント"), queryset=OfficialAccount.objects.none())
    categories = forms.MultipleChoiceField(
        label=_("事前承認する区分"),
        choices=PreApprovedCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = BoundedDateField(label=_("開始日"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = BoundedDateField(
        label=_("終了日"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, head: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = head.headed_departments()
        members = Membership.objects.active().filter(department__in=departments).values("user")
        self.fields["staff"].queryset = User.objects.filter(pk__in=members).exclude(pk=head.pk)  # type: ignore[attr-defined]
        accounts = OfficialAccount.objects.filter(departments__in=departments).distinct()
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate().isoformat())


class ReportConfirmForm(NulMessageMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("確認の結果"),
        choices=[("confirmed", _("確認した（問題なし）")), ("problem", _("問題がある"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("コメント（問題があるときは必須）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CalendarMonthForm(forms.Form):
    """?year=&month= of the calendar; the current month when absent."""

    year = forms.IntegerField(
        required=False, min_value=FIRST_DAY.year + 1, max_value=LAST_DAY.year - 1
    )
    month = forms.IntegerField(required=False, min_value=1, max_value=12)


class CalendarWeekForm(forms.Form):
    """?start= of the week view; this week when absent."""

    start = BoundedDateField(required=False)
