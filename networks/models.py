"""The world cases move through: countries, authorities, networks, legal instruments and their rules.

Every legal fact carries its source and a `verified` flag (domain.md's (verify) marks load as unverified).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coopcases.core.models import Sourced


class TranslatedName(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en


class Region(models.TextChoices):
    LATIN_AMERICA = "latin_america", _("Latin America")
    CARIBBEAN = "caribbean", _("Caribbean")
    EUROPEAN_UNION = "eu", _("European Union")
    EUROPE_OTHER = "europe_other", _("Europe (non-EU)")
    NORTH_AMERICA = "north_america", _("North America")
    OTHER = "other", _("Other")


class Country(TranslatedName, Sourced):
    code = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, primary_key=True)
    code3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, unique=True)
    region = models.CharField(max_length=20, choices=Region.choices)
    official_languages = models.JSONField(default=list, help_text="ISO 639-1 codes")
    accepted_languages = models.JSONField(
        default=list, help_text="Languages accepted for incoming MLA requests (notified to the UN Secretary-General)"
    )
    time_zone = models.CharField(max_length=64, help_text="IANA zone used to compute this state's deadlines")
    holiday_calendar = models.CharField(
        max_length=10, blank=True, help_text="Country code for the `holidays` library; empty = weekends only"
    )
    # Names and ISO codes are certain; the languages a state accepts are a separate, often unconfirmed fact.
    accepted_languages_source = models.CharField(max_length=500, blank=True)
    accepted_languages_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_alpha2"),
            models.CheckConstraint(condition=Q(code3__regex=r"^[A-Z]{3}$"), name="country_code_alpha3"),
        ]


class AuthorityKind(models.TextChoices):
    CENTRAL_AUTHORITY = "central_authority", _("Central authority")
    PROSECUTION = "prosecution", _("Prosecution service")
    COURT = "court", _("Court")
    POLICE = "police", _("Police")
    FIU = "fiu", _("Financial intelligence unit")
    ASSET_RECOVERY_OFFICE = "aro", _("Asset recovery office")
    ASSET_MANAGEMENT_OFFICE = "amo", _("Asset management office")
    MINISTRY = "ministry", _("Ministry")
    LIAISON_POST = "liaison", _("Liaison post")
    INTERNATIONAL_BODY = "international", _("International body")


class Authority(Sourced):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="authorities")
    kind = models.CharField(max_length=20, choices=AuthorityKind.choices)
    code = models.SlugField(max_length=80, unique=True, help_text="Stable key used by reference data and the API")
    name = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    languages = models.JSONField(default=list, blank=True)
    designated_central_authority = models.BooleanField(
        default=False,
        help_text=_("The state's default central authority for MLA (UNTOC 18(13)); instruments may designate another"),
    )

    class Meta:
        ordering = ["country_id", "name"]
        verbose_name_plural = _("authorities")
        indexes = [models.Index(fields=["country", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="authority_unique_name_per_country"),
            models.UniqueConstraint(
                fields=["country"],
                condition=Q(designated_central_authority=True),
                name="authority_one_designated_central_authority",
            ),
            models.CheckConstraint(
                condition=Q(designated_central_authority=False) | Q(kind="central_authority"),
                name="authority_designated_is_central_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_id})"

    @property
    def is_central_authority(self) -> bool:
        return self.kind == AuthorityKind.CENTRAL_AUTHORITY


class NetworkKind(models.TextChoices):
    PROSECUTORS = "prosecutors", _("Prosecutors")
    JUDICIAL = "judicial", _("Judicial / central authorities")
    POLICE = "police", _("Police")
    ASSET_RECOVERY = "asset_recovery", _("Asset recovery")
    PRISONS = "prisons", _("Prisons")
    EU_BODY = "eu_body", _("EU agency")
    MIXED = "mixed", _("Mixed")


class Network(TranslatedName, Sourced):
    code = models.SlugField(max_length=30, unique=True)
    acronym = models.CharField(max_length=30)
    kind = models.CharField(max_length=20, choices=NetworkKind.choices)
    carries_formal_requests = models.BooleanField(
        default=False, help_text="True only where formal requests travel through it (e.g. Iber@ under Medellín)"
    )
    request_kinds = models.JSONField(default=list, blank=True, help_text="Request kinds it carries")
    organisation = models.CharField(
        max_length=100, blank=True, help_text=_("Umbrella body or programme (AIAMP, UNODC, EL PAcCTO, COMJIB, EU…)")
    )
    members_published = models.BooleanField(
        default=True, help_text=_("False where no source lists the members: memberships are then left empty")
    )
    secretariat = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["acronym"]


class MembershipStatus(models.TextChoices):
    FULL = "full", _("Full member")
    OBSERVER = "observer", _("Observer")
    ASSOCIATE = "associate", _("Associate")
    PARTNER = "partner", _("Partner (working arrangement or cooperation agreement)")


class Membership(Sourced):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="memberships")
    authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    status = models.CharField(max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.FULL)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["network__acronym", "country_id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "country"], name="membership_unique_country"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network.acronym}: {self.country_id}"


class ContactRole(models.TextChoices):
    JUDICIAL = "judicial", _("Judicial / prosecutorial")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")


class ContactPoint(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="contact_points")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=ContactRole.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.membership})"


class InstrumentKind(models.TextChoices):
    MULTILATERAL = "multilateral", _("Multilateral (UN)")
    REGIONAL = "regional", _("Regional")
    BILATERAL = "bilateral", _("Bilateral")
    EU_ACT = "eu_act", _("EU act")


class Instrument(TranslatedName, Sourced):
    code = models.SlugField(max_length=40, unique=True)
    short_name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=InstrumentKind.choices)
    adopted_on = models.DateField(null=True, blank=True)
    in_force_on = models.DateField(null=True, blank=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    covers = models.JSONField(default=list, blank=True, help_text="mla, jit, confiscation, sharing, electronic_transmission…")
    articles = models.JSONField(default=dict, blank=True, help_text="Key paragraphs: contents, refusal, deadlines, JIT…")
    required_contents = models.JSONField(default=list, blank=True, help_text="Content element codes a request must carry")
    content_exemptions = models.JSONField(
        default=dict, blank=True, help_text=_("Element code → measure codes for which the element is not required")
    )
    sets_legal_deadlines = models.BooleanField(default=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="protocols", help_text="For protocols"
    )

    class Meta:
        ordering = ["short_name"]


class InstrumentParty(Sourced):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="parties")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="instrument_parties")
    signed_on = models.DateField(null=True, blank=True)
    ratified_on = models.DateField(null=True, blank=True)
    in_force_on = models.DateField(null=True, blank=True, help_text="Empty = signed only, not in force for this state")
    withdrawn_on = models.DateField(null=True, blank=True)
    accepted_languages = models.JSONField(default=list, blank=True, help_text="Declared languages; empty = country default")
    central_authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    declarations = models.TextField(blank=True)
    # `verified` says the state is a party (or signatory); the dates are often known only approximately.
    dates_verified = models.BooleanField(
        default=True, help_text=_("False when the signature, ratification or in-force dates are approximate")
    )

    class Meta:
        ordering = ["instrument__short_name", "country_id"]
        verbose_name_plural = _("instrument parties")
        constraints = [models.UniqueConstraint(fields=["instrument", "country"], name="instrument_party_unique")]
        indexes = [models.Index(fields=["country", "instrument"])]

    def __str__(self) -> str:
        return f"{self.instrument.short_name}: {self.country_id}"

    def in_force_at(self, day) -> bool:
        return bool(self.in_force_on and self.in_force_on <= day and not (self.withdrawn_on and self.withdrawn_on <= day))


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
    REQUESTED_DATE = "requested_date", _("date suggested by the requesting side")
    SERVICE_LEVEL = "service_level", _("configurable service level")


class DeadlineRule(Sourced):
    """A time limit, from law (is_legal_limit) or a configurable service level (never shown as law)."""

    code = models.SlugField(max_length=60, unique=True)
    instrument = models.ForeignKey(Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="deadline_rules")
    network = models.ForeignKey(Network, null=True, blank=True, on_delete=models.PROTECT, related_name="service_levels")
    description = models.CharField(max_length=300)
    trigger = models.CharField(max_length=60, help_text="Event that starts the clock (transmission, receipt, recognition…)")
    period = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=20, choices=DeadlineUnit.choices)
    extension_period = models.PositiveIntegerField(null=True, blank=True)
    roll_forward = models.BooleanField(default=False, help_text="Reg. 1182/71 Art. 3(4): a last day off rolls to the next working day")
    is_legal_limit = models.BooleanField(default=False)
    applies_to = models.CharField(max_length=40, blank=True, help_text="Request kind or record the rule applies to")
    applies_from = models.DateField(null=True, blank=True, help_text=_("First day the rule applies (e.g. a regulation's application date)"))

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__in=["requested_date"]) | Q(period__isnull=False) | Q(unit="service_level"),
                name="deadline_rule_has_period",
            ),
            models.CheckConstraint(
                condition=~Q(is_legal_limit=True, unit__in=["requested_date", "service_level"]),
                name="deadline_rule_service_level_not_law",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Offence(Sourced):
    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200, blank=True)
    name_pt = models.CharField(max_length=200, blank=True)
    name_fr = models.CharField(max_length=200, blank=True)
    iccs_code = models.CharField(max_length=10, blank=True)
    eu_list_offence = models.BooleanField(default=False, help_text="On the EU list (no dual-criminality check)")
    fiscal = models.BooleanField(default=False, help_text="A fiscal / tax offence")

    name = TranslatedName.name

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Measure(Sourced):
    """A measure that can be requested (domain.md §1.7), coercive or not (UNCAC 46(9)(b), Nassau art. 5)."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200, blank=True)
    name_pt = models.CharField(max_length=200, blank=True)
    name_fr = models.CharField(max_length=200, blank=True)
    coercive = models.BooleanField()
    instruments = models.ManyToManyField(Instrument, blank=True, related_name="measures")
    extra_fields = models.JSONField(default=list, blank=True, help_text="Details this measure needs")

    name = TranslatedName.name

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RefusalGround(Sourced):
    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200, blank=True)
    name_pt = models.CharField(max_length=200, blank=True)
    name_fr = models.CharField(max_length=200, blank=True)
    discretionary = models.BooleanField(default=False)
    instruments = models.ManyToManyField(Instrument, blank=True, related_name="refusal_grounds")
    postponement = models.BooleanField(default=False, help_text="A postponement reason rather than a refusal ground")

    name = TranslatedName.name

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RestrictionKind(models.TextChoices):
    NEVER = "never", _("never a valid ground")
    NOT_SOLELY = "not_solely", _("not valid as the only ground under the instrument")
    NOT_BETWEEN_PARTIES = "not_between_parties", _("not valid between parties to the instrument")
    NOT_FOR_NON_COERCIVE = "not_for_non_coercive", _("not valid for non-coercive measures under the instrument")
    NOT_FOR_LIST_OFFENCES = "not_for_list_offences", _("not valid for list offences under the instrument")


