"""Shapes of assets, their orders and sharing agreements. Business rules stay in assets/services.py."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import (
    AgreementBasis,
    AgreementKind,
    Asset,
    AssetKind,
    AssetOrder,
    DisposalMethod,
    HolderType,
    OrderKind,
    ProceedingType,
    SharingAgreement,
    SharingDeduction,
    SharingRule,
    SharingShare,
)
from assets.selectors import assets_visible_to
from assets.services import ASSET_EDITABLE
from assets.workflow import asset_workflow
from cases.models import Case
from cases.selectors import cases_visible_to
from coopcases.api.serializers import CodeRelatedField, StrictSerializer, TransitionRequestSerializer
from networks.api.serializers import AuthorityRefSerializer, CountryRefSerializer
from networks.models import Authority, ContactPoint, Country, Instrument, Network
from requests.selectors import mla_requests_visible_to


class CaseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "national_reference"]


@extend_schema_field(OpenApiTypes.INT)
class _VisibleTo(serializers.PrimaryKeyRelatedField):
    """An id among the objects the caller may see: any other id is 'does not exist', never a hint it exists."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].user)


def _money(**kw):
    return serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=True, **kw)


def _currency(**kw):
    return serializers.RegexField(r"^[A-Z]{3}$", allow_blank=True, help_text="ISO 4217 code", **kw)


# --- assets -----------------------------------------------------------------------------------------------------


class AssetSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer(read_only=True)
    location_state = CountryRefSerializer(read_only=True)
    responsible_authority = AuthorityRefSerializer(read_only=True)
    estimated_amount = _money(read_only=True, allow_null=True)
    realised_amount = _money(read_only=True, allow_null=True)

    class Meta:
        model = Asset
        fields = [
            "id", "case", "kind", "description", "identifiers", "reference", "location_state", "holder_name",
            "holder_type", "estimated_amount", "estimated_currency", "valuation_date", "state", "responsible_authority",
            "frozen_at", "confiscated_at", "realised_at", "realised_amount", "realised_currency", "shared_at",
            "returned_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AssetWriteSerializer(StrictSerializer):
    description = serializers.CharField(max_length=500)
    identifiers = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    location_state = CodeRelatedField(queryset=Country.objects.all(), help_text="ISO 3166-1 alpha-2 code")
    holder_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    holder_type = serializers.ChoiceField(HolderType.choices, required=False)
    estimated_amount = _money(required=False, allow_null=True)
    estimated_currency = _currency(required=False)
    valuation_date = serializers.DateField(required=False, allow_null=True)
    responsible_authority = serializers.PrimaryKeyRelatedField(queryset=Authority.objects.all(), required=False, allow_null=True)


class AssetCreateSerializer(AssetWriteSerializer):
    case = _VisibleTo(cases_visible_to, help_text="A case of the caller's authority")
    kind = serializers.ChoiceField(AssetKind.choices)


class AssetUpdateSerializer(AssetWriteSerializer):
    """Every field optional: only the ones sent change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ASSET_EDITABLE:
            self.fields[name].required = False


class AssetTransitionSerializer(TransitionRequestSerializer):
    action = serializers.ChoiceField(sorted(asset_workflow.transitions), help_text="One of the actions listed by GET …/transitions/.")


# --- orders -----------------------------------------------------------------------------------------------------


class AssetOrderSerializer(serializers.ModelSerializer):
    issuing_authority = AuthorityRefSerializer(read_only=True, allow_null=True)
    executing_state = CountryRefSerializer(read_only=True, allow_null=True)
    executing_authority = AuthorityRefSerializer(read_only=True, allow_null=True)
    custodian_authority = AuthorityRefSerializer(read_only=True, allow_null=True)
    legal_basis = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    network = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    proceeding_type = serializers.ChoiceField(ProceedingType.choices, allow_blank=True, read_only=True)
    disposal_method = serializers.ChoiceField(DisposalMethod.choices, allow_blank=True, read_only=True)
    costs_amount = _money(read_only=True, allow_null=True)
    realised_amount = _money(read_only=True, allow_null=True)
    etag = serializers.SerializerMethodField(help_text="Send it back in If-Match to change the order")

    class Meta:
        model = AssetOrder
        fields = [
            "id", "asset", "case", "kind", "reference", "mla_request", "issuing_authority", "executing_state",
            "executing_authority", "legal_basis", "legal_basis_note", "issued_on", "effective_on", "renewal_due_on",
            "network", "contact_point", "answered_on", "answer", "proceeding_type", "final", "custodian",
            "custodian_authority", "costs_amount", "costs_currency", "interim_sale", "disposal_method",
            "realised_amount", "realised_currency", "lifted_on", "lift_reason", "notes", "etag", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_etag(self, obj) -> str:
        return order_etag(obj)


def order_version(order: AssetOrder) -> int:
    """Orders carry no version column: their last change time (µs) stands in for it."""
    return int(order.updated_at.timestamp() * 1_000_000)


def order_etag(order: AssetOrder) -> str:
    return f'"v{order_version(order)}"'


class AssetOrderCreateSerializer(StrictSerializer):
    asset = _VisibleTo(assets_visible_to)
    kind = serializers.ChoiceField(OrderKind.choices)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True)
    mla_request = _VisibleTo(mla_requests_visible_to, required=False, allow_null=True)
    issuing_authority = serializers.PrimaryKeyRelatedField(queryset=Authority.objects.all(), required=False, allow_null=True)
    executing_state = CodeRelatedField(queryset=Country.objects.all(), required=False, allow_null=True)
    executing_authority = serializers.PrimaryKeyRelatedField(queryset=Authority.objects.all(), required=False, allow_null=True)
    legal_basis = CodeRelatedField(queryset=Instrument.objects.all(), required=False, allow_null=True)
    legal_basis_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    issued_on = serializers.DateField(required=False, allow_null=True)
    effective_on = serializers.DateField(required=False, allow_null=True)
    renewal_due_on = serializers.DateField(required=False, allow_null=True)
    network = CodeRelatedField(queryset=Network.objects.all(), required=False, allow_null=True)
    contact_point = serializers.PrimaryKeyRelatedField(queryset=ContactPoint.objects.all(), required=False, allow_null=True)
    answered_on = serializers.DateField(required=False, allow_null=True)
    answer = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    proceeding_type = serializers.ChoiceField(ProceedingType.choices, required=False, allow_blank=True)
    final = serializers.BooleanField(required=False)
    custodian = serializers.CharField(max_length=300, required=False, allow_blank=True)
    custodian_authority = serializers.PrimaryKeyRelatedField(queryset=Authority.objects.all(), required=False, allow_null=True)
    costs_amount = _money(required=False, allow_null=True)
    costs_currency = _currency(required=False)
    interim_sale = serializers.BooleanField(required=False)
    disposal_method = serializers.ChoiceField(DisposalMethod.choices, required=False, allow_blank=True)
    realised_amount = _money(required=False, allow_null=True)
    realised_currency = _currency(required=False)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class AssetOrderUpdateSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    answered_on = serializers.DateField(required=False, allow_null=True)
    answer = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    final = serializers.BooleanField(required=False)
    renewal_due_on = serializers.DateField(required=False, allow_null=True)
    effective_on = serializers.DateField(required=False, allow_null=True)
    costs_amount = _money(required=False, allow_null=True)
    costs_currency = _currency(required=False)



# --- sharing and return agreements ------------------------------------------------------------------------------


class ShareSerializer(serializers.ModelSerializer):
    party = serializers.CharField(source="party_id", read_only=True)
    percentage = serializers.DecimalField(max_digits=7, decimal_places=4, read_only=True, allow_null=True)
    fixed_amount = _money(read_only=True, allow_null=True)
    amount = _money(read_only=True)

    class Meta:
        model = SharingShare
        fields = ["party", "percentage", "fixed_amount", "amount"]


class DeductionSerializer(serializers.ModelSerializer):
    incurred_by = serializers.CharField(source="incurred_by_id", read_only=True)
    amount = _money(read_only=True)

    class Meta:
        model = SharingDeduction
        fields = ["description", "amount", "incurred_by"]


class SharingAgreementSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer(read_only=True)
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    sharing_rule = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assets = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    holding_state = serializers.CharField(source="holding_state_id", read_only=True)
    remainder_party = serializers.CharField(source="remainder_party_id", read_only=True)
    realised_amount = _money(read_only=True)
    distributable_amount = _money(read_only=True)
    shares = ShareSerializer(many=True, read_only=True)
    deductions = DeductionSerializer(many=True, read_only=True)

    class Meta:
        model = SharingAgreement
        fields = [
            "id", "case", "kind", "basis", "instrument", "reference", "sharing_rule", "split_explanation", "assets",
            "holding_state", "currency", "realised_amount", "distributable_amount", "remainder_party", "shares",
            "deductions", "state", "agreed_on", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ShareInputSerializer(StrictSerializer):
    party = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2 code")
    percentage = serializers.DecimalField(max_digits=7, decimal_places=4, required=False, allow_null=True)
    fixed_amount = _money(required=False, allow_null=True)


class DeductionInputSerializer(StrictSerializer):
    description = serializers.CharField(max_length=300)
    amount = _money()
    incurred_by = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2 code")


class SharingAgreementCreateSerializer(StrictSerializer):
    case = _VisibleTo(cases_visible_to)
    kind = serializers.ChoiceField(AgreementKind.choices)
    basis = serializers.ChoiceField(AgreementBasis.choices)
    assets = _VisibleTo(assets_visible_to, many=True)
    shares = ShareInputSerializer(many=True, required=False)
    sharing_rule = CodeRelatedField(queryset=SharingRule.objects.all(), required=False, allow_null=True)
    issuing_state = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_null=True)
    holding_state = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_null=True)
    deductions = DeductionInputSerializer(many=True, required=False)
    remainder_party = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_null=True)
    instrument = CodeRelatedField(queryset=Instrument.objects.all(), required=False, allow_null=True)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True)


class AgreementTransitionSerializer(TransitionRequestSerializer):
    action = serializers.ChoiceField(
        ["agree", "cancel"], help_text="agree concludes the draft (its assets become shared or returned); cancel needs a reason"
    )

