"""Forms of the people-and-roles screens. Labels and errors are in the user's language."""

from datetime import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import Department, Membership, User


class LoginForm(AuthenticationForm):
    """Password sign-in with the staff e-mail address or staff number."""

    username = forms.CharField(
        label=_("職員番号またはメールアドレス"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "職員番号（またはメールアドレス）かパスワードが正しくありません。"
            "続けて間違えると、しばらくログインできなくなります。"
        ),
        "inactive": _("このアカウントは利用できません。"),
    }

    def confirm_login_allowed(self, user: User) -> None:
        if not user.can_sign_in():
            raise forms.ValidationError(
                _("このアカウントの利用期間は終了しています。担当課にお問い合わせください。"),
                code="inactive",
            )


class TokenForm(forms.Form):
    """The six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=_("確認コード（6桁）"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("認証アプリに表示されている6桁の数字を入力してください。")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip()


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("表示言語"), choices=[("ja", "日本語"), ("en", "English")])


class ActingAppointmentForm(forms.Form):
    """A head's appointment of an acting approver (代決) for a period."""

    deputy = forms.ModelChoiceField(label=_("代決者"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(
        label=_("開始日時"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("終了日時"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(
        label=_("理由"), max_length=200, help_text=_("例: 出張のため、休暇のため")
    )

    def __init__(self, *args: object, department: Department, head: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        members = Membership.objects.active().filter(department=department).values("user")
        self.fields["deputy"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(pk__in=members, is_active=True, contractor_company="").exclude(
                pk=head.pk
            )
        )
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now.strftime("%Y-%m-%dT%H:%M"))

    def clean(self) -> dict:
        data = super().clean() or {}
        starts_at: datetime | None = data.get("starts_at")
        ends_at: datetime | None = data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("終了日時は開始日時より後にしてください。"))
        return data


class TransferUploadForm(forms.Form):
    file = forms.FileField(
        label=_("人事異動ファイル（CSV または Excel）"),
        help_text=_("列: 職員番号、氏名、メールアドレス、異動前所属、異動後所属、役割、発令日"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（5MB まで）。"))
        return upload
