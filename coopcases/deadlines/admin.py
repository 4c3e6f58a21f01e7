from django.contrib import admin

from coopcases.deadlines.models import Deadline, DeadlineKindSetting, DeadlineReminder


@admin.register(DeadlineKindSetting)
class DeadlineKindSettingAdmin(admin.ModelAdmin):
    """Default reminder offsets per kind: deadlines opened afterwards copy them (open ones keep theirs)."""

    list_display = ["kind", "reminder_offsets_hours", "updated_at"]


class ReminderInline(admin.TabularInline):
    model = DeadlineReminder
    fields = ["offset_hours", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    """Read-only: deadlines are opened, paused, extended and closed by the services of the owning workflows."""

    list_display = ["label", "kind", "state", "due_at", "next_reminder_at", "responsible_authority", "escalated_at"]
    list_filter = ["state", "kind", "is_legal_limit"]
    list_select_related = ["responsible_authority"]
    search_fields = ["label"]
    date_hierarchy = "due_at"
    show_full_result_count = False
    inlines = [ReminderInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
