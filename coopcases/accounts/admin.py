from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coopcases.accounts import services
from coopcases.accounts.models import Role, User
from coopcases.accounts.permissions import user_may, users_visible_to
from coopcases.audit.services import audit_record

# Device admins would show TOTP secrets (and their QR codes) to administrators: devices are only reset.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "authority", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "roles", "authority__country"]
    list_select_related = ["authority"]
    autocomplete_fields = ["authority"]
    filter_horizontal = ["roles", "contact_point_networks", "groups", "user_permissions"]
    readonly_fields = ["deactivated_at", "pseudonymised_at", "last_login", "date_joined"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("coopcases", {"fields": ("authority", "roles", "contact_point_networks", "preferred_language", "time_zone",
                                  "deactivated_at", "pseudonymised_at")}),
    )
    actions = ["reset_second_factor"]

    # The `accounts.user` rows of policy.yaml, not Django's model permissions, decide who sees and manages accounts.
    def get_queryset(self, request):
        return users_visible_to(request.user).select_related("authority")

    def has_module_permission(self, request):
        return user_may(request.user, None, "view")

    def has_view_permission(self, request, obj=None):
        return user_may(request.user, obj, "view_confidential" if obj is not None else "view")

    def has_add_permission(self, request):
        return user_may(request.user, None, "create")

    def has_change_permission(self, request, obj=None):
        return user_may(request.user, obj, "transition")

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are disabled, never deleted: the audit log and records point to them

    def save_model(self, request, obj, form, change):
        """Account changes go through the services: disabling revokes tokens and starts the retention period."""
        was_active = User.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="update" if change else "create", obj=obj,
                     after={"fields": sorted(form.changed_data)})
        if change and was_active and not obj.is_active:
            services.user_deactivate(actor=request.user, user=obj, reason="disabled in the admin")
        elif change and was_active is False and obj.is_active:
            services.user_reactivate(actor=request.user, user=obj, reason="enabled in the admin")

    @admin.action(description=_("Reset the second factor (the user enrols again at next sign-in)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_reset(actor=request.user, user=user, reason="reset in the admin")
        messages.success(request, _("Second factor reset for %(count)d account(s).") % {"count": queryset.count()})
