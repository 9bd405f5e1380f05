from django import forms
from django.utils.translation import gettext_lazy as _

from kagami.lib.forms import BoundedDateField, NulMessageMixin
from kagami.orgs.models import Department, User


class AuditFilterForm(NulMessageMixin, forms.Form):
    """Filters of the audit viewer; every field is optional."""

    actor = forms.ModelChoiceField(label=_("操作者"), queryset=User.objects.all(), required=False)
    action = forms.CharField(label=_("操作（前方一致）"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        label=_("所属"), queryset=Department.objects.all(), required=False
    )
    target = forms.CharField(
        label=_("対象"),
        required=False,
        max_length=120,
        help_text=_("例: orgs.user:12（種類:ID）または対象名の一部"),
    )
    since = BoundedDateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = BoundedDateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
