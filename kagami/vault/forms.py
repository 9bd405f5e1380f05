"""Forms of the vault screens. Secret inputs never render their value back (G-4-7)."""

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import Membership, User
from kagami.orgs.passwords import input_problems
from kagami.registry.models import OfficialAccount
from kagami.vault.models import ApiToken, Credential, TwoFactorMethod
from kagami.vault.passwords import MAX_GENERATED, MIN_GENERATED


def _secret_input(autocomplete: str = "off") -> forms.PasswordInput:
    return forms.PasswordInput(
        render_value=False, attrs={"autocomplete": autocomplete, "spellcheck": "false"}
    )


def validate_new_password(value: str) -> None:
    """Too long or unusable characters, said on the field (MAX_PASSWORD_LENGTH). Not a
    `max_length`: its maxlength attribute would let the browser cut a pasted password short
    without a word, and the platform would then hold a different one."""
    problems = input_problems(value)
    if problems:
        raise forms.ValidationError(problems)


def custodian_choices(account: OfficialAccount) -> Any:
    """Members of the account's departments and of the policy division."""
    members = Membership.objects.active().filter(
        Q(department__in=account.departments.all()) | Q(department__is_policy_division=True)
    )
    return User.objects.filter(pk__in=members.values("user"), is_active=True)


class DetailsForm(forms.Form):
    """The non-secret details, and the recovery e-mail and phone (G-4-7)."""

    login_id = forms.CharField(label=_("ログインID"), max_length=200)
    recovery_email = forms.EmailField(
        label=_("復旧用メールアドレス"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    recovery_phone = forms.CharField(
        label=_("復旧用電話番号"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    two_factor_method = forms.ChoiceField(
        label=_("2段階認証の方法"), choices=TwoFactorMethod.choices
    )
    two_factor_storage = forms.CharField(
        label=_("認証用の端末・バックアップコードの保管場所"),
        max_length=200,
        required=False,
        help_text=_("例: 総務課の鍵付きキャビネットにある公用スマートフォン"),
    )
    custodian = forms.ModelChoiceField(
        label=_("管理責任者"),
        queryset=User.objects.none(),
        help_text=_("この認証情報を管理し、変更期限のお知らせを受け取る職員です。"),
    )
    rotation_interval_days = forms.IntegerField(
        label=_("パスワードの変更間隔（日）"), min_value=1, max_value=730, initial=90
    )

    def __init__(self, *args: Any, account: OfficialAccount, editing: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = custodian_choices(account)  # type: ignore[attr-defined]
        if editing:
            for name in ("recovery_email", "recovery_phone"):
                self.fields[name].help_text = _(
                    "変更するときだけ入力してください。空欄なら今の内容のままです。"
                )


class CredentialForm(DetailsForm):
    """First registration of an account's login details (G-4-7)."""

    password = forms.CharField(
        label=_("パスワード"),
        widget=_secret_input("new-password"),
        strip=False,
        validators=[validate_new_password],
        help_text=_("推測されにくいパスワードだけを登録できます。"),
    )
    password_again = forms.CharField(
        label=_("パスワード（確認のためもう一度）"),
        widget=_secret_input("new-password"),
        strip=False,
    )

    field_order = ["login_id", "password", "password_again"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("確認のために入力したパスワードが一致しません。"))
        return data


class RotationForm(forms.Form):
    """The new password after changing it on the platform (G-4-7)."""

    new_password = forms.CharField(
        label=_("新しいパスワード"),
        widget=_secret_input("new-password"),
        strip=False,
        validators=[validate_new_password],
    )
    new_password_again = forms.CharField(
        label=_("新しいパスワード（確認のためもう一度）"),
        widget=_secret_input("new-password"),
        strip=False,
    )
    note = forms.CharField(
        label=_("メモ"),
        required=False,
        max_length=500,
        help_text=_("例: 担当者の異動に伴う変更。パスワードそのものは書かないでください。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error(
                "new_password_again", _("確認のために入力したパスワードが一致しません。")
            )
        return data


class ApiTokenForm(forms.Form):
    name = forms.SlugField(
        label=_("トークンの名前"),
        max_length=64,
        error_messages={
            "invalid": _(
                "半角の英数字・アンダースコア（_）・ハイフン（-）で入力してください"
                "（例: access_token）。"
            )
        },
        help_text=_(
            "投稿に使う名前はSNSごとに決まっています（X: access_token、2時間を超えて使うには "
            "refresh_token と client_id（機密クライアントは client_secret も）、LINE: "
            "channel_access_token、Facebook: page_id と page_access_token、Instagram: "
            "ig_user_id と access_token、Threads: threads_user_id と access_token、Bluesky: "
            "handle と app_password、Mastodon: access_token）。同じ名前なら置き換えます。"
            "session と access_token_expires_at はKagamiが自動で書き込むため、入力しないでください。"
        ),
    )
    # Platform tokens are a few hundred characters (a Bluesky session about 2,000). A validator,
    # not max_length: the browser would cut a pasted token at maxlength without a word.
    value = forms.CharField(
        label=_("トークン"),
        widget=_secret_input(),
        strip=True,
        validators=[
            MaxLengthValidator(
                8192,
                _(
                    "トークンが長すぎます（%(limit_value)s 文字まで）。貼り付けた内容を確かめてください。"
                ),
            )
        ],
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name in ApiToken.DERIVED:
            raise forms.ValidationError(
                _("「%(name)s」はKagamiが自動で書き込む項目です。入力は不要です。"),
                params={"name": name},
            )
        return name


class RevealForm(forms.Form):
    """What to show, why, and the user's own password and TOTP code again (G-4-7)."""

    item = forms.ChoiceField(label=_("表示する項目"))
    reason = forms.CharField(
        label=_("表示する理由"),
        max_length=300,
        help_text=_("例: 公用スマートフォンの機種変更に伴う再ログインのため"),
    )
    password = forms.CharField(
        label=_("あなたのログインパスワード"),
        widget=_secret_input("current-password"),
        strip=False,
    )
    otp_token = forms.CharField(
        label=_("確認コード（認証アプリの6桁の数字）"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )

    def __init__(self, *args: Any, credential: Credential, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = credential.secret_items()  # type: ignore[attr-defined]


class CompromiseForm(forms.Form):
    note = forms.CharField(
        label=_("気づいたこと"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "例: 身に覚えのない投稿がある、ログイン通知が届いた、公用スマートフォンを紛失した"
        ),
    )


class GeneratorForm(forms.Form):
    length = forms.IntegerField(
        label=_("文字数"), min_value=MIN_GENERATED, max_value=MAX_GENERATED, initial=20
    )
    lowercase = forms.BooleanField(label=_("英小文字を使う"), required=False, initial=True)
    uppercase = forms.BooleanField(label=_("英大文字を使う"), required=False, initial=True)
    digits = forms.BooleanField(label=_("数字を使う"), required=False, initial=True)
    symbols = forms.BooleanField(label=_("記号を使う"), required=False, initial=True)
    readable = forms.BooleanField(
        label=_("読み間違えやすい文字（0とO、1とlなど）を使わない（スマートフォンで入力するとき）"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(k) for k in ("lowercase", "uppercase", "digits", "symbols")):
            raise forms.ValidationError(_("使う文字の種類を1つ以上選んでください。"))
        return data
