"""The filters of the statistics page (and its CSV export): period in months, state, network, currency."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets import money
from coopcases.core.exceptions import ValidationFailed
from networks.models import Country, Network

from .selectors import StatisticsFilter

MAX_MONTHS = 120
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (what `<input type="month">` sends); cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = _MONTH.match(value.strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid_month")
        return date(int(match[1]), int(match[2]), 1)


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, this one included."""
    last = today.replace(day=1)
    first = date(last.year - 1 + (last.month // 12), last.month % 12 + 1, 1)
    return first, last


class StatisticsFilterForm(forms.Form):
    start = MonthField(label=_("From (month)"), required=False)
    end = MonthField(label=_("To (month)"), required=False)
    state = forms.ModelChoiceField(
        label=_("State"), queryset=Country.objects.order_by("name_en"), required=False, empty_label=_("All states"),
        help_text=_("Requests where this state is the requesting or the requested state; assets located there."),
    )
    network = forms.ModelChoiceField(
        label=_("Network"), queryset=Network.objects.order_by("acronym"), to_field_name="code", required=False,
        empty_label=_("All networks"),
    )
    currency = forms.CharField(label=_("Reporting currency"), max_length=3, required=False,
                               widget=forms.TextInput(attrs={"placeholder": "EUR", "size": 4}),
                               help_text=_("ISO 4217 code, e.g. EUR or USD."))

    def clean_currency(self):
        code = self.cleaned_data.get("currency") or "EUR"
        try:
            return money.check_currency(code)
        except ValidationFailed:
            raise forms.ValidationError(_("Unknown currency code: use an ISO 4217 code such as EUR or USD."), code="unknown_currency") from None

    def clean(self):
        data = super().clean()
        first, last = default_period(timezone.localdate())
        start, end = data.get("start") or first, data.get("end") or last
        if "start" in self.errors or "end" in self.errors:
            return data
        if end < start:
            self.add_error("end", forms.ValidationError(_("The last month comes before the first."), code="period_reversed"))
        elif months_between(start, end) > MAX_MONTHS:
            self.add_error("end", forms.ValidationError(_("Choose at most %(n)d months.") % {"n": MAX_MONTHS}, code="period_too_long"))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> StatisticsFilter:
        data = self.cleaned_data
        return StatisticsFilter(data["start"], data["end"], data.get("state"), data.get("network"), data.get("currency") or "EUR")
