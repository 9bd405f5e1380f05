"""Forms of the account registry screens."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kagami.lib.forms import (
    BoundedDateField,
    IdChoiceField,
    IdMultipleChoiceField,
    NulMessageMixin,
)
from kagami.lib.urls import public_https_url_problem
from kagami.orgs.models import Department, Membership, User
from kagami.registry.models import (
    END_CHECKLIST,
    START_CHECKLIST,
    WEEKDAYS,
    Disposition,
    EndKind,
    OfficialAccount,
    Platform,
    PolicyDocument,
    ReplyPolicy,
    TermsCategory,
    TermsDocument,
)
from kagami.registry.wording import WEEKDAY_LABELS

HOURS_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-〜~ー－]\s*(\d{1,2}):(\d{2})\s*$")
SCHEME_PREFIX = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _staff_of(departments: Any) -> Any:
    members = Membership.objects.active().filter(department__in=departments).values("user")
    return User.objects.filter(pk__in=members, is_active=True)


class PublicUrlField(forms.CharField):
    """An account's public URL. `x.com/…` typed without a scheme becomes `https://x.com/…`;
    then `kagami.lib.urls` decides, so a refusal reads the same everywhere (G-4-6)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 300)  # OfficialAccount.url
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        if text and not SCHEME_PREFIX.match(text):
            text = "https://" + text
        return text

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and (self.max_length is None or len(value) <= self.max_length):
            problem = public_https_url_problem(value)
            if problem:
                raise forms.ValidationError(problem)


class PlatformChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.get_anonymity_display()}）"


