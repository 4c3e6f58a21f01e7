"""Template helpers of the web UI: due-date status, accessible form fields, reference names in the user's language."""

from dataclasses import dataclass
from datetime import date, datetime

from django import forms, template
from django.utils import timezone

register = template.Library()

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class DueStatus:
    at: date | datetime
    iso: str
    days: int
    overdue: bool

    @property
    def days_abs(self) -> int:
        return abs(self.days)

    @property
    def css(self) -> str:
        return "overdue" if self.overdue else "due-soon" if self.days <= DUE_SOON_DAYS else "on-time"


@register.simple_tag
def due_status(due) -> DueStatus | None:
    """Days left until `due` (a date or an aware datetime) in the user's time zone; negative once overdue."""
    if not due:
        return None
    now = timezone.localtime()
    if isinstance(due, datetime):
        local = timezone.localtime(due)
        days = (local.date() - now.date()).days
        return DueStatus(local, local.isoformat(), days, due < now)
    days = (due - now.date()).days
    return DueStatus(due, due.isoformat(), days, days < 0)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)


@register.filter
def with_describedby(field):
    """Render the widget tied to its help text and errors, and marked invalid when it has errors."""
    attrs = {}
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_help")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


@register.filter
def event_label(event) -> str:
    """A person's words for an event: the transition's label where a workflow declares one."""
    from requests.views import event_label as mla_event_label

    if event.event_type.startswith("mla_request."):
        return mla_event_label(event)
    return event.event_type.split(".", 1)[-1].replace("_", " ").capitalize()
