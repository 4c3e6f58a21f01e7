from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from coopcases.api.models import ApiClient
from coopcases.api.services import api_client_revoke, api_client_rotate_secret


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Partner clients. Created with `api_client_create` (shell or command); here: rotate the secret, revoke."""

    list_display = ("application", "authority", "scopes", "secret_rotated_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("application", "service_account", "authority", "scopes", "created_at", "secret_rotated_at", "revoked_at")
    actions = ["rotate_secret", "revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Rotate the secret (shown once; old tokens stop working)"))
    def rotate_secret(self, request, queryset):
        for client in queryset:
            issued = api_client_rotate_secret(actor=request.user, client=client)
            self.message_user(
                request, _("New secret of %(client)s (client id %(id)s), shown only now: %(secret)s")
                % {"client": client, "id": issued.client_id, "secret": issued.client_secret}, messages.WARNING,
            )

    @admin.action(description=_("Revoke (no more tokens; current ones deleted)"))
    def revoke(self, request, queryset):
        for client in queryset:
            api_client_revoke(actor=request.user, client=client, reason="revoked in the admin")
        self.message_user(request, _("%(count)s client(s) revoked.") % {"count": queryset.count()})
