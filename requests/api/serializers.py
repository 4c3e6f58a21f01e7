"""Shapes of MLA requests in the API. Reference data travels by `code`, authorities by their `code` too.

Write serializers check shape only (types, lengths, enums, unknown keys); `requests.services` decides the rest.
"""

from django.utils import timezone
from rest_framework import serializers

from cases.selectors import cases_visible_to
from coopcases.accounts.policy import policy
from coopcases.api.serializers import (
    CodeRelatedField,
    ConfidentialFieldsMixin,
    PlausibleDateField,
    StrictSerializer,
    TransitionRequestSerializer,
)
from networks.models import Authority, Country, Instrument, Measure, Network, Offence
from requests import selectors
from requests.models import (
    Attachment,
    Audience,
    Channel,
    DocumentType,
    Message,
    MlaRequest,
    MlaRequestKind,
    RequestMeasure,
)
from requests.services import TRANSITION_PARAMS
from requests.workflow import MLA_WORKFLOW

TEXT = 20000
CODE = 80


def _codes(manager) -> list[str]:
    return sorted(row.code for row in manager.all())


class MlaRequestSerializer(ConfidentialFieldsMixin, serializers.ModelSerializer):
    facts_summary = serializers.CharField(
        read_only=True, allow_null=True, help_text="null when the caller may see the request but not its confidential content"
    )
    requesting_authority = serializers.CharField(source="requesting_authority.code", read_only=True)
    requesting_state = serializers.CharField(source="requesting_state_id", read_only=True, help_text="ISO 3166-1 alpha-2")
    requested_state = serializers.CharField(source="requested_state_id", read_only=True, help_text="ISO 3166-1 alpha-2")
    requesting_central_authority = serializers.CharField(source="requesting_central_authority.code", read_only=True, allow_null=True, default=None)
    requested_central_authority = serializers.CharField(source="requested_central_authority.code", read_only=True, allow_null=True, default=None)
    executing_authority = serializers.CharField(source="executing_authority.code", read_only=True, allow_null=True, default=None)
    channel_network = serializers.CharField(source="channel_network.code", read_only=True, allow_null=True, default=None)
    legal_bases = serializers.SerializerMethodField()
    offences = serializers.SerializerMethodField()
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Earliest open or paused deadline")
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = MlaRequest
        fields = [
            "id", "reference", "kind", "title", "state", "version", "case",
            "requesting_authority", "requesting_state", "requesting_central_authority",
            "requested_state", "requested_central_authority", "executing_authority",
            "legal_bases", "channel", "channel_network", "offences",
            "subject_and_authority", "facts_summary", "purpose", "special_procedure", "persons_unknown_reason",
            "urgent", "urgency_reason", "confidentiality_required", "confidentiality_note", "use_restriction",
            "requested_due_date", "due_reason", "language", "additional_content",
            "next_due_at", "overdue", "created_at", "updated_at", "submitted_at", "approved_at", "transmitted_at", "finished_at",
        ]
        read_only_fields = fields

    def get_legal_bases(self, obj) -> list[str]:
        return _codes(obj.legal_bases)

    def get_offences(self, obj) -> list[str]:
        return _codes(obj.offences)


class MlaRequestRepresentation:
    """`MlaRequestSerializer`'s output, built by a plain function from rows of `selectors.mla_request_rows` (with
    `with_codes`): no model instances, no field machinery, no query per row (the confidential fields are nulled by
    the row's `confidential_shown`, decided in SQL). MlaRequestSerializer stays the declared shape (schema);
    tests/api/test_mla_request_rows.py checks both give the same representation."""

    confidential = [name for name in policy().kinds[selectors.KIND].confidential if name in MlaRequestSerializer.Meta.fields]

    def __init__(self):
        self.zone = timezone.get_current_timezone()

    def _moment(self, value):
        if value is None:
            return None
        text = value.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def __call__(self, row: dict) -> dict:
        moment = self._moment
        due = row["requested_due_date"]
        data = {
            "id": row["id"], "reference": row["reference"], "kind": row["kind"], "title": row["title"], "state": row["state"],
            "version": row["version"], "case": row["case_id"],
            "requesting_authority": row["requesting_authority__code"], "requesting_state": row["requesting_state_id"],
            "requesting_central_authority": row["requesting_central_authority__code"],
            "requested_state": row["requested_state_id"], "requested_central_authority": row["requested_central_authority__code"],
            "executing_authority": row["executing_authority__code"],
            "legal_bases": row["legal_basis_codes"], "channel": row["channel"], "channel_network": row["channel_network__code"],
            "offences": row["offence_codes"],
            "subject_and_authority": row["subject_and_authority"], "facts_summary": row["facts_summary"], "purpose": row["purpose"],
            "special_procedure": row["special_procedure"], "persons_unknown_reason": row["persons_unknown_reason"],
            "urgent": row["urgent"], "urgency_reason": row["urgency_reason"], "confidentiality_required": row["confidentiality_required"],
            "confidentiality_note": row["confidentiality_note"], "use_restriction": row["use_restriction"],
            "requested_due_date": None if due is None else due.isoformat(), "due_reason": row["due_reason"],
            "language": row["language"], "additional_content": row["additional_content"],
            "next_due_at": moment(row["next_due_at"]), "overdue": bool(row["overdue"]),
            "created_at": moment(row["created_at"]), "updated_at": moment(row["updated_at"]),
            "submitted_at": moment(row["submitted_at"]), "approved_at": moment(row["approved_at"]),
            "transmitted_at": moment(row["transmitted_at"]), "finished_at": moment(row["finished_at"]),
        }
        if not row["confidential_shown"]:
            data.update(dict.fromkeys(self.confidential))
        return data

    def many(self, rows: list[dict]) -> list[dict]:
        return [self(row) for row in selectors.with_codes(rows)]


