"""The audit log in the admin: auditors search, filter, read and export it; nobody adds, changes or deletes."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from coopcases.audit.export import audit_export_csv, filters_from_query
from coopcases.audit.models import AuditEntry, AuditPurge, RetentionPolicy
from coopcases.audit.selectors import (
    audit_entries_exportable_by,
    audit_entries_visible_to,
    audit_may,
    may_export_audit,
    may_read_audit,
)
from coopcases.audit.services import audit_record

REVIEW_PURPOSE = "audit review"


class ReadOnlyForAuditors(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return may_read_audit(request.user) if obj is None else self.may_view(request.user, obj)

    def may_view(self, actor, obj) -> bool:
        return may_read_audit(actor)

    def has_module_permission(self, request):
        return may_read_audit(request.user)


class ExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of this export"), max_length=500,
        help_text=_("Recorded in the audit log with the filters you applied."),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyForAuditors):
    list_display = ["id", "at", "actor_repr", "authority_id", "door", "action", "object_type", "object_id", "outcome"]
    list_filter = [
        "action", "door", ("object_type", admin.AllValuesFieldListFilter), "outcome", ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["actor_repr", "=object_id", "=request_id", "=ip", "reason", "purpose", "=hash"]
    show_full_result_count = False  # no COUNT(*) over the whole log on every page
    list_per_page = 100
    change_list_template = "admin/audit/auditentry/change_list.html"

    def get_queryset(self, request):
        return audit_entries_visible_to(request.user)

    def may_view(self, actor, obj) -> bool:
        return audit_may(actor, obj, "view_confidential")  # the detail page shows every field

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view), name="audit_auditentry_export")
        return [export, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            audit_record(actor=request.user, action="view", object_type="audit.auditentry", object_id="",
                         after={"filters": filters_from_query(request.GET)}, purpose=REVIEW_PURPOSE)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            audit_record(actor=request.user, action="view", object_type="audit.auditentry", object_id=str(object_id),
                         purpose=REVIEW_PURPOSE)
        return response

    def export_view(self, request):
        """GET: ask for the purpose; POST: record the export and stream the filtered rows as CSV."""
        if not may_export_audit(request.user):
            raise PermissionDenied
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            queryset = self.get_changelist_instance(request).get_queryset(request) & audit_entries_exportable_by(request.user)
            return audit_export_csv(actor=request.user, queryset=queryset, filters=filters_from_query(request.GET),
                                    purpose=form.cleaned_data["purpose"])
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form, "title": _("Export audit entries")}
        return TemplateResponse(request, "admin/audit/auditentry/export.html", context)


@admin.register(AuditPurge)
class AuditPurgeAdmin(ReadOnlyForAuditors):
    list_display = ["id", "at", "cutoff", "purged_count", "last_purged_id", "db_user"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """Retention periods are legal facts kept as data; every change is audited."""

    list_display = ["object_type", "days_after_closure", "action", "active", "verified"]
    list_filter = ["action", "active", "verified"]

    def save_model(self, request, obj, form, change):
        before = {name: form.initial.get(name) for name in form.changed_data} if change else None
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="update" if change else "create", obj=obj, before=before,
                     after={name: form.cleaned_data.get(name) for name in form.changed_data})

    def has_delete_permission(self, request, obj=None):
        return False  # switch a policy off (active) instead, so its history stays readable
