"""Forms of the people-and-roles screens. Labels and errors are in the user's language."""

import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.lib.forms import BoundedDateTimeField
from kagami.orgs.models import Department, Membership, User

SIX_DIGITS = _("認証アプリに表示されている6桁の数字を入力してください。")

if TYPE_CHECKING:  # lazy translation strings, for the type checker only
    from django_stubs_ext import StrOrPromise


class LoginForm(AuthenticationForm):
    """Password sign-in with the staff e-mail address or staff number."""

    username = forms.CharField(
        label=_("職員番号またはメールアドレス"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
        error_messages={
            "required": _("職員番号またはメールアドレスを入力してください。"),
            "max_length": _(
                "職員番号またはメールアドレスが長すぎます。入力内容を確認してください。"
            ),
            "null_characters_not_allowed": _(
                "職員番号またはメールアドレスに使えない文字が含まれています。"
            ),
        },
    )
    error_messages = {
        "invalid_login": _(
            "職員番号（またはメールアドレス）かパスワードが正しくありません。"
            "続けて間違えると、しばらくログインできなくなります。"
        ),
        "inactive": _("このアカウントは利用できません。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages.update(
            {
                "required": _("パスワードを入力してください。"),
                "null_characters_not_allowed": _("パスワードに使えない文字が含まれています。"),
            }
        )

    def confirm_login_allowed(self, user: User) -> None:
        if not user.can_sign_in():
            raise forms.ValidationError(
                _("このアカウントの利用期間は終了しています。担当課にお問い合わせください。"),
                code="inactive",
            )


class TokenForm(forms.Form):
    """The six-digit code from the authenticator app (full-width digits and spaces allowed)."""

    token = forms.CharField(
        label=_("確認コード（6桁）"),
        max_length=32,
        error_messages={
            "required": SIX_DIGITS,
            "max_length": SIX_DIGITS,
            "null_characters_not_allowed": SIX_DIGITS,
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(unicodedata.normalize("NFKC", self.cleaned_data["token"]).split())
        if not re.fullmatch(r"[0-9]{6}", token):
            raise forms.ValidationError(SIX_DIGITS, code="invalid")
        return token


class CurrentTokenForm(TokenForm):
    """A code from the authenticator app in use, asked before it is replaced or turned off."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["token"].label = _("今お使いの認証アプリの確認コード（6桁）")


def reason_field(
    *, label: "StrOrPromise", help_text: "StrOrPromise", required: "StrOrPromise"
) -> forms.CharField:
    """The recorded reason of an administrator's action on someone's sign-in (G-4-7)."""
    return forms.CharField(
        label=label,
        max_length=500,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": required,
            "max_length": _("理由は500文字以内で入力してください。"),
            "null_characters_not_allowed": _("理由に使えない文字が含まれています。"),
        },
    )


class MFAResetForm(forms.Form):
    """An administrator's reason for resetting someone's second factor (G-4-7)."""

    reason = reason_field(
        label=_("リセットする理由"),
        help_text=_("例: スマートフォンを紛失したと本人から電話があったため（500文字まで）"),
        required=_("リセットする理由を入力してください（例: スマートフォンの紛失）。"),
    )


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("表示言語"), choices=[("ja", "日本語"), ("en", "English")])


class ActingAppointmentForm(forms.Form):
    """A head's appointment of an acting approver (代決) for a period."""

    deputy = forms.ModelChoiceField(label=_("代決者"), queryset=User.objects.none())
    starts_at = BoundedDateTimeField(
        label=_("開始日時"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = BoundedDateTimeField(
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


class PasswordLinkForm(forms.Form):
    """The system administrator's reason for sending a password-setting link (G-4-7)."""

    reason = reason_field(
        label=_("送る理由"),
        help_text=_("例: 人事異動で新しく登録された職員のため（500文字まで）"),
        required=_("送る理由を入力してください（例: 人事異動で新しく登録された職員）。"),
    )
