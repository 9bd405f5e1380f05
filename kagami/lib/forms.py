"""Form fields that refuse, with a message, input the database or date arithmetic cannot take.

A view that passes a typed id or date on unchecked answers 500 for `abc`, a 30-digit number
(SQLite's integers end at 2**63, and `pk__in` does not guard it), or the year 9999 (a day
later does not exist); PostgreSQL refuses text with a NUL character. These fields, and
`NulMessageMixin` for what every text field already refuses, make that an ordinary form error.
"""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Primary keys are positive integers; anything longer overflows the database's integer.
MAX_ID_DIGITS = 18

# Dates Kagami accepts from a form: wide enough for any record, far enough from the ends of
# the calendar (years 1 and 9999) that a day, a week or a time zone more or less still exists.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

# Django's Japanese catalogue renders "Null characters are not allowed." as
# 「何か文字を入力してください。」, which sends the user looking for an empty field.
NUL_MESSAGE = _("使えない文字（NUL文字）が含まれています。その文字を消して入力し直してください。")


class NulMessageMixin:
    """Says plainly that a NUL character was refused (every text field refuses it)."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        # Here rather than in __init__, so that fields a form adds itself are covered too.
        for field in self.fields.values():
            field.error_messages["null_characters_not_allowed"] = NUL_MESSAGE
        super().full_clean()  # type: ignore[misc]


def first_error(form: forms.BaseForm) -> str:
    """The first error of an invalid form with its field's label, for a view that shows it
    as a message rather than next to the field."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None and field.label else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""


def is_id(value: Any) -> bool:
    """Whether `value` (as typed in a form or a query string) can be a primary key."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def _out_of_range() -> forms.ValidationError:
    return forms.ValidationError(
        _("%(first)s年から%(last)s年までの日付を入力してください。"),
        code="out_of_range",
        params={"first": FIRST_DAY.year, "last": LAST_DAY.year},
    )


class IdChoiceField(forms.ModelChoiceField):
    """A model choice that refuses a value that cannot be a primary key before it reaches
    the database."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several model choices, each refused like IdChoiceField when it cannot be a key."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if not is_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super().clean(value)


class BoundedDateField(forms.DateField):
    """A date between FIRST_DAY and LAST_DAY."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not in_range(value):
            raise _out_of_range()


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time whose day, as typed, is between FIRST_DAY and LAST_DAY (checked
    before anything converts it to UTC, which overflows at the ends of the calendar)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not in_range(value.date()):
            raise _out_of_range()
