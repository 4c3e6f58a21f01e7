"""Admin for asset files: every write goes through the services; the state is read-only and moves only through
the transition page, which lists what `asset_workflow.available` allows and why the rest is not."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from coopcases.core.exceptions import DomainError

from . import services
from .models import (
    Asset,
    AssetOrder,
    ConfiscationPrerequisite,
    ExchangeRate,
    SharingAgreement,
    SharingDeduction,
    SharingRule,
    SharingShare,
    Transfer,
)
from .selectors import agreements_visible_to, assets_visible_to, may_act_on_case
from .workflow import asset_workflow


class ServiceTransactionsMixin:
    """The admin wraps its change form in one transaction; our services each open their own outermost (durable)
    transaction, so the form is validated first and each service call commits on its own."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)


def add_domain_errors(form: forms.BaseForm, error: DomainError):
    """Show a service's refusal on the form: each problem on its field (`identifiers.iban` → identifiers)."""
    if not error.problems:
        form.add_error(None, error.detail)
    for problem in error.problems:
        field = problem.name.split(".")[0].split("[")[0]
        if field in form.fields and field not in form.errors:
            form.add_error(field, f"{problem.name}: {problem.reason}" if "." in problem.name else problem.reason)
        else:
            form.add_error(None, f"{problem.name}: {problem.reason}" if problem.name else problem.reason)


class AssetForm(forms.ModelForm):
    actor = None  # set per request by AssetAdmin.get_form

    class Meta:
        model = Asset
        fields = [
            "case", "kind", "description", "identifiers", "location_state", "holder_name", "holder_type",
            "estimated_amount", "estimated_currency", "valuation_date", "responsible_authority",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        case = data.get("case") or getattr(self.instance, "case", None)
        if case is None:
            return data
        if not self.instance.pk and not may_act_on_case(case, self.actor):
            raise forms.ValidationError(_("Only an authority of the case may add assets to it."))
        fields = {name: data.get(name) for name in services.ASSET_EDITABLE}
        fields["responsible_authority"] = fields["responsible_authority"] or self.actor.authority
        try:
            services.asset_clean(case=case, kind=data.get("kind") or self.instance.kind, data=fields, exclude_pk=self.instance.pk)
        except DomainError as error:
            add_domain_errors(self, error)
        return data


ORDER_INLINE_FIELDS = [
    "kind", "reference", "mla_request", "issuing_authority", "executing_state", "legal_basis", "issued_on",
    "effective_on", "renewal_due_on", "network", "proceeding_type", "final", "custodian", "costs_amount",
    "costs_currency", "disposal_method", "realised_amount", "realised_currency", "notes",
]  # fmt: skip


class OrderInlineForm(forms.ModelForm):
    """A new order is checked by `order_clean` (its normalised values, e.g. the default executing state, are kept)
    and saved by `order_add` in AssetAdmin.save_formset."""

    class Meta:
        model = AssetOrder
        fields = ORDER_INLINE_FIELDS

    def clean(self):
        data = super().clean()
        if self.instance.pk or "kind" not in data:
            return data
        given = {k: v for k, v in data.items() if k in ORDER_INLINE_FIELDS and k != "kind" and v not in (None, "")}
        try:
            clean = services.order_clean(asset=self.instance.asset, kind=data["kind"], data=given)
        except DomainError as error:
            add_domain_errors(self, error)
            return data
        data.update({k: clean[k] for k in ORDER_INLINE_FIELDS if k != "kind"})
        return data


class AssetOrderInline(admin.StackedInline):
    model = AssetOrder
    form = OrderInlineForm
    fields = ORDER_INLINE_FIELDS
    raw_id_fields = ["mla_request"]
    autocomplete_fields = ["issuing_authority", "executing_state", "legal_basis", "network"]
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False  # recorded orders are evidence: corrections go through order_update


@admin.register(Asset)
class AssetAdmin(ServiceTransactionsMixin, admin.ModelAdmin):
    form = AssetForm
    list_display = ["id", "kind", "reference", "case", "location_state", "state", "estimated_amount", "estimated_currency"]
    list_filter = ["state", "kind", "location_state"]
    search_fields = ["reference", "description", "holder_name"]
    list_select_related = ["case", "location_state"]
    raw_id_fields = ["case"]
    autocomplete_fields = ["location_state", "responsible_authority"]
    readonly_fields = [
        "state", "version", "reference", "frozen_at", "confiscated_at", "realised_at", "realised_amount",
        "realised_currency", "shared_at", "returned_at", "created_by",
    ]  # fmt: skip
    inlines = [AssetOrderInline]

    def get_queryset(self, request):
        return assets_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "case", "kind"] if obj else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_delete_permission(self, request, obj=None):
        return False  # asset files are closed, never deleted

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data.get(name) for name in services.ASSET_EDITABLE if name in form.cleaned_data}
        if change:
            saved = services.asset_update(actor=request.user, asset=obj, expected_version=obj.version, **fields)
        else:
            saved = services.asset_create(actor=request.user, case=form.cleaned_data["case"], kind=form.cleaned_data["kind"], **fields)
        obj.pk, obj.version, obj.state = saved.pk, saved.version, saved.state

    def save_formset(self, request, form, formset, change):
        # What formset.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for order_form in formset.forms:
            if order_form.instance.pk or not order_form.has_changed():
                continue
            data = {k: v for k, v in order_form.cleaned_data.items() if k in ORDER_INLINE_FIELDS and k != "kind"}
            order = services.order_add(actor=request.user, asset=form.instance, kind=order_form.cleaned_data["kind"], **data)
            formset.new_objects.append(order)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        asset = self.get_object(request, object_id)
        transitions = asset_workflow.available(asset, request.user) if asset else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "transitions": transitions})

    def get_urls(self):
        return [
            path("<int:pk>/transition/<str:action>/", self.admin_site.admin_view(self.transition_view), name="assets_asset_transition"),
            *super().get_urls(),
        ]

    def transition_view(self, request, pk, action):
        asset = get_object_or_404(self.get_queryset(request), pk=pk)
        choice = next((a for a in asset_workflow.available(asset, request.user) if a.action == action), None)
        if choice is None:
            raise PermissionDenied
        change_url = reverse("admin:assets_asset_change", args=[pk])
        if request.method == "POST":
            try:
                services.asset_transition(
                    actor=request.user, asset=asset, action=action, reason=request.POST.get("reason", ""),
                    expected_version=int(request.POST.get("version", asset.version)),
                )
            except DomainError as error:
                reasons = "; ".join(p.reason for p in error.problems)
                messages.error(request, f"{error.detail} {reasons}".strip())
            else:
                messages.success(request, _("Done: %(label)s.") % {"label": choice.label})
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "asset": asset, "choice": choice,
            "title": choice.label, "change_url": change_url,
        }  # fmt: skip
        return TemplateResponse(request, "admin/assets/asset/transition.html", context)


