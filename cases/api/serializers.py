"""Shapes of cases and JITs in the API; reference data and authorities travel by `code`."""

from rest_framework import serializers

from cases.models import Case, Confidentiality, JITParty, JointInvestigationTeam
from cases.selectors import cases_visible_to
from cases.workflow import CASE_WORKFLOW, JIT_SERVICE_ONLY_ACTIONS, JIT_WORKFLOW
from coopcases.api.serializers import (
    CodeRelatedField,
    PlausibleDateField,
    StrictSerializer,
    TransitionRequestSerializer,
)
from networks.models import Authority, Country, Instrument, Offence

TEXT = 20000


def _codes(manager) -> list[str]:
    return sorted(row.code for row in manager.all())


class CaseSerializer(serializers.ModelSerializer):
    lead_authority = serializers.CharField(source="lead_authority.code", read_only=True)
    offences = serializers.SerializerMethodField()
    participating_countries = serializers.SerializerMethodField()
    participating_authorities = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "national_reference", "title", "lead_authority", "status", "confidentiality", "offences",
                  "participating_countries", "participating_authorities", "version", "created_at", "updated_at"]
        read_only_fields = fields

    def get_offences(self, obj) -> list[str]:
        return _codes(obj.offences)

    def get_participating_countries(self, obj) -> list[str]:
        return _codes(obj.participating_countries)

    def get_participating_authorities(self, obj) -> list[str]:
        return _codes(obj.participating_authorities)


class CaseWriteSerializer(StrictSerializer):
    """Create: `national_reference` and `title` required (the lead authority is the caller's); PATCH: any subset."""

    national_reference = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=300)
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices, required=False)
    offences = CodeRelatedField(queryset=Offence.objects.all(), many=True, required=False, help_text="Offence codes")
    participating_countries = CodeRelatedField(queryset=Country.objects.all(), many=True, required=False, help_text="ISO 3166-1 alpha-2 codes")
    participating_authorities = CodeRelatedField(queryset=Authority.objects.all(), many=True, required=False, help_text="Authority codes")


class CaseTransitionSerializer(TransitionRequestSerializer):
    action = serializers.ChoiceField(choices=sorted(CASE_WORKFLOW.transitions))


class JITPartySerializer(serializers.ModelSerializer):
    authority = serializers.CharField(source="authority.code")
    country = serializers.CharField(source="country_id")

    class Meta:
        model = JITParty
        fields = ["authority", "country", "coordinating", "signed_on", "signatory"]
        read_only_fields = fields


class JITSerializer(serializers.ModelSerializer):
    legal_basis = serializers.CharField(source="legal_basis.code", read_only=True)
    states_of_operation = serializers.SerializerMethodField()
    parties = JITPartySerializer(many=True, read_only=True)

    class Meta:
        model = JointInvestigationTeam
        fields = ["id", "case", "title", "legal_basis", "legal_basis_article", "purpose", "states_of_operation", "start_date",
                  "end_date", "status", "parties", "version", "activated_at", "ended_at", "created_at", "updated_at"]
        read_only_fields = fields

    def get_states_of_operation(self, obj) -> list[str]:
        return _codes(obj.states_of_operation)


class JITWriteSerializer(StrictSerializer):
    """Create: every field but `legal_basis_article` and `states_of_operation` required. PATCH (while proposed or
    drafting): any subset except `case`. `parties`: authority codes, the first coordinates."""

    case = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="A case you can see")
    title = serializers.CharField(max_length=300)
    legal_basis = CodeRelatedField(queryset=Instrument.objects.all(), help_text="Instrument code")
    legal_basis_article = serializers.CharField(max_length=60, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=TEXT)
    start_date = PlausibleDateField()
    end_date = PlausibleDateField()
    parties = CodeRelatedField(queryset=Authority.objects.select_related("country"), many=True, help_text="Authority codes, the coordinating party first")
    states_of_operation = CodeRelatedField(queryset=Country.objects.all(), many=True, required=False, help_text="ISO 3166-1 alpha-2 codes")

    def validate_case(self, value):
        case = cases_visible_to(self.context["request"].user).filter(pk=value).first()
        if case is None:
            raise serializers.ValidationError("unknown case", code="unknown")
        return case

    def validate(self, attrs):
        if self.partial and "case" in self.initial_data:
            raise serializers.ValidationError({"case": ["a JIT stays with its case"]}, code="read_only")
        return attrs


class JITTransitionSerializer(TransitionRequestSerializer):
    """Amendments are requested and brought into force by filing and signing them, not here."""

    action = serializers.ChoiceField(choices=sorted(set(JIT_WORKFLOW.transitions) - JIT_SERVICE_ONLY_ACTIONS))
