"""The admin's door to confidential fields: hidden on a change page until the officer states a purpose, then
shown and the read recorded with that purpose, as the web UI and the API do (docs/access-policy.md).

A ModelAdmin takes `ConfidentialPurposeAdmin` first in its bases. The confidential names are the kind's in
policy.yaml: model fields are dropped from the fieldsets, and `confidential_inlines` maps the others (e.g.
`persons`) to the inline that shows them. The purpose travels as `?purpose=` from the page's small GET form;
the change form posts back to the same URL, so an edit of a confidential inline keeps it.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _

from coopcases.accounts.policy import actor_may_on, policy
from coopcases.audit.services import audit_view

PURPOSE_MAX_LENGTH = 300


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"), max_length=PURPOSE_MAX_LENGTH,
        help_text=_("Why you need the confidential fields; recorded in the audit log."),
    )


def _names(fieldsets) -> set[str]:
    return {name for _title, options in fieldsets for item in options["fields"] for name in (item if isinstance(item, list | tuple) else [item])}


def _without(fields, hidden: set[str]) -> list:
    kept = []
    for field in fields:
        if isinstance(field, list | tuple):
            field = [f for f in field if f not in hidden]
            if field:
                kept.append(field)
        elif field not in hidden:
            kept.append(field)
    return kept


class ConfidentialPurposeAdmin:
    change_form_template = "admin/confidential_change_form.html"
    confidential_inlines: dict[str, type | tuple[type, ...]] = {}

    def may_see_confidential(self, request, obj) -> bool:
        return actor_may_on(request.user, obj, "view_confidential")

    def confidential_read(self, request, obj, purpose: str, names: list[str]) -> None:
        """Record the read (override to go through the kind's own confidential selector)."""
        audit_view(actor=request.user, obj=obj, purpose=purpose, fields=names)

    def _confidential_names(self, obj) -> tuple[str, ...]:
        kind = policy().kinds.get(obj._meta.label_lower)
        return kind.confidential if kind else ()

    def stated_purpose(self, request, obj) -> str:
        """The purpose the officer stated for this object, if they may see its confidential fields; else ''."""
        purpose = request.GET.get("purpose", "").strip()[:PURPOSE_MAX_LENGTH]
        if not purpose or obj is None or not self._may(request, obj):
            return ""
        return purpose

    def _may(self, request, obj) -> bool:
        """`may_see_confidential`, asked once per request and object (the admin asks for fieldsets, inlines, page)."""
        answers = request.__dict__.setdefault("_confidential_may", {})
        key = (obj._meta.label_lower, obj.pk)
        if key not in answers:
            answers[key] = self.may_see_confidential(request, obj)
        return answers[key]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.stated_purpose(request, obj):
            return fieldsets
        hidden = set(self._confidential_names(obj))
        return [(name, {**options, "fields": _without(options["fields"], hidden)}) for name, options in fieldsets]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None or self.stated_purpose(request, obj):
            return inlines
        hidden = tuple(self.confidential_inlines[name] for name in self._confidential_names(obj) if name in self.confidential_inlines)
        return [inline for inline in inlines if not isinstance(inline, hidden)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        names = self._confidential_names(obj) if obj is not None else ()
        if names:
            purpose = self.stated_purpose(request, obj)
            present = _names(super().get_fieldsets(request, obj)) | set(self.confidential_inlines)
            shown = [name for name in names if name in present]
            if purpose and shown and request.method == "GET":
                self.confidential_read(request, obj, purpose, shown)
            context["confidential"] = {
                "names": shown, "shown": bool(purpose), "may": self._may(request, obj),
                "form": PurposeForm(initial={"purpose": purpose}),
            }
        return super().change_view(request, object_id, form_url, context)
