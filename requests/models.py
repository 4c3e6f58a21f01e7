"""MLA requests: formal requests, EIOs, freezing/confiscation certificates, spontaneous information, informal enquiries.

Only `requests.workflow` writes `MlaRequest.state`; only `requests.services` writes anything else. Nothing here
is deleted by the application: attachments are superseded, decisions and messages accumulate.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coopcases.core.models import TimeStamped, Versioned


class MlaRequestKind(models.TextChoices):
    MLA = "mla", _("Formal mutual legal assistance request")
    EIO = "eio", _("European Investigation Order")
    FREEZING_CERTIFICATE = "freezing_certificate", _("Freezing certificate")
    CONFISCATION_CERTIFICATE = "confiscation_certificate", _("Confiscation certificate")
    SPONTANEOUS_INFORMATION = "spontaneous_information", _("Spontaneous information")
    INFORMAL_ENQUIRY = "informal_enquiry", _("Informal network enquiry (intelligence, not evidence)")


# Kinds that are requests for assistance in the sense of UNTOC 18(15): the legal basis' content rules apply.
FORMAL_KINDS = frozenset(
    {MlaRequestKind.MLA, MlaRequestKind.EIO, MlaRequestKind.FREEZING_CERTIFICATE, MlaRequestKind.CONFISCATION_CERTIFICATE}
)


class Channel(models.TextChoices):
    CENTRAL_AUTHORITY = "central_authority", _("Central authority to central authority")
    DIPLOMATIC = "diplomatic", _("Diplomatic channel")
    IBER_A = "iber_a", _("Iber@ (electronic transmission under the Medellín Treaty)")
    NETWORK = "network", _("Cooperation network")
    INTERPOL = "interpol", _("INTERPOL (urgent cases, where both states agree)")


class MlaRequestState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted to the central authority")
    RETURNED = "returned", _("returned for amendment")
    REJECTED_BY_CENTRAL_AUTHORITY = "rejected_by_central_authority", _("rejected by the central authority")
    APPROVED = "approved", _("approved")
    TRANSMITTED = "transmitted", _("transmitted")
    ACKNOWLEDGED = "acknowledged", _("received by the requested side")
    IN_EXECUTION = "in_execution", _("in execution")
    ADDITIONAL_INFORMATION_REQUESTED = "additional_information_requested", _("additional information requested")
    CONSULTATION = "consultation", _("in consultation")
    GRANTED_WITH_CONDITIONS = "granted_with_conditions", _("granted with conditions")
    POSTPONED = "postponed", _("postponed")
    PARTIALLY_EXECUTED = "partially_executed", _("partially executed")
    EXECUTED = "executed", _("executed")
    REFUSED = "refused", _("refused")
    IMPOSSIBLE = "impossible", _("impossible to execute")
    WITHDRAWN = "withdrawn", _("withdrawn")
    CLOSED = "closed", _("closed")


S = MlaRequestState
# Editable by the drafter.
EDITABLE_STATES = frozenset({S.DRAFT, S.RETURNED})
# Done on the requested side; only closing remains.
FINISHED_STATES = frozenset({S.EXECUTED, S.REFUSED, S.IMPOSSIBLE, S.WITHDRAWN})
# Nothing may change any more: read-only.
TERMINAL_STATES = frozenset({S.CLOSED, S.REJECTED_BY_CENTRAL_AUTHORITY})
OPEN_STATES = frozenset(S.values) - FINISHED_STATES - TERMINAL_STATES


class MlaRequest(TimeStamped, Versioned):
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="mla_requests")
    kind = models.CharField(_("kind"), max_length=30, choices=MlaRequestKind.choices, default=MlaRequestKind.MLA)
    reference = models.CharField(_("reference"), max_length=60, help_text=_("Issued by the service, e.g. PE-FN-2026-00042"))
    reference_year = models.PositiveSmallIntegerField()
    reference_sequence = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)

    requesting_authority = models.ForeignKey(
        "networks.Authority", on_delete=models.PROTECT, related_name="mla_requests_issued", verbose_name=_("requesting authority")
    )
    requesting_state = models.ForeignKey(
        "networks.Country", on_delete=models.PROTECT, related_name="mla_requests_issued", verbose_name=_("requesting state")
    )
    requesting_central_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="mla_requests_to_approve",
        verbose_name=_("requesting state's central authority"),
    )
    requested_state = models.ForeignKey(
        "networks.Country", on_delete=models.PROTECT, related_name="mla_requests_received", verbose_name=_("requested state")
    )
    requested_central_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="mla_requests_received",
        verbose_name=_("requested state's central authority"),
    )
    executing_authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="mla_requests_executing",
        verbose_name=_("executing authority"),
    )

    legal_bases = models.ManyToManyField("networks.Instrument", blank=True, related_name="mla_requests", verbose_name=_("legal bases"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.CENTRAL_AUTHORITY)
    channel_network = models.ForeignKey(
        "networks.Network", null=True, blank=True, on_delete=models.PROTECT, related_name="mla_requests",
        verbose_name=_("network"), help_text=_("The network the request travels through, if any"),
    )
    offences = models.ManyToManyField("networks.Offence", blank=True, related_name="mla_requests", verbose_name=_("offences"))

    subject_and_authority = models.TextField(
        _("subject and nature of the proceedings"), blank=True,
        help_text=_("Subject matter and nature of the investigation, prosecution or proceeding, and the name and functions of the authority conducting it"),
    )
    facts_summary = models.TextField(_("summary of the relevant facts"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True, help_text=_("Purpose for which the evidence, information or action is sought"))
    special_procedure = models.TextField(_("particular procedure requested"), blank=True)
    persons_unknown_reason = models.TextField(
        _("why no person concerned can be identified"), blank=True,
        help_text=_("Persons concerned are given 'where possible': say why when none can be named"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    urgency_reason = models.TextField(_("reasons for urgency"), blank=True)
    confidentiality_required = models.BooleanField(_("confidentiality required"), default=False)
    confidentiality_note = models.TextField(_("confidentiality requirements"), blank=True)
    use_restriction = models.TextField(_("use restriction"), blank=True, help_text=_("Proceedings the results may be used for"))
    requested_due_date = models.DateField(_("date by which assistance is requested"), null=True, blank=True)
    due_reason = models.TextField(_("reasons for the requested date"), blank=True)
    language = models.CharField(_("language of the request"), max_length=8, help_text=_("ISO 639-1 code"))
    additional_content = models.JSONField(
        _("further required content"), default=dict, blank=True,
        help_text=_("Text per content element an instrument requires and no field above holds (e.g. legal_remedies, third_party_notice)"),
    )

    state = models.CharField(_("state"), max_length=40, choices=MlaRequestState.choices, default=MlaRequestState.DRAFT)
    resume_state = models.CharField(
        max_length=40, choices=MlaRequestState.choices, blank=True,
        help_text=_("State to return to once the additional information requested arrives"),
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    transmitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    transmitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text=_("When the requested side answered or the request was withdrawn"))

    class Meta:
        verbose_name = _("MLA request")
        verbose_name_plural = _("MLA requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["requesting_authority", "reference_year", "reference_sequence"], name="mla_reference_sequence_unique"),
            models.UniqueConstraint(fields=["requesting_authority", "reference"], name="mla_reference_unique_per_authority"),
            models.CheckConstraint(condition=~Q(requesting_state=F("requested_state")), name="mla_states_differ"),
            models.CheckConstraint(condition=~Q(channel="network") | Q(channel_network__isnull=False), name="mla_network_channel_names_network"),
            models.CheckConstraint(condition=Q(state__in=MlaRequestState.values), name="mla_state_known"),
            # Four eyes, also at the database: nobody approves what they drafted or submitted.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (~Q(approved_by=F("created_by")) & (Q(submitted_by__isnull=True) | ~Q(approved_by=F("submitted_by")))),
                name="mla_four_eyes",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-updated_at"], name="mla_state_updated_idx"),
            # Keyset lists filtered by state pair and state walk these in id order and stop after one page (bench).
            models.Index(fields=["requested_state", "state", "-id"], name="mla_requested_state_id_idx"),
            models.Index(fields=["requesting_state", "state", "-id"], name="mla_requesting_state_id_idx"),
            models.Index(fields=["requesting_authority", "-updated_at"], name="mla_requesting_auth_idx"),
            models.Index(fields=["requested_central_authority", "state"], name="mla_requested_ca_idx"),
            models.Index(fields=["reference"], name="mla_reference_idx"),
            # The approval queue: submitted requests of one central authority, oldest first.
            models.Index(
                fields=["requesting_central_authority", "submitted_at"], condition=Q(state="submitted"), name="mla_approval_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    @property
    def is_formal(self) -> bool:
        return self.kind in FORMAL_KINDS

    @property
    def is_informal(self) -> bool:
        return self.kind == MlaRequestKind.INFORMAL_ENQUIRY

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_read_only(self) -> bool:
        return self.state in TERMINAL_STATES


class ReferenceCounter(models.Model):
    """Last reference sequence issued per authority and year (incremented with one atomic upsert)."""

    authority = models.ForeignKey("networks.Authority", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority", "year"], name="mla_reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.authority_id}/{self.year}: {self.last}"


class MeasureStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    IN_EXECUTION = "in_execution", _("in execution")
    EXECUTED = "executed", _("executed")
    REFUSED = "refused", _("refused")
    IMPOSSIBLE = "impossible", _("impossible")
    NOT_PURSUED = "not_pursued", _("not pursued")


MEASURE_FINAL_STATUSES = frozenset({MeasureStatus.EXECUTED, MeasureStatus.REFUSED, MeasureStatus.IMPOSSIBLE, MeasureStatus.NOT_PURSUED})


class RequestMeasure(models.Model):
    request = models.ForeignKey(MlaRequest, on_delete=models.CASCADE, related_name="measures")
    measure = models.ForeignKey("networks.Measure", on_delete=models.PROTECT, related_name="+", verbose_name=_("measure"))
    details = models.TextField(_("details"), blank=True, help_text=_("What exactly is sought, and any procedure to follow"))
    extra = models.JSONField(_("structured details"), default=dict, blank=True, help_text=_("The measure's extra fields"))
    status = models.CharField(_("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PENDING)
    outcome = models.TextField(_("outcome"), blank=True)
    refusal_grounds = models.ManyToManyField("networks.RefusalGround", blank=True, related_name="+", verbose_name=_("refusal grounds"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("requested measure")
        constraints = [models.CheckConstraint(condition=Q(status__in=MeasureStatus.values), name="mla_measure_status_known")]

    def __str__(self) -> str:
        return f"{self.measure} ({self.get_status_display()})"


class PersonRole(models.TextChoices):
    SUSPECT = "suspect", _("suspect")
    ACCUSED = "accused", _("accused")
    WITNESS = "witness", _("witness")
    VICTIM = "victim", _("victim")
    EXPERT = "expert", _("expert")
    COMPANY = "company", _("company")
    ACCOUNT_HOLDER = "account_holder", _("account holder")


class PersonConcerned(models.Model):
    """A person or entity the request concerns (UNTOC 18(15)(e)). Confidential: read through the audited selector."""

    request = models.ForeignKey(MlaRequest, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(_("role"), max_length=20, choices=PersonRole.choices)
    name = models.CharField(_("name"), max_length=300)
    nationality = models.ForeignKey("networks.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("location"), max_length=300, blank=True)
    details = models.TextField(_("identifying details"), blank=True, help_text=_("Date of birth, identity numbers, account numbers…"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("person concerned")
        verbose_name_plural = _("persons concerned")

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"


class DecisionKind(models.TextChoices):
    REFUSAL = "refusal", _("refusal")
    CONDITIONAL_GRANT = "conditional_grant", _("grant with conditions")
    POSTPONEMENT = "postponement", _("postponement")


class RequestDecision(models.Model):
    """A reasoned decision of the requested side: refusal grounds (UNTOC 18(23)), conditions (18(26)), postponement (18(25))."""

    request = models.ForeignKey(MlaRequest, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    grounds = models.ManyToManyField("networks.RefusalGround", blank=True, related_name="+")
    reasons = models.TextField()
    conditions = models.TextField(blank=True)
    measures = models.ManyToManyField(RequestMeasure, blank=True, related_name="decisions", help_text=_("Measures it concerns"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reasons=""), name="mla_decision_has_reasons"),
            models.CheckConstraint(condition=~Q(kind="conditional_grant") | ~Q(conditions=""), name="mla_conditional_grant_has_conditions"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.request_id}"


class DocumentType(models.TextChoices):
    REQUEST = "request", _("the request itself")
    TRANSLATION = "translation", _("translation")
    ORDER = "order", _("order or certificate to be enforced")
    SUPPORTING = "supporting", _("supporting document")
    RESULT = "result", _("result of execution")


class Attachment(models.Model):
    """A file of a request. A new version supersedes the old one; nothing is deleted."""

    request = models.ForeignKey(MlaRequest, on_delete=models.CASCADE, related_name="attachments")
    document_type = models.CharField(_("document"), max_length=20, choices=DocumentType.choices, default=DocumentType.SUPPORTING)
    file = models.FileField(max_length=200, help_text=_("Stored under attachments/<sha256 prefix>/<sha256>"))
    original_name = models.CharField(_("file name"), max_length=255)
    description = models.CharField(_("description"), max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    mime_type = models.CharField(_("type"), max_length=100, help_text=_("Sniffed from the content, never taken from the client"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by",
        help_text=_("The previous version this one replaces"),
    )
    version_number = models.PositiveIntegerField(default=1)
    translation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="translations", help_text=_("The original this translates")
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["request", "uploaded_at"], name="mla_attachment_request_idx"), models.Index(fields=["sha256"])]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="mla_attachment_sha256_hex"),
            models.CheckConstraint(condition=Q(translation_of__isnull=True) | ~Q(language=""), name="mla_translation_has_language"),
            models.CheckConstraint(condition=~Q(supersedes=F("id")) & ~Q(translation_of=F("id")), name="mla_attachment_not_self"),
            models.CheckConstraint(condition=Q(translation_of__isnull=True) | Q(document_type="translation"), name="mla_translation_typed"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.version_number}"


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("both sides")
    REQUESTING_SIDE = "requesting_side", _("requesting side only")
    REQUESTED_SIDE = "requested_side", _("requested side only")


class Message(models.Model):
    """One message in the thread of a request (status enquiries, UNTOC 18(24); consultations, 18(26))."""

    request = models.ForeignKey(MlaRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    audience = models.CharField(_("addressed to"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="mla_message_thread_idx")]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="mla_message_not_empty")]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.request_id}"


class AwaitingDecision(MlaRequest):
    """The central authority's approval queue in the admin: submitted requests of its state, oldest first."""

    class Meta:
        proxy = True
        verbose_name = _("request awaiting my decision")
        verbose_name_plural = _("requests awaiting my decision")
