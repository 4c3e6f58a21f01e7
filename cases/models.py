"""Cases tie MLA requests, joint investigation teams and asset files together.

A joint investigation team (JIT) is an agreement between two or more states for a specific purpose and a limited
period, extendable by mutual consent (UNTOC art. 19, UNCAC art. 49, Vienna 1988 art. 9(1)(c), FD 2002/465/JHA,
MERCOSUR framework agreement 2010). Its records of evidence exchanged and its operational action plan are kept
append-only, so that what was shared and planned can be shown later (admissibility, Reg. (EU) 2023/969).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coopcases.core.models import TimeStamped, Versioned


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    SUSPENDED = "suspended", _("suspended")
    CLOSED = "closed", _("closed")


class Confidentiality(models.TextChoices):
    RESTRICTED = "restricted", _("restricted")
    CONFIDENTIAL = "confidential", _("confidential")
    SECRET = "secret", _("secret")


class Case(TimeStamped, Versioned):
    national_reference = models.CharField(_("national reference"), max_length=100)
    title = models.CharField(_("title"), max_length=300)
    lead_authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="led_cases")
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    confidentiality = models.CharField(
        _("confidentiality level"), max_length=12, choices=Confidentiality.choices, default=Confidentiality.RESTRICTED
    )
    offences = models.ManyToManyField("networks.Offence", blank=True, related_name="cases", verbose_name=_("offences"))
    participating_countries = models.ManyToManyField(
        "networks.Country", blank=True, related_name="participating_cases", verbose_name=_("participating states")
    )
    participating_authorities = models.ManyToManyField(
        "networks.Authority", blank=True, related_name="participating_cases", verbose_name=_("participating authorities")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["lead_authority", "national_reference"], name="case_reference_unique_per_authority"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(confidentiality__in=Confidentiality.values), name="case_confidentiality_valid"),
        ]
        indexes = [models.Index(fields=["status"], name="case_status_idx")]

    def __str__(self) -> str:
        return f"{self.national_reference} — {self.title}"


class PersonKind(models.TextChoices):
    PERSON = "person", _("natural person")
    ENTITY = "entity", _("legal entity")


class PersonRole(models.TextChoices):
    SUSPECT = "suspect", _("suspect")
    ACCUSED = "accused", _("accused")
    WITNESS = "witness", _("witness")
    VICTIM = "victim", _("victim")
    EXPERT = "expert", _("expert")
    COMPANY = "company", _("company involved")
    ACCOUNT_HOLDER = "account_holder", _("account holder")
    OTHER = "other", _("other")


class CasePerson(TimeStamped):
    """A person or entity of interest: only what cooperation needs; confidential (see cases.selectors)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="persons")
    kind = models.CharField(_("kind"), max_length=10, choices=PersonKind.choices)
    role = models.CharField(_("role"), max_length=20, choices=PersonRole.choices)
    name = models.CharField(_("name"), max_length=300)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.ForeignKey(
        "networks.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("nationality")
    )
    location_country = models.ForeignKey(
        "networks.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    identifiers = models.JSONField(
        _("identifiers"), default=dict, blank=True, help_text=_("Passport, national ID, tax or company number…")
    )
    notes = models.TextField(_("notes"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["case_id", "name"]
        verbose_name = _("person or entity of interest")
        verbose_name_plural = _("persons and entities of interest")
        constraints = [
            models.CheckConstraint(condition=Q(kind="person") | Q(date_of_birth__isnull=True), name="case_person_entity_no_birth"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class JITStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    DRAFTING = "drafting", _("drafting")
    NATIONAL_APPROVALS = "national_approvals", _("national approvals")
    SIGNATURE_PENDING = "signature_pending", _("signature pending")
    ACTIVE = "active", _("active")
    AMENDMENT_PENDING = "amendment_pending", _("amendment pending")
    EXPIRED = "expired", _("expired")
    TERMINATED_EARLY = "terminated_early", _("terminated early")
    EVALUATION = "evaluation", _("evaluation")
    CLOSED = "closed", _("closed")


class JointInvestigationTeam(TimeStamped, Versioned):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="jits", verbose_name=_("case"))
    title = models.CharField(_("title"), max_length=300)
    legal_basis = models.ForeignKey(
        "networks.Instrument", on_delete=models.PROTECT, related_name="jits", verbose_name=_("legal basis")
    )
    legal_basis_article = models.CharField(_("article"), max_length=60, blank=True, help_text=_("e.g. art. 19"))
    purpose = models.TextField(_("purpose"))
    states_of_operation = models.ManyToManyField(
        "networks.Country", related_name="jits_operating", verbose_name=_("states of operation")
    )
    start_date = models.DateField(_("start of the period"))
    end_date = models.DateField(_("end of the period"), help_text=_("The expiry date; moved by signed extensions"))
    status = models.CharField(_("status"), max_length=20, choices=JITStatus.choices, default=JITStatus.PROPOSED)
    action_plan_version = models.PositiveIntegerField(
        _("action plan version"), default=0, help_text=_("Rises with every change to the operational action plan")
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text=_("When it expired or was terminated"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("joint investigation team")
        verbose_name_plural = _("joint investigation teams")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="jit_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=JITStatus.values), name="jit_status_valid"),
        ]
        indexes = [
            # The expiry sweep reads only running teams.
            models.Index(fields=["end_date"], condition=Q(status__in=["active", "amendment_pending"]), name="jit_running_end_idx"),
            models.Index(fields=["status"], name="jit_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class JITParty(models.Model):
    """A state and its competent authority, party to the agreement, with its signature."""

    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.CASCADE, related_name="parties")
    country = models.ForeignKey("networks.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("state"))
    authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="jit_parties")
    coordinating = models.BooleanField(
        _("coordinating party"), default=False, help_text=_("Its leader answers for the expiry deadline")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signatory = models.CharField(_("signatory"), max_length=200, blank=True)
    signature_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signature_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["jit_id", "-coordinating", "id"]
        verbose_name = _("JIT party")
        verbose_name_plural = _("JIT parties")
        constraints = [
            models.UniqueConstraint(fields=["jit", "authority"], name="jit_party_unique_authority"),
            models.UniqueConstraint(fields=["jit"], condition=Q(coordinating=True), name="jit_one_coordinating_party"),
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True, signatory="") | (Q(signed_on__isnull=False) & ~Q(signatory="")),
                name="jit_party_signature_complete",
            ),
        ]
        indexes = [models.Index(fields=["authority", "jit"], name="jit_party_authority_idx")]

    def __str__(self) -> str:
        return f"{self.authority} ({self.country_id})"


class JITMemberRole(models.TextChoices):
    LEADER = "leader", _("leader")
    MEMBER = "member", _("member")
    SECONDED = "seconded_member", _("seconded member")


class JITMember(models.Model):
    """A person in the team, for one party. Removal ends the membership; the row stays for the record."""

    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.CASCADE, related_name="members")
    party = models.ForeignKey(JITParty, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("role"), max_length=20, choices=JITMemberRole.choices)
    name = models.CharField(_("name"), max_length=200)
    function = models.CharField(_("function"), max_length=200, blank=True, help_text=_("e.g. prosecutor, police inspector"))
    authority = models.ForeignKey(
        "networks.Authority", on_delete=models.PROTECT, related_name="jit_members", verbose_name=_("agency")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jit_memberships"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    removal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["jit_id", "party_id", "role", "name"]
        verbose_name = _("JIT member")
        verbose_name_plural = _("JIT members")
        constraints = [
            models.UniqueConstraint(
                fields=["party"], condition=Q(role="leader", removed_at__isnull=True), name="jit_one_leader_per_party"
            ),
        ]
        indexes = [
            models.Index(fields=["authority", "jit"], condition=Q(removed_at__isnull=True), name="jit_member_authority_idx"),
            models.Index(fields=["user", "jit"], condition=Q(removed_at__isnull=True), name="jit_member_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class ParticipantOrganisation(models.TextChoices):
    EUROJUST = "eurojust", "Eurojust"
    EUROPOL = "europol", "Europol"
    OLAF = "olaf", "OLAF"
    AMERIPOL = "ameripol", "AMERIPOL"
    UNODC = "unodc", "UNODC"
    OTHER = "other", _("other")


class ParticipantAccess(models.TextChoices):
    """What a participant from outside the parties may see (FD 2002/465 art. 1(12); model agreement appendix I)."""

    AGREEMENT = "agreement", _("the agreement and its composition")
    OPERATIONAL = "operational", _("also meetings and the evidence exchange log")
    FULL = "full", _("also the operational action plan")


class JITParticipant(models.Model):
    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.CASCADE, related_name="participants")
    organisation = models.CharField(_("organisation"), max_length=20, choices=ParticipantOrganisation.choices)
    organisation_name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("Required for 'other'"))
    authority = models.ForeignKey("networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    access_level = models.CharField(_("access"), max_length=12, choices=ParticipantAccess.choices)
    admitted_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="jit_participations", verbose_name=_("admitted users")
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["jit_id", "organisation"]
        verbose_name = _("JIT participant")
        verbose_name_plural = _("JIT participants")
        constraints = [
            models.CheckConstraint(condition=~Q(organisation="other") | ~Q(organisation_name=""), name="jit_participant_other_named"),
            models.UniqueConstraint(fields=["jit", "organisation", "organisation_name"], name="jit_participant_unique"),
        ]

    def __str__(self) -> str:
        return self.organisation_name or self.get_organisation_display()


class AmendmentKind(models.TextChoices):
    EXTENSION = "extension", _("extension of the period")
    COMPOSITION = "composition", _("change of composition")


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("awaiting signatures")
    IN_FORCE = "in_force", _("signed by every party")
    WITHDRAWN = "withdrawn", _("withdrawn")
    LAPSED = "lapsed", _("lapsed (team ended before every party signed)")


class JITAmendment(models.Model):
    """An extension of the period or a change of composition, in force once every party signed it."""

    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=AmendmentKind.choices)
    reason = models.TextField(_("reason"))
    description = models.TextField(_("change"), blank=True, help_text=_("What changes in the composition"))
    previous_end_date = models.DateField(_("previous end date"), null=True, blank=True)
    new_end_date = models.DateField(_("new end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AmendmentStatus.choices, default=AmendmentStatus.PENDING)
    effective_date = models.DateField(_("effective date"), null=True, blank=True, help_text=_("Date of the last signature"))
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["jit_id", "number"]
        verbose_name = _("JIT amendment")
        verbose_name_plural = _("JIT amendments")
        constraints = [
            models.UniqueConstraint(fields=["jit", "number"], name="jit_amendment_number_unique"),
            models.UniqueConstraint(fields=["jit"], condition=Q(status="pending"), name="jit_one_pending_amendment"),
            models.CheckConstraint(
                condition=~Q(kind="extension")
                | Q(new_end_date__isnull=False, previous_end_date__isnull=False, new_end_date__gt=F("previous_end_date")),
                name="jit_extension_lengthens_period",
            ),
            models.CheckConstraint(condition=~Q(status="in_force") | Q(effective_date__isnull=False), name="jit_amendment_effective_dated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.number}"


class JITAmendmentSignature(models.Model):
    amendment = models.ForeignKey(JITAmendment, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(JITParty, on_delete=models.PROTECT, related_name="amendment_signatures")
    signed_on = models.DateField(_("signed on"))
    signatory = models.CharField(_("signatory"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["amendment_id", "signed_on"]
        constraints = [models.UniqueConstraint(fields=["amendment", "party"], name="jit_amendment_signed_once_per_party")]

    def __str__(self) -> str:
        return f"{self.party} — {self.signed_on}"


class ActionItemStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class JITActionItem(TimeStamped, Versioned):
    """The current state of one action of the operational action plan (confidential; history in versions)."""

    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.CASCADE, related_name="action_items")
    number = models.PositiveIntegerField(_("number"))
    action = models.TextField(_("action"))
    party = models.ForeignKey(JITParty, on_delete=models.PROTECT, related_name="action_items")
    owner = models.ForeignKey(JITMember, null=True, blank=True, on_delete=models.PROTECT, related_name="action_items")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ActionItemStatus.choices, default=ActionItemStatus.PLANNED)

    class Meta:
        ordering = ["jit_id", "number"]
        verbose_name = _("action-plan item")
        verbose_name_plural = _("action-plan items")
        constraints = [models.UniqueConstraint(fields=["jit", "number"], name="jit_action_item_number_unique")]

    def __str__(self) -> str:
        return f"#{self.number} {self.action[:60]}"


class JITActionItemVersion(models.Model):
    """Every version of every action-plan item, never changed: the plan as it stood at any plan version."""

    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.PROTECT, related_name="action_item_versions")
    item = models.ForeignKey(JITActionItem, on_delete=models.PROTECT, related_name="versions")
    item_version = models.PositiveIntegerField()
    plan_version = models.PositiveIntegerField()
    action = models.TextField()
    party = models.ForeignKey(JITParty, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(JITMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ActionItemStatus.choices)
    note = models.TextField(blank=True, help_text=_("Why it changed"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["jit_id", "plan_version"]
        verbose_name = _("action-plan item version")
        constraints = [
            models.UniqueConstraint(fields=["item", "item_version"], name="jit_action_item_version_unique"),
            models.UniqueConstraint(fields=["jit", "plan_version"], name="jit_action_plan_version_unique"),
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} v{self.item_version} (plan v{self.plan_version})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Action-plan versions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Action-plan versions are append-only.")


class JITMeeting(models.Model):
    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200, help_text=_("City or 'videoconference'"))
    subject = models.CharField(_("subject"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    parties_present = models.ManyToManyField(JITParty, blank=True, related_name="meetings", verbose_name=_("parties present"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["jit_id", "-held_at"]
        verbose_name = _("JIT meeting")
        verbose_name_plural = _("JIT meetings")

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.subject}"


class JITEvaluation(models.Model):
    """The final evaluation (JIT evaluation form, JITs Practical Guide)."""

    jit = models.OneToOneField(JointInvestigationTeam, on_delete=models.CASCADE, related_name="evaluation")
    evaluated_on = models.DateField(_("evaluated on"))
    answers = models.JSONField(_("answers"), default=dict, help_text=_("Evaluation form: question code → answer"))
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("JIT evaluation")

    def __str__(self) -> str:
        return f"{self.jit} — {self.evaluated_on}"


class JITEvidenceExchange(models.Model):
    """One item of information or evidence shared inside the team: append-only, for later admissibility."""

    jit = models.ForeignKey(JointInvestigationTeam, on_delete=models.PROTECT, related_name="evidence_exchanges")
    description = models.TextField(_("what"))
    from_party = models.ForeignKey(JITParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_party = models.ForeignKey(JITParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    exchanged_at = models.DateTimeField(_("when"))
    exchanged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by whom")
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    use_restrictions = models.TextField(_("use restrictions"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["jit_id", "exchanged_at", "id"]
        verbose_name = _("evidence exchange")
        verbose_name_plural = _("evidence exchange log")
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="jit_evidence_sha256_hex"),
            models.CheckConstraint(condition=~Q(from_party=F("to_party")), name="jit_evidence_between_two_parties"),
        ]

    def __str__(self) -> str:
        return f"{self.exchanged_at:%Y-%m-%d %H:%M} {self.description[:60]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The evidence exchange log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The evidence exchange log is append-only.")
