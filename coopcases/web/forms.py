import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _time_zones():
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z and not z.startswith(("Etc/", "SystemV/"))] + [("UTC", "UTC")]


class UIForm(forms.Form):
    """Labels without a trailing colon (screen readers read them as they are written); required ones marked."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PreferencesForm(UIForm):
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Browser language")), *settings.LANGUAGES], required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones, help_text=_("Dates and times are shown in this zone."))


class SearchForm(UIForm):
    q = forms.CharField(label=_("Reference or title"), max_length=200, required=False)


def apply_problems(form: forms.Form, error) -> None:
    """Put a service's refusal on the form: its summary on top, each FieldProblem next to its field (problems
    naming no field of this form join the summary)."""
    form.add_error(None, error.detail)
    for problem in error.problems:
        name = problem.name.split(".")[0]
        form.add_error(name if name in form.fields else None, problem.reason)