@admin.register(AssetOrder)
class AssetOrderAdmin(admin.ModelAdmin):
    list_display = ["id", "asset", "kind", "reference", "issued_on", "executing_state", "renewal_due_on", "lifted_on"]
    list_filter = ["kind", "proceeding_type", "final", "executing_state"]
    search_fields = ["reference", "asset__reference"]
    list_select_related = ["asset", "executing_state"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(asset__in=assets_visible_to(request.user))

    def has_add_permission(self, request):
        return False  # added on the asset page, through order_add

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["date", "base", "currency", "rate", "source"]

    def clean(self):
        data = super().clean()
        fields = {name: data.get(name, getattr(self.instance, name)) for name in self.Meta.fields}
        try:
            services.exchange_rate_clean(**fields)
        except DomainError as error:
            add_domain_errors(self, error)
        return data


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ServiceTransactionsMixin, admin.ModelAdmin):
    form = ExchangeRateForm
    list_display = ["date", "base", "currency", "rate", "source"]
    list_filter = ["currency", "base"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        return ["date", "base", "currency"] if obj else []  # a correction changes the rate, never the key

    def has_delete_permission(self, request, obj=None):
        return False  # reports cite rates: correct them instead

    def save_model(self, request, obj, form, change):
        row = services.exchange_rate_set(actor=request.user, base=obj.base, currency=obj.currency, date=obj.date, rate=obj.rate, source=obj.source)
        obj.pk = row.pk


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ShareInline(_ReadOnlyInline):
    model = SharingShare


class DeductionInline(_ReadOnlyInline):
    model = SharingDeduction


class TransferInline(_ReadOnlyInline):
    model = Transfer
    fields = ["party", "amount", "currency", "made_on", "reference", "created_by"]


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin):
    """Read-only: agreements are drafted, concluded and paid through the services (UI and API)."""

    list_display = ["id", "case", "kind", "basis", "holding_state", "realised_amount", "currency", "state"]
    list_filter = ["kind", "basis", "state"]
    inlines = [ShareInline, DeductionInline, TransferInline]

    def get_queryset(self, request):
        return agreements_visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharingRule)
class SharingRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "threshold_amount", "threshold_currency", "executing_share_up_to_threshold", "executing_share_above_threshold", "verified"]
    list_filter = ["verified"]


@admin.register(ConfiscationPrerequisite)
class ConfiscationPrerequisiteAdmin(admin.ModelAdmin):
    list_display = ["code", "instrument", "proceeding_type", "verified"]
    list_filter = ["verified", "proceeding_type"]
    autocomplete_fields = ["instrument"]
