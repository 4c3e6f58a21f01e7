from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from coopcases.core.exceptions import DomainError
from coopcases.events.registry import known_event_types
from coopcases.notifications import services
from coopcases.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationRule,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSecret,
    WebhookSubscription,
)


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ["event_type", "name", "recipient_keys", "channels", "data_match", "active"]
    list_filter = ["active"]
    search_fields = ["event_type", "name"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "channels", "email_frequency"]
    autocomplete_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "title", "read_at", "email_status", "email_attempts"]
    list_filter = ["email_status", "event_type"]
    list_select_related = ["user"]
    search_fields = ["title", "user__username"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SubscriptionForm(forms.ModelForm):
    target_url = forms.URLField(label=_("target URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "owner", "authority", "target_url", "event_types", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].help_text = _("A JSON list. Known types: %(types)s") % {
            "types": ", ".join(known_event_types()) or "—"
        }

    def clean(self):
        """The service's checks, shown on the form (owner and authority are read-only once created)."""
        data = super().clean()
        owner = data.get("owner") or (self.instance.owner if self.instance.pk else None)
        authority = data.get("authority") or (self.instance.authority if self.instance.pk else None)
        if self.errors or owner is None or authority is None:
            return data
        try:
            services.webhook_subscription_check(
                owner=owner, authority=authority, target_url=data.get("target_url", ""), event_types=data.get("event_types")
            )
        except DomainError as exc:
            for problem in exc.problems:
                self.add_error(problem.name if problem.name in self.fields else None, problem.reason)
        return data


class SecretInline(admin.TabularInline):
    model = WebhookSecret
    fields = ["hint", "created_at", "valid_until"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "authority", "target_url", "active", "disabled_reason", "created_at"]
    list_filter = ["active"]
    list_select_related = ["authority"]
    search_fields = ["name", "target_url"]
    autocomplete_fields = ["owner", "authority"]
    readonly_fields = ["disabled_at", "disabled_reason", "created_at"]
    inlines = [SecretInline]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["owner", "authority"] if obj else [])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Not wrapped in the admin's transaction: save_model calls services that are each one durable transaction.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.webhook_subscription_update(
                actor=request.user, subscription=obj, name=data["name"], target_url=data["target_url"],
                event_types=data["event_types"], active=data["active"],
            )
            return
        subscription, secret = services.webhook_subscription_create(
            actor=request.user, owner=data["owner"], authority=data["authority"], name=data["name"],
            target_url=data["target_url"], event_types=data["event_types"],
        )
        obj.pk = subscription.pk
        messages.warning(request, _("Signing secret (shown once; give it to the partner now): %(s)s") % {"s": secret})

    @admin.action(description=_("Rotate the signing secret (old one valid 24 h more)"))
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            secret = services.webhook_secret_rotate(actor=request.user, subscription=subscription)
            messages.warning(
                request, _("New secret for %(n)s (shown once): %(s)s") % {"n": subscription.name, "s": secret}
            )


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "webhook_id", "subscription", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status", "subscription"]
    list_select_related = ["subscription"]
    search_fields = ["webhook_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [AttemptInline]
    actions = ["redeliver"]
    readonly_fields = [
        "event", "subscription", "webhook_id", "body", "status", "attempts", "next_attempt_at", "last_status_code",
        "last_error", "response_excerpt", "created_at", "delivered_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Re-deliver (restart the retry schedule)"))
    def redeliver(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                services.webhook_delivery_redeliver(actor=request.user, delivery=delivery)
                done += 1
            except DomainError as exc:
                messages.error(request, f"{delivery.webhook_id}: {exc.detail}")
        if done:
            messages.success(request, _("%(n)d deliveries queued again.") % {"n": done})
