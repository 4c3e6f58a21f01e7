"""Admin of the reference world, for central-authority staff who maintain it.

Django's admin already lets in only active staff and checks the model permissions (view/add/change/delete) on
every page; grant them through a group (seed_demo creates "Reference data editors"). Rows loaded from
networks/data/*.yaml are overwritten by the next `load_reference_data` for the fields the files state: change
facts in the files, and use the admin for what the files leave out (contact details, contact points, holiday
overrides) or to correct a fact until the file is fixed. What the loader last wrote is shown read-only.
"""

from django.contrib import admin
from django.db import models as dj
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from networks import models

SOURCED_FIELDS = (_("Source"), {"fields": ("source", "verified")})
URL_FIELDS = {dj.URLField: {"assume_scheme": "https"}}


class ReferenceAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_per_page = 50
    save_on_top = True
    show_full_result_count = False


# --- countries and authorities -------------------------------------------------------------------------------


class AuthorityInline(admin.TabularInline):
    model = models.Authority
    fields = ["code", "kind", "name", "designated_central_authority", "verified"]
    extra = 0
    show_change_link = True
    ordering = ["-designated_central_authority", "kind", "name"]


class HolidayOverrideInline(admin.TabularInline):
    model = models.HolidayOverride
    extra = 0
    ordering = ["-date"]