class MlaRequestWriteSerializer(StrictSerializer):
    """The fields a drafter sets (create: `title`, `requested_state` and `language` required; PATCH: any subset)."""

    title = serializers.CharField(max_length=300)
    requested_state = CodeRelatedField(queryset=Country.objects.all(), help_text="ISO 3166-1 alpha-2 code of the requested state")
    language = serializers.CharField(max_length=8, help_text="ISO 639-1 code")
    kind = serializers.ChoiceField(choices=MlaRequestKind.choices, required=False)
    legal_bases = CodeRelatedField(queryset=Instrument.objects.all(), many=True, required=False, help_text="Instrument codes")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    channel_network = CodeRelatedField(queryset=Network.objects.all(), required=False, allow_null=True, help_text="Network code (channel `network`)")
    offences = CodeRelatedField(queryset=Offence.objects.all(), many=True, required=False, help_text="Offence codes")
    case = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1, help_text="A case of the requesting authority you can see")
    requested_central_authority = CodeRelatedField(queryset=Authority.objects.all(), required=False, allow_null=True, help_text="Authority code; derived from the legal bases when absent")
    requesting_central_authority = CodeRelatedField(queryset=Authority.objects.all(), required=False, allow_null=True, help_text="Authority code; derived from the legal bases when absent")
    subject_and_authority = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    facts_summary = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    special_procedure = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    persons_unknown_reason = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    urgent = serializers.BooleanField(required=False)
    urgency_reason = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    confidentiality_required = serializers.BooleanField(required=False)
    confidentiality_note = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    use_restriction = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    requested_due_date = PlausibleDateField(required=False, allow_null=True)
    due_reason = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    additional_content = serializers.DictField(child=serializers.CharField(max_length=TEXT, allow_blank=True), required=False, help_text="Content element code → text")

    def validate_case(self, value):
        if value is not None and not cases_visible_to(self.context["request"].user).filter(pk=value).exists():
            raise serializers.ValidationError("unknown case", code="unknown")
        return value


class MlaTransitionSerializer(TransitionRequestSerializer):
    """`params` of the MLA actions: `executing_authority` (assign_executing_authority, resume_execution), `grounds`
    (refuse: refusal-ground codes), `ground` (postpone: a postponement ground code), `conditions` (grant_with_conditions)."""

    action = serializers.ChoiceField(choices=sorted(MLA_WORKFLOW.transitions))
    executing_authority = CodeRelatedField(queryset=Authority.objects.all(), required=False, help_text="Authority code")
    grounds = serializers.ListField(child=serializers.CharField(max_length=CODE), required=False, max_length=20, help_text="Refusal-ground codes")
    ground = serializers.CharField(max_length=CODE, required=False, help_text="Postponement ground code")
    conditions = serializers.CharField(max_length=TEXT, required=False)

    def validate(self, attrs):
        allowed = TRANSITION_PARAMS.get(attrs["action"], frozenset())
        extra = sorted(set(attrs) - {"action", "reason"} - allowed)
        if extra:
            raise serializers.ValidationError({name: [f"not a parameter of '{attrs['action']}'"] for name in extra}, code="unknown_field")
        return attrs


class AttachmentSerializer(serializers.ModelSerializer):
    authority = serializers.CharField(source="authority.code", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "document_type", "original_name", "description", "sha256", "size", "mime_type", "language",
                  "supersedes", "version_number", "translation_of", "authority", "uploaded_at"]
        read_only_fields = fields


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="The document; its type is sniffed from the content against an allow-list")
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, help_text="Attachment of this request it is a new version of")
    translation_of = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, help_text="Attachment of this request it translates")


class MessageSerializer(serializers.ModelSerializer):
    authority = serializers.CharField(source="authority.code", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "authority", "body", "audience", "created_at"]
        read_only_fields = fields


class MessageWriteSerializer(StrictSerializer):
    body = serializers.CharField(max_length=TEXT)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False, default=Audience.EVERYONE)


class MeasureSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code", read_only=True)

    class Meta:
        model = RequestMeasure
        fields = ["id", "measure", "details", "extra", "status", "outcome", "created_at", "updated_at"]
        read_only_fields = fields


class MeasureWriteSerializer(StrictSerializer):
    measure = CodeRelatedField(queryset=Measure.objects.all(), help_text="Measure code, e.g. RECORDS")
    details = serializers.CharField(max_length=TEXT, required=False, allow_blank=True, default="")
    extra = serializers.DictField(child=serializers.CharField(max_length=TEXT, allow_blank=True), required=False, default=dict,
                                  help_text="The measure's own fields (its `extra_fields`)")
