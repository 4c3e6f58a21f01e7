from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coopcases.events.dispatch import event_redispatch
from coopcases.events.models import Event


class DispatchFilter(admin.SimpleListFilter):
    title = _("dispatch")
    parameter_name = "dispatch"

    def lookups(self, request, model_admin):
        return [("waiting", _("waiting")), ("given_up", _("given up")), ("done", _("dispatched"))]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(dispatched_at__isnull=True)
        if self.value() == "given_up":
            return queryset.filter(dispatched_at__isnull=False).exclude(dispatch_error="")
        if self.value() == "done":
            return queryset.filter(Q(dispatch_error=""), dispatched_at__isnull=False)
        return queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The outbox, read-only; events given up by the relay can be dispatched again (nothing is sent twice)."""

    list_display = ["at", "event_type", "object_type", "object_id", "actor_repr", "dispatched_at", "dispatch_attempts"]
    list_filter = [DispatchFilter, "event_type"]
    search_fields = ["object_id", "event_type"]
    date_hierarchy = "at"
    show_full_result_count = False
    actions = ["redispatch"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Dispatch again (creates only what is missing)"), permissions=["view"])
    def redispatch(self, request, queryset):
        count = event_redispatch(actor=request.user, event_ids=list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(n)d events queued for dispatch.") % {"n": count})
