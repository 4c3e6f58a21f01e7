"""A boolean query parameter that refuses anything but true/false (django-filter's own ignores a typo silently)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

TRUE, FALSE = ("true", "1"), ("false", "0")


class StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": _("true or false")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
