"""Forms of the incidents app."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kagami.incidents.flaming import MAX_REASON
from kagami.lib.forms import IdMultipleChoiceField, NulMessageMixin
from kagami.posts.models import Statement
from kagami.registry.models import OfficialAccount


class AccountsField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.platform}）"


class DeclareForm(NulMessageMixin, forms.Form):
    accounts = AccountsField(
        label=_("炎上しているアカウント"),
        queryset=OfficialAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("何が起きているか"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_REASON,
        help_text=_("例: 10月3日の投稿の表現に批判のコメントが急増している（1時間に約200件）"),
    )

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = accounts  # type: ignore[attr-defined]


class NoteForm(NulMessageMixin, forms.Form):
    text = forms.CharField(
        label=_("経過の記録"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_REASON,
        help_text=_("例: 14:20 報道機関から問い合わせ。課長が対応。"),
    )


class StatementForm(forms.Form):
    kind = forms.ChoiceField(label=_("声明の種類"), choices=Statement.choices)


class ReviewForm(NulMessageMixin, forms.Form):
    what = forms.CharField(
        label=_("何が起きたか"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_REASON
    )
    cause = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_REASON
    )
    measures = forms.CharField(
        label=_("再発防止策"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_REASON
    )


class DecideReviewForm(NulMessageMixin, forms.Form):
    note = forms.CharField(
        label=_("差し戻す理由（差し戻すときだけ）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_REASON,
        required=False,
    )