class AccountPlanForm(NulMessageMixin, forms.Form):
    """Planning a new official account (G-3, G-4-1)."""

    platform = PlatformChoiceField(
        label=_("SNSの種類"),
        queryset=Platform.objects.filter(is_active=True),
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("アカウント名"), max_length=100)
    handle = forms.CharField(label=_("ユーザーID"), max_length=100)
    url = PublicUrlField(label=_("アカウントのURL"))
    lead_department = IdChoiceField(label=_("所管課"), queryset=Department.objects.none())
    departments = IdMultipleChoiceField(
        label=_("共同で運用する所属（共同運用のときだけ）"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    joint_theme = forms.CharField(label=_("共同運用の共通テーマ"), max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Department.objects.filter(is_active=True)
        own = (
            active
            if user.is_policy_division
            else Department.objects.visible_to(user).filter(is_active=True)
        )
        self.fields["lead_department"].queryset = own  # type: ignore[attr-defined]
        self.fields["departments"].queryset = active  # type: ignore[attr-defined]
        if own.count() == 1:
            self.initial.setdefault("lead_department", own.first())


class AccountSettingsForm(NulMessageMixin, forms.Form):
    """What every member of the account's departments may change: operation hours, the reply
    policy and whether the profile shows the directory's URL (G-4-6)."""

    reply_policy = forms.ChoiceField(label=_("コメントへの対応"), choices=ReplyPolicy.choices)
    profile_shows_directory = forms.BooleanField(
        label=_("プロフィール欄に公式アカウント一覧のURLを載せている"),
        required=False,
        help_text=_("変更すると、今日確かめたものとして記録します（ガイドライン4(6)）。"),
    )

    def __init__(self, *args: Any, account: OfficialAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=_("%(day)s曜日の運用時間") % {"day": WEEKDAY_LABELS[day]},
                required=False,
                max_length=40,
                help_text=_("例: 08:30-17:15（運用しない日は空欄）") if day == "mon" else "",
            )
        if not self.is_bound:
            self.initial.update(
                reply_policy=account.reply_policy,
                profile_shows_directory=account.profile_shows_directory,
                **{
                    f"hours_{day}": ", ".join(
                        f"{a}-{b}" for a, b in account.operation_hours.get(day, [])
                    )
                    for day in WEEKDAYS
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            spans = []
            for part in filter(None, (p.strip() for p in data.get(f"hours_{day}", "").split(","))):
                match = HOURS_PATTERN.match(part)
                if not match:
                    self.add_error(f"hours_{day}", _("「08:30-17:15」の形で書いてください。"))
                    break
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                if not all((h, m) <= (24, 0) and m < 60 for h, m in ((h1, m1), (h2, m2))):
                    self.add_error(
                        f"hours_{day}", _("時刻は 00:00 から 24:00 の間で書いてください。")
                    )
                    break
                if (h1, m1) >= (h2, m2):
                    self.add_error(f"hours_{day}", _("終わりの時刻は始まりより後にしてください。"))
                    break
                spans.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
            hours[day] = spans
        data["operation_hours"] = hours
        return data


class OperatorChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class OperatorsForm(NulMessageMixin, forms.Form):
    """Who operates the account and may reveal its password (G-4-7): members of its
    departments, chosen by the head of the lead department or the policy division."""

    operators = OperatorChoiceField(
        label=_("運用担当者"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "運用担当者は、このアカウントのパスワードを表示できます。"
            "変更すると、認証情報の管理責任者に通知します。"
        ),
    )

    def __init__(self, *args: Any, account: OfficialAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = _staff_of(account.departments.all()) | User.objects.filter(
            pk__in=account.operators.values("pk")
        )
        self.fields["operators"].queryset = staff.distinct().order_by("display_name")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["operators"] = list(account.operators.all())


class IdentityForm(NulMessageMixin, forms.Form):
    """The name, user ID and URL the public directory vouches for (G-4-6)."""

    name = forms.CharField(label=_("アカウント名"), max_length=100)
    handle = forms.CharField(label=_("ユーザーID"), max_length=100)
    url = PublicUrlField(label=_("アカウントのURL"))

    def __init__(self, *args: Any, account: OfficialAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if account.platform.handle_hint:
            self.fields["handle"].help_text = _("例: %(hint)s") % {
                "hint": account.platform.handle_hint
            }
        if not self.is_bound:
            self.initial.update(name=account.name, handle=account.handle, url=account.url)


class PaperReportForm(NulMessageMixin, forms.Form):
    """The start report an imported account filed on paper before Kagami (G-4-2)."""

    reported_on = BoundedDateField(
        label=_("紙の運用開始報告書を受理した日"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    document_number = forms.CharField(
        label=_("文書番号"),
        max_length=100,
        help_text=_("例: 令和5年度 第12号"),
    )


class PolicyForm(NulMessageMixin, forms.ModelForm):
    """The six items of G-4-4 and a free section."""

    class Meta:
        model = PolicyDocument
        fields = [
            "platform_text",
            "account_text",
            "purpose",
            "content",
            "operation_method",
            "personal_information",
            "other",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class TermsForm(NulMessageMixin, forms.ModelForm):
    """Terms of use (G-4-5): preamble, IP ownership and disclaimer; the numbered rules come
    from the clause formset beside it."""

    class Meta:
        model = TermsDocument
        fields = ["preamble", "ip_ownership", "disclaimer"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class ClauseForm(NulMessageMixin, forms.Form):
    category = forms.ChoiceField(label=_("分類"), choices=TermsCategory.choices)
    text = forms.CharField(label=_("禁止する内容"), max_length=500, required=False)


ClauseFormSet = forms.formset_factory(ClauseForm, extra=2, max_num=40)


class StartReportForm(NulMessageMixin, forms.Form):
    """様式第1号 (G-4-2)."""

    start_date = BoundedDateField(
        label=_("運用開始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contact = forms.CharField(label=_("連絡先（内線など）"), max_length=200, required=False)
    contractor = forms.CharField(label=_("委託先（委託する場合）"), max_length=200, required=False)
    remarks = forms.CharField(
        label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in START_CHECKLIST.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in START_CHECKLIST}


class EndReportForm(NulMessageMixin, forms.Form):
    """様式第2号 (G-4-3)."""

    end_kind = forms.ChoiceField(
        label=_("休止・終了"), choices=EndKind.choices, widget=forms.RadioSelect
    )
    end_date = BoundedDateField(
        label=_("休止・終了日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
    disposition = forms.ChoiceField(label=_("アカウントの処理"), choices=Disposition.choices)
    contact = forms.CharField(label=_("連絡先（内線など）"), max_length=200, required=False)
    remarks = forms.CharField(
        label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in END_CHECKLIST.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in END_CHECKLIST}


class DecisionForm(NulMessageMixin, forms.Form):
    comment = forms.CharField(
        label=_("コメント（差し戻すときは必須）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(NulMessageMixin, forms.Form):
    profile_shows_directory = forms.BooleanField(
        label=_("プロフィール欄に公式アカウント一覧のURLが載っていることを確かめた"), required=False
    )


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("アカウント台帳（CSV または Excel）"),
        help_text=_(
            "列: SNSの種類、アカウント名、ユーザーID、URL、所管課、共同運用の所属、共通テーマ、状態、最終確認日"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（5MB まで）。"))
        return upload
