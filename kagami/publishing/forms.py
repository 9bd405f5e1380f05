"""Forms of the delivery screens."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kagami.lib.forms import NulMessageMixin


class PauseForm(NulMessageMixin, forms.Form):
    """The emergency stop: what to stop ("" everything, "d<id>" a department, "a<id>" an
    account) and why (G-6-4)."""

    scope = forms.CharField(label=_("止める範囲"), required=False)
    # Left optional: the workflow says what is missing in words of its own.
    reason = forms.CharField(label=_("理由"), required=False, max_length=300)


class ManualPostForm(NulMessageMixin, forms.Form):
    """Where staff posted by hand."""

    url = forms.CharField(label=_("投稿のURL"), required=False, max_length=500)
