"""The admin of central authorities: the approval queue, and approve / return / reject through the service layer.

Requests are read-only here: no field, and never the state or version, is saved by the admin. Every decision
goes through `mla_request_transition` (one event and one audit row, door "admin"), and lists show only what
the selector lets the user see.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from coopcases.accounts.roles import RoleCode
from coopcases.audit.purpose import ConfidentialPurposeAdmin
from coopcases.core.exceptions import DomainError
from coopcases.events.selectors import events_of
from requests.models import Attachment, AwaitingDecision, MlaRequest, RequestDecision, RequestMeasure
from requests.selectors import (
    awaiting_decision_of,
    mla_request_deadline_summary,
    mla_requests_visible_to,
    with_deadlines,
)
from requests.services import mla_request_transition
from requests.workflow import MLA_WORKFLOW


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("on time"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(overdue=self.value() == "yes")
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MeasureInline(ReadOnlyInline):
    model = RequestMeasure
    fields = readonly_fields = ["measure", "details", "status", "outcome"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fk_name = "request"
    fields = readonly_fields = ["original_name", "version_number", "language", "translation_of", "mime_type", "size", "sha256", "authority", "uploaded_at"]


class DecisionInline(ReadOnlyInline):
    model = RequestDecision
    fields = readonly_fields = ["kind", "reasons", "conditions", "authority", "decided_at"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


def _decision_action(action: str, description):
    def run(modeladmin, request, queryset):
        return modeladmin.decide(request, queryset, action)

    run.__name__ = action
    run.short_description = description
    run.allowed_permissions = ("decide",)
    return run


class MlaRequestAdmin(ConfidentialPurposeAdmin, admin.ModelAdmin):
    list_display = ["reference", "title", "kind", "requesting_state", "requested_state", "state", "next_due", "overdue_mark", "updated_at"]
    list_filter = ["state", "kind", "requesting_state", "requested_state", "channel_network", OverdueFilter]
    list_select_related = ["requesting_state", "requested_state"]
    search_fields = ["reference", "title"]
    ordering = ["-updated_at"]
    inlines = [MeasureInline, AttachmentInline, DecisionInline]
    readonly_fields = ["deadline", "history"]
    actions = [
        _decision_action("approve", _("Approve")),
        _decision_action("return_for_amendment", _("Return for amendment")),
        _decision_action("reject", _("Reject")),
        _decision_action("transmit", _("Transmit to the requested state")),
    ]
    fieldsets = [
        (None, {"fields": ["reference", "title", "kind", "state", "version", "deadline"]}),
        (_("Routing"), {"fields": ["requesting_authority", "requesting_central_authority", "requested_state", "requested_central_authority",
                                    "executing_authority", "legal_bases", "channel", "channel_network", "language"]}),
        (_("Content"), {"fields": ["offences", "subject_and_authority", "facts_summary", "purpose", "special_procedure", "urgent",
                                    "urgency_reason", "confidentiality_required", "confidentiality_note", "use_restriction",
                                    "requested_due_date", "due_reason"]}),
        (_("History"), {"fields": ["created_by", "submitted_at", "approved_by", "approved_at", "transmitted_at", "history"]}),
    ]

    # -- who ---------------------------------------------------------------------------------------------------

    def _is_officer(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or user.has_role(RoleCode.CENTRAL_AUTHORITY_OFFICER, RoleCode.AUDITOR))

    def has_module_permission(self, request):
        return self._is_officer(request)

    def has_view_permission(self, request, obj=None):
        return self._is_officer(request)

    def has_decide_permission(self, request):
        return request.user.is_active and request.user.is_staff and request.user.has_role(RoleCode.CENTRAL_AUTHORITY_OFFICER)

    def has_add_permission(self, request):
        return False  # filed by magistrates through the UI or the API

    def has_change_permission(self, request, obj=None):
        return False  # read-only: decisions are actions that go through the service layer

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is deleted

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return with_deadlines(mla_requests_visible_to(request.user, base=qs))

    # -- columns -----------------------------------------------------------------------------------------------

    @admin.display(description=_("next due"), ordering="next_due_at")
    def next_due(self, obj):
        return obj.next_due_at

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue")
    def overdue_mark(self, obj):
        return obj.overdue

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        summary = mla_request_deadline_summary(obj)
        if summary.due_at is None:
            return "—"
        kind = _("legal time limit") if summary.is_legal_limit else _("not a legal limit")
        status = _("overdue") if summary.overdue else _("paused") if summary.paused else _("open")
        return format_html("{} — {} ({}, {})", date_format(timezone.localtime(summary.due_at), "SHORT_DATETIME_FORMAT"), summary.label, kind, status)

    @admin.display(description=_("status history"))
    def history(self, obj):
        from requests.views import event_label  # the same words as the magistrate's timeline

        rows = format_html_join(
            "", "<tr><td>{}</td><td>{} <small>({})</small></td><td>{}</td><td>{} → {}</td><td>{}</td></tr>",
            (
                (date_format(timezone.localtime(e.at), "SHORT_DATETIME_FORMAT"), event_label(e), e.event_type, e.actor_repr,
                 MLA_WORKFLOW.state_label(e.from_state) if e.from_state else "·", MLA_WORKFLOW.state_label(e.to_state) if e.to_state else "·", e.reason)
                for e in events_of(obj)
            ),
        )
        return format_html("<table><tbody>{}</tbody></table>", rows)

    # -- decisions ---------------------------------------------------------------------------------------------

    def decide(self, request, queryset, action: str):
        """Ask for the reason first (an intermediate page), then take the step for each selected request."""
        transition = MLA_WORKFLOW.transitions[action]
        if "apply" in request.POST:
            form = ReasonForm(request.POST, required=transition.reason_required)
            if form.is_valid():
                done = 0
                for req in queryset:
                    try:
                        mla_request_transition(pk=req.pk, action=action, actor=request.user, reason=form.cleaned_data["reason"])
                        done += 1
                    except DomainError as exc:
                        details = "; ".join(p.reason for p in exc.problems)
                        self.message_user(request, f"{req.reference}: {exc.detail} {details}".strip(), messages.ERROR)
                if done:
                    self.message_user(request, _("%(action)s: %(count)d request(s).") % {"action": transition.label, "count": done}, messages.SUCCESS)
                return None
        else:
            form = ReasonForm(required=transition.reason_required)
        context = {
            **self.admin_site.each_context(request),
            "title": transition.label,
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action_name": action,
            "action_label": transition.label,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/mla/transition_reason.html", context)


@admin.register(MlaRequest)
class AllRequestsAdmin(MlaRequestAdmin):
    pass


@admin.register(AwaitingDecision)
class AwaitingDecisionAdmin(MlaRequestAdmin):
    """'Awaiting my decision': submitted requests of the officer's state, oldest first, overdue marked."""

    list_display = ["reference", "title", "requesting_authority", "requested_state", "submitted_at", "requested_due_date", "overdue_mark"]
    list_filter = ["kind", "requested_state", OverdueFilter]
    list_select_related = ["requesting_authority", "requested_state"]
    ordering = ["submitted_at", "pk"]

    def has_module_permission(self, request):
        return self.has_decide_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.has_decide_permission(request)

    def get_queryset(self, request):
        return with_deadlines(awaiting_decision_of(request.user, base=AwaitingDecision.objects.all()))