@admin.register(models.Country)
class CountryAdmin(ReferenceAdmin):
    list_display = [
        "code", "code3", "name_en", "region", "time_zone", "holiday_calendar", "accepted_languages",
        "accepted_languages_verified", "verified",
    ]
    list_filter = ["region", "verified", "accepted_languages_verified"]
    search_fields = ["code", "code3", "name_en", "name_es", "name_pt", "name_fr"]
    inlines = [AuthorityInline, HolidayOverrideInline]
    fieldsets = [
        (None, {"fields": ("code", "code3", "region", ("name_en", "name_es"), ("name_pt", "name_fr"))}),
        (_("Languages"), {"fields": (
            "official_languages", "accepted_languages", "accepted_languages_source", "accepted_languages_verified"
        )}),
        (_("Deadlines"), {"fields": ("time_zone", "holiday_calendar")}),
        SOURCED_FIELDS,
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []


@admin.register(models.Authority)
class AuthorityAdmin(ReferenceAdmin):
    list_display = ["name", "country", "kind", "designated_central_authority", "parent", "verified"]
    list_filter = ["kind", "designated_central_authority", "verified", "country__region", "country"]
    search_fields = ["name", "name_en", "code", "country__name_en", "country__code"]
    list_select_related = ["country", "parent"]
    autocomplete_fields = ["country", "parent"]
    fieldsets = [
        (None, {"fields": ("code", "country", "kind", "designated_central_authority", "parent", "name", "name_en", "languages")}),
        (_("Contact"), {"fields": ("email", "phone", "address", "website")}),
        SOURCED_FIELDS,
    ]


# --- networks --------------------------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = models.Membership
    fields = ["country", "authority", "status", "valid_from", "valid_to", "source", "verified"]
    extra = 0
    show_change_link = True
    autocomplete_fields = ["country", "authority"]


@admin.register(models.Network)
class NetworkAdmin(ReferenceAdmin):
    list_display = [
        "acronym", "name_en", "kind", "organisation", "carries_formal_requests", "members_published", "member_count", "verified"
    ]
    list_filter = ["kind", "carries_formal_requests", "members_published", "verified"]
    search_fields = ["code", "acronym", "name_en", "name_es", "organisation"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


class ContactPointInline(admin.TabularInline):
    model = models.ContactPoint
    extra = 0


@admin.register(models.Membership)
class MembershipAdmin(ReferenceAdmin):
    list_display = ["network", "country", "authority", "status", "valid_from", "valid_to", "verified"]
    list_filter = ["network", "status", "verified", "country__region"]
    search_fields = ["network__acronym", "country__name_en", "country__code", "authority__name"]
    list_select_related = ["network", "country", "authority"]
    autocomplete_fields = ["network", "country", "authority"]
    inlines = [ContactPointInline]


@admin.register(models.ContactPoint)
class ContactPointAdmin(ReferenceAdmin):
    list_display = ["name", "membership", "role", "email", "valid_to"]
    list_filter = ["role", "membership__network"]
    search_fields = ["name", "email", "membership__country__name_en", "membership__network__acronym"]
    list_select_related = ["membership__network", "membership__country"]
    autocomplete_fields = ["membership"]


# --- instruments and their rules -------------------------------------------------------------------------------


class InstrumentPartyInline(admin.TabularInline):
    model = models.InstrumentParty
    fields = ["country", "signed_on", "ratified_on", "in_force_on", "withdrawn_on", "central_authority", "verified", "dates_verified"]
    extra = 0
    show_change_link = True
    autocomplete_fields = ["country", "central_authority"]


class DeadlineRuleInline(admin.TabularInline):
    model = models.DeadlineRule
    fields = ["code", "trigger", "period", "unit", "is_legal_limit", "verified"]
    extra = 0
    show_change_link = True


@admin.register(models.Instrument)
class InstrumentAdmin(ReferenceAdmin):
    list_display = ["short_name", "code", "kind", "in_force_on", "party_count", "sets_legal_deadlines", "verified"]
    list_filter = ["kind", "sets_legal_deadlines", "verified"]
    search_fields = ["code", "short_name", "name_en", "name_es"]
    autocomplete_fields = ["parent"]
    inlines = [InstrumentPartyInline, DeadlineRuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(party_count=Count("parties"))

    @admin.display(description=_("parties"), ordering="party_count")
    def party_count(self, obj):
        return obj.party_count


@admin.register(models.InstrumentParty)
class InstrumentPartyAdmin(ReferenceAdmin):
    list_display = ["instrument", "country", "signed_on", "in_force_on", "withdrawn_on", "verified", "dates_verified"]
    list_filter = ["instrument", "verified", "dates_verified", "country__region"]
    search_fields = ["instrument__code", "instrument__short_name", "country__name_en", "country__code"]
    list_select_related = ["instrument", "country"]
    autocomplete_fields = ["instrument", "country", "central_authority"]
    date_hierarchy = "in_force_on"


@admin.register(models.DeadlineRule)
class DeadlineRuleAdmin(ReferenceAdmin):
    list_display = ["code", "instrument", "trigger", "period", "unit", "extension_period", "is_legal_limit", "verified"]
    list_filter = ["unit", "is_legal_limit", "verified", "applies_to", "instrument"]
    search_fields = ["code", "description", "instrument__short_name"]
    list_select_related = ["instrument", "network"]
    autocomplete_fields = ["instrument", "network"]


@admin.register(models.Offence)
class OffenceAdmin(ReferenceAdmin):
    list_display = ["code", "name_en", "iccs_code", "eu_list_offence", "fiscal", "verified"]
    list_filter = ["eu_list_offence", "fiscal", "verified"]
    search_fields = ["code", "name_en", "name_es", "iccs_code"]


@admin.register(models.Measure)
class MeasureAdmin(ReferenceAdmin):
    list_display = ["code", "name_en", "coercive", "verified"]
    list_filter = ["coercive", "verified", "instruments"]
    search_fields = ["code", "name_en", "name_es"]
    autocomplete_fields = ["instruments"]


class RefusalRestrictionInline(admin.TabularInline):
    model = models.RefusalRestriction
    fields = ["kind", "instrument", "explanation", "source", "verified"]
    extra = 0
    autocomplete_fields = ["instrument"]


@admin.register(models.RefusalGround)
class RefusalGroundAdmin(ReferenceAdmin):
    list_display = ["code", "name_en", "discretionary", "postponement", "verified"]
    list_filter = ["postponement", "discretionary", "verified", "instruments"]
    search_fields = ["code", "name_en", "name_es"]
    autocomplete_fields = ["instruments"]
    inlines = [RefusalRestrictionInline]


@admin.register(models.HolidayOverride)
class HolidayOverrideAdmin(ReferenceAdmin):
    list_display = ["country", "date", "name", "is_holiday"]
    list_filter = ["is_holiday", "country"]
    search_fields = ["name", "country__name_en", "country__code"]
    autocomplete_fields = ["country"]
    date_hierarchy = "date"


@admin.register(models.ReferenceDataset)
class ReferenceDatasetAdmin(ReferenceAdmin):
    """What the last load wrote: read-only, changed only by `load_reference_data`."""

    list_display = ["kind", "file", "version", "loaded_at", "row_count"]
    readonly_fields = ["kind", "file", "version", "checksum", "loaded_at", "keys"]

    @admin.display(description=_("rows"))
    def row_count(self, obj):
        return len(obj.keys)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