class RefusalRestriction(Sourced):
    """Where the law forbids a ground: data, so that a treaty change is a data change."""

    ground = models.ForeignKey(RefusalGround, on_delete=models.CASCADE, related_name="restrictions")
    kind = models.CharField(max_length=30, choices=RestrictionKind.choices)
    instrument = models.ForeignKey(Instrument, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    explanation = models.CharField(max_length=400)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="never") | Q(instrument__isnull=False), name="refusal_restriction_needs_instrument"
            ),
            # Two partial indexes rather than NULLS NOT DISTINCT, which SQLite (make run) lacks.
            models.UniqueConstraint(
                fields=["ground", "kind", "instrument"], condition=Q(instrument__isnull=False), name="refusal_restriction_unique"
            ),
            models.UniqueConstraint(
                fields=["ground", "kind"], condition=Q(instrument__isnull=True), name="refusal_restriction_unique_general"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ground.code}: {self.kind} {self.instrument.code if self.instrument_id else ''}".strip()


class HolidayOverride(models.Model):
    """Corrections to the `holidays` library: a day added (is_holiday) or removed for a state."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="holiday_overrides")
    date = models.DateField()
    name = models.CharField(max_length=200)
    is_holiday = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "date"], name="holiday_override_unique")]

    def __str__(self) -> str:
        return f"{self.country_id} {self.date}: {self.name}"


class ReferenceDataset(models.Model):
    """What the loader last wrote from one data file section: lets it tell rows it manages from rows staff added."""

    kind = models.SlugField(max_length=40, unique=True)
    file = models.CharField(max_length=100)
    version = models.CharField(max_length=40)
    checksum = models.CharField(max_length=64, help_text=_("SHA-256 of the file loaded"))
    keys = models.JSONField(default=list, help_text=_("Natural keys of the rows loaded from the file"))
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind} {self.version}"
