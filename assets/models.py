"""Asset recovery: assets of a case, the orders on them, sharing and return agreements, exchange rates.

Amounts are DecimalField(20, 4) with a separate ISO 4217 code (never a float, never an amount without its
currency); services check that an amount carries no more decimals than its currency has.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coopcases.core.models import Sourced, TimeStamped, Versioned


def _amount(verbose_name, **kw):
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=4, **kw)


def _currency(verbose_name=None, **kw):
    return models.CharField(verbose_name or _("currency"), max_length=3, blank=True, **kw)


def _money_pair(prefix: str, name: str) -> models.CheckConstraint:
    """An amount and its currency are present together or absent together."""
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_amount__isnull": True, f"{prefix}_currency": ""})
        | Q(**{f"{prefix}_amount__isnull": False, f"{prefix}_amount__gte": 0, f"{prefix}_currency__regex": r"^[A-Z]{3}$"}),
        name=name,
    )


class AssetKind(models.TextChoices):
    ACCOUNT = "account", _("Bank or payment account")
    REAL_ESTATE = "real_estate", _("Real estate")
    VEHICLE = "vehicle", _("Vehicle")
    VESSEL = "vessel", _("Vessel")
    AIRCRAFT = "aircraft", _("Aircraft")
    COMPANY = "company", _("Company or shares")
    CRYPTO = "crypto", _("Crypto-asset")
    CASH = "cash", _("Cash")
    SECURITIES = "securities", _("Securities")
    VALUABLES = "valuables", _("Valuables")
    OTHER = "other", _("Other")


class AssetState(models.TextChoices):
    IDENTIFIED = "identified", _("identified")
    TRACED = "traced", _("traced")
    FROZEN = "frozen", _("frozen")
    SEIZED = "seized", _("seized")
    CONFISCATED = "confiscated", _("confiscated")
    UNDER_MANAGEMENT = "under_management", _("under management")
    REALISED = "realised", _("realised")
    DISPOSED = "disposed", _("disposed of")
    SHARED = "shared", _("shared")
    RETURNED = "returned", _("returned")
    RELEASED = "released", _("released")
    NOT_FOUND = "not_found", _("not found")
    CLOSED = "closed", _("closed")


class HolderType(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("Natural person")
    LEGAL_ENTITY = "legal_entity", _("Legal entity")
    UNKNOWN = "unknown", _("Unknown")


class Asset(TimeStamped, Versioned):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="assets", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=AssetKind.choices)
    description = models.CharField(_("description"), max_length=500)
    identifiers = models.JSONField(_("identifiers"), default=dict, blank=True, help_text=_("Checked per kind (assets/identifiers.py)"))
    reference = models.CharField(
        _("main identifier"), max_length=200, blank=True, help_text=_("Normalised IBAN, VIN, IMO number, address… to find duplicates")
    )
    location_state = models.ForeignKey("networks.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("location state"))
    # The cases app's persons of interest will replace these two fields with a link; until then name and type.
    holder_name = models.CharField(_("holder"), max_length=300, blank=True)
    holder_type = models.CharField(_("holder type"), max_length=20, choices=HolderType.choices, default=HolderType.UNKNOWN)
    estimated_amount = _amount(_("estimated value"), null=True, blank=True)
    estimated_currency = _currency()
    valuation_date = models.DateField(_("valuation date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=AssetState.choices, default=AssetState.IDENTIFIED)
    responsible_authority = models.ForeignKey(
        "networks.Authority", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible authority"),
        help_text=_("The authority that follows this asset file"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Milestones, written by the workflow only; the reports count an asset "frozen" once it ever was.
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    confiscated_at = models.DateTimeField(null=True, blank=True, editable=False)
    realised_at = models.DateTimeField(null=True, blank=True, editable=False)
    realised_amount = _amount(_("realised amount"), null=True, blank=True, editable=False)
    realised_currency = _currency(editable=False)
    shared_at = models.DateTimeField(null=True, blank=True, editable=False)
    returned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [
            models.Index(fields=["case", "state"], name="asset_case_state_idx"),
            models.Index(fields=["location_state", "state"], name="asset_state_location_idx"),
            models.Index(fields=["reference"], name="asset_reference_idx", condition=~Q(reference="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_amount__isnull=True, estimated_currency="", valuation_date__isnull=True)
                | Q(
                    estimated_amount__isnull=False,
                    estimated_amount__gte=0,
                    estimated_currency__regex=r"^[A-Z]{3}$",
                    valuation_date__isnull=False,
                ),
                name="asset_estimate_complete",
            ),
            _money_pair("realised", "asset_realised_money_pair"),
            models.UniqueConstraint(
                fields=["case", "kind", "reference"], condition=~Q(reference=""), name="asset_unique_reference_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference or self.description[:60]}"


class OrderKind(models.TextChoices):
    TRACING_ENQUIRY = "tracing_enquiry", _("Informal tracing enquiry")
    FREEZING = "freezing", _("Freezing order")
    SEIZURE = "seizure", _("Seizure order")
    CONFISCATION = "confiscation", _("Confiscation order")
    MANAGEMENT = "management", _("Management")
    DISPOSAL = "disposal", _("Disposal")


PROVISIONAL_KINDS = (OrderKind.FREEZING, OrderKind.SEIZURE)
JUDICIAL_KINDS = (OrderKind.FREEZING, OrderKind.SEIZURE, OrderKind.CONFISCATION)


class ProceedingType(models.TextChoices):
    """Foreign recognition depends on it (domain.md §4.3; Reg. 2018/1805 Art. 2(3)(d))."""

    CONVICTION_BASED = "conviction_based", _("Criminal, conviction-based")
    NCB_CRIMINAL = "ncb_criminal", _("Criminal, non-conviction-based")
    EXTINCION_DE_DOMINIO = "extincion_de_dominio", _("Extinción de dominio (in rem)")
    CIVIL = "civil", _("Civil")


class DisposalMethod(models.TextChoices):
    SALE = "sale", _("Sale")
    COLLECTION = "collection", _("Collection of funds (cash, accounts, crypto converted)")
    DESTRUCTION = "destruction", _("Destruction")
    SOCIAL_REUSE = "social_reuse", _("Social or public re-use")


REALISING_METHODS = (DisposalMethod.SALE, DisposalMethod.COLLECTION)


class AssetOrder(TimeStamped):
    """A measure on an asset: an informal enquiry, an order of a court or competent authority, or a management
    or disposal step. It is the evidence the lifecycle's guards look for."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="orders")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", help_text=_("The asset's case"))
    kind = models.CharField(_("kind"), max_length=20, choices=OrderKind.choices)
    reference = models.CharField(_("order reference"), max_length=120, blank=True)
    mla_request = models.ForeignKey(
        "mla.MlaRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="asset_orders",
        verbose_name=_("MLA request that carried it"),
    )
    issuing_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing authority")
    )
    executing_state = models.ForeignKey(
        "networks.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("executing state")
    )
    executing_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("executing authority")
    )
    legal_basis = models.ForeignKey(
        "networks.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("legal basis")
    )
    legal_basis_note = models.CharField(_("legal basis (provision)"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True, help_text=_("Executed, sold, destroyed…"))
    renewal_due_on = models.DateField(_("renewal or confirmation due on"), null=True, blank=True)
    # Tracing enquiry through an asset-recovery network (CARIN, RRAG, ARINs): intelligence, not evidence.
    network = models.ForeignKey("networks.Network", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("network"))
    contact_point = models.ForeignKey(
        "networks.ContactPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("contact point")
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    # Confiscation
    proceeding_type = models.CharField(_("proceeding type"), max_length=24, choices=ProceedingType.choices, blank=True)
    final = models.BooleanField(_("final"), default=False, help_text=_("No appeal pending"))
    # Management
    custodian = models.CharField(_("custodian"), max_length=300, blank=True)
    custodian_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("custodian authority")
    )
    costs_amount = _amount(_("costs"), null=True, blank=True)
    costs_currency = _currency(_("costs currency"))
    interim_sale = models.BooleanField(_("interim sale"), default=False)
    # Disposal (and interim sale proceeds)
    disposal_method = models.CharField(_("disposal method"), max_length=20, choices=DisposalMethod.choices, blank=True)
    realised_amount = _amount(_("realised amount"), null=True, blank=True)
    realised_currency = _currency(_("realised currency"))
    # Lifting (release of the asset)
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["asset", "issued_on", "id"]
        verbose_name = _("order or measure")
        verbose_name_plural = _("orders and measures")
        indexes = [
            models.Index(fields=["asset", "kind"], name="assetorder_asset_kind_idx"),
            models.Index(fields=["executing_state", "asset"], name="assetorder_exec_state_idx"),
            models.Index(fields=["network", "asset"], name="assetorder_network_idx", condition=Q(network__isnull=False)),
        ]
        constraints = [
            _money_pair("costs", "assetorder_costs_money_pair"),
            _money_pair("realised", "assetorder_realised_money_pair"),
            models.CheckConstraint(condition=~Q(kind="tracing_enquiry") | Q(network__isnull=False), name="assetorder_enquiry_has_network"),
            models.CheckConstraint(
                condition=~Q(kind__in=["freezing", "seizure", "confiscation"])
                | Q(issuing_authority__isnull=False, executing_state__isnull=False, issued_on__isnull=False),
                name="assetorder_judicial_order_complete",
            ),
            models.CheckConstraint(condition=~Q(kind="confiscation") | ~Q(proceeding_type=""), name="assetorder_confiscation_proceeding"),
            models.CheckConstraint(condition=Q(kind="confiscation") | Q(final=False), name="assetorder_final_only_confiscation"),
            models.CheckConstraint(condition=~Q(kind="disposal") | ~Q(disposal_method=""), name="assetorder_disposal_method"),
            models.CheckConstraint(
                condition=Q(renewal_due_on__isnull=True) | Q(issued_on__isnull=True) | Q(renewal_due_on__gte=models.F("issued_on")),
                name="assetorder_renewal_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(kind__in=["freezing", "seizure"]), name="assetorder_only_provisional_lifted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}".strip()


class ExchangeRate(models.Model):
    """How many units of `currency` one unit of `base` bought on `date` (ECB convention: 1 EUR = 1.0850 USD)."""

    date = models.DateField(_("date"))
    base = models.CharField(_("base currency"), max_length=3)
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=24, decimal_places=10)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        ordering = ["-date", "currency"]
        verbose_name = _("exchange rate")
        constraints = [
            models.UniqueConstraint(fields=["base", "currency", "date"], name="exchange_rate_unique_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(currency=models.F("base")), name="exchange_rate_not_to_itself"),
        ]
        indexes = [models.Index(fields=["base", "currency", "-date"], name="exchange_rate_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.date} 1 {self.base} = {self.rate} {self.currency}"


class ConfiscationPrerequisite(Sourced):
    """Data, not code: a confiscation under this legal basis and proceeding type needs the asset to have been
    frozen or seized first. An empty instrument or proceeding type matches any."""

    code = models.SlugField(max_length=60, unique=True)
    instrument = models.ForeignKey("networks.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proceeding_type = models.CharField(max_length=24, choices=ProceedingType.choices, blank=True)
    description = models.CharField(max_length=400)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SharingRule(Sourced):
    """A split the law sets between the executing and the issuing state, e.g. Reg. 2018/1805 Art. 30(7): up to the
    threshold everything accrues to the executing state; above it, the percentage applies to the whole amount."""

    code = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=400)
    threshold_amount = _amount(_("threshold"))
    threshold_currency = models.CharField(max_length=3)
    executing_share_up_to_threshold = models.DecimalField(max_digits=7, decimal_places=4)
    executing_share_above_threshold = models.DecimalField(max_digits=7, decimal_places=4)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(executing_share_up_to_threshold__gte=0, executing_share_up_to_threshold__lte=100)
                & Q(executing_share_above_threshold__gte=0, executing_share_above_threshold__lte=100)
                & Q(threshold_amount__gte=0),
                name="sharing_rule_percentages",
            )
        ]

    def __str__(self) -> str:
        return self.code


class AgreementKind(models.TextChoices):
    SHARING = "sharing", _("Sharing between states")
    RETURN = "return", _("Return (to the requesting state, legitimate owners or victims)")


class AgreementBasis(models.TextChoices):
    UNTOC_14 = "untoc_14", _("UNTOC art. 14")
    UNCAC_57 = "uncac_57", _("UNCAC art. 57")
    VIENNA_5_5 = "vienna_5_5", _("Vienna 1988 art. 5(5)")
    UN_MODEL = "un_model", _("UN model bilateral agreement on sharing (ECOSOC 2005/14)")
    EU_2018_1805 = "eu_2018_1805", _("Regulation (EU) 2018/1805 art. 30")
    BILATERAL = "bilateral", _("Bilateral treaty")
    CASE_SPECIFIC = "case_specific", _("Case-specific agreement")


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("draft")
    AGREED = "agreed", _("agreed")
    SETTLED = "settled", _("settled")
    CANCELLED = "cancelled", _("cancelled")


class SharingAgreement(TimeStamped, Versioned):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sharing_agreements")
    kind = models.CharField(_("kind"), max_length=10, choices=AgreementKind.choices)
    basis = models.CharField(_("legal basis"), max_length=20, choices=AgreementBasis.choices)
    instrument = models.ForeignKey("networks.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("agreement reference"), max_length=120, blank=True)
    sharing_rule = models.ForeignKey(
        SharingRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Set when the split comes from the law's default rather than a case-specific agreement"),
    )
    split_explanation = models.JSONField(default=dict, blank=True, help_text=_("How a default split was chosen (threshold, rate used)"))
    assets = models.ManyToManyField(Asset, related_name="sharing_agreements")
    holding_state = models.ForeignKey(
        "networks.Country", on_delete=models.PROTECT, related_name="+", help_text=_("The state holding the realised funds; it pays the others")
    )
    currency = models.CharField(_("currency"), max_length=3, help_text=_("The holding state's currency of the realised amount"))
    realised_amount = _amount(_("realised amount"))
    distributable_amount = _amount(_("amount to share"), help_text=_("Realised amount less the deductions"))
    remainder_party = models.ForeignKey(
        "networks.Country", on_delete=models.PROTECT, related_name="+",
        help_text=_("Receives the rounding remainder so that the shares add up exactly"),
    )
    state = models.CharField(_("state"), max_length=10, choices=AgreementState.choices, default=AgreementState.DRAFT)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "state"], name="agreement_case_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(realised_amount__gte=0, distributable_amount__gte=0, distributable_amount__lte=models.F("realised_amount")),
                name="agreement_amounts_consistent",
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="agreement_currency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference or self.pk}"


class SharingShare(models.Model):
    """One party's share: a percentage of the amount to share, or a fixed amount; `amount` is the result."""

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.CASCADE, related_name="shares")
    party = models.ForeignKey("networks.Country", on_delete=models.PROTECT, related_name="+")
    percentage = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    fixed_amount = _amount(_("fixed amount"), null=True, blank=True)
    amount = _amount(_("share"))

    class Meta:
        ordering = ["agreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party"], name="sharing_share_one_per_party"),
            models.CheckConstraint(
                condition=Q(percentage__isnull=False, fixed_amount__isnull=True, percentage__gt=0, percentage__lte=100)
                | Q(percentage__isnull=True, fixed_amount__isnull=False, fixed_amount__gte=0),
                name="sharing_share_percentage_or_fixed",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sharing_share_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.party_id}: {self.amount}"


class SharingDeduction(models.Model):
    """Reasonable expenses deducted before sharing (UNCAC art. 57(4)); reimbursed to the state that bore them."""

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.CASCADE, related_name="deductions")
    description = models.CharField(max_length=300)
    amount = _amount(_("amount"))
    incurred_by = models.ForeignKey("networks.Country", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreement", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="sharing_deduction_positive")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class Transfer(TimeStamped):
    """Money paid by the holding state to a party under an agreement."""

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.PROTECT, related_name="transfers")
    party = models.ForeignKey("networks.Country", on_delete=models.PROTECT, related_name="+")
    amount = _amount(_("amount"))
    currency = models.CharField(max_length=3)
    made_on = models.DateField(_("made on"))
    reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["agreement", "made_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive")]
        indexes = [models.Index(fields=["agreement", "party"], name="transfer_agreement_party_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} → {self.party_id}"
