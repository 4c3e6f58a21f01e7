"""Closed vocabularies the reference data refers to (validated by the loader, shared with other apps).

They name *kinds of things* the product handles; which instrument requires or carries which of them is data
(networks/data/*.yaml), never code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    """What can travel through a channel or network (domain.md §8.1 `Request.kind`, plus network traffic)."""

    MLA = "mla", _("Formal MLA request")
    EIO = "eio", _("European Investigation Order")
    FREEZING_CERTIFICATE = "freezing_certificate", _("Freezing certificate (Reg. 2018/1805)")
    CONFISCATION_CERTIFICATE = "confiscation_certificate", _("Confiscation certificate (Reg. 2018/1805)")
    EAW = "eaw", _("European Arrest Warrant")
    SPONTANEOUS_INFORMATION = "spontaneous_information", _("Spontaneous information")
    INFORMAL_ENQUIRY = "informal_enquiry", _("Informal / pre-MLA enquiry")
    POLICE_INFORMATION = "police_information", _("Police information exchange")
    JIT_SUPPORT = "jit_support", _("Joint investigation team support")
    COORDINATION = "coordination", _("Coordination meeting or centre")


class ContentElement(models.TextChoices):
    """Elements a request may have to carry (domain.md §1.6 and §1.8); instruments list the ones they require."""

    REQUESTING_AUTHORITY = "requesting_authority", _("Identity of the requesting authority")
    SUBJECT_AND_AUTHORITY = "subject_and_authority", _(
        "Subject and nature of the investigation or proceeding, and the authority conducting it"
    )
    FACTS_SUMMARY = "facts_summary", _("Summary of the relevant facts")
    OFFENCE = "offence", _("Offence and its legal classification")
    ASSISTANCE_SOUGHT = "assistance_sought", _("Description of the assistance sought")
    SPECIAL_PROCEDURE = "special_procedure", _("Particular procedure the requesting side wishes followed")
    PERSONS_CONCERNED = "persons_concerned", _("Identity, location and nationality of persons concerned, where possible")
    PURPOSE = "purpose", _("Purpose for which the evidence, information or action is sought")
    URGENCY_REASONS = "urgency_reasons", _("Reasons for urgency or for a requested date, when one is given")
    CONFIDENTIALITY = "confidentiality", _("Confidentiality requirement, when one is made")
    LANGUAGE = "language", _("Language acceptable to the requested state, or a translation")
    VALIDATING_AUTHORITY = "validating_authority", _("Validating judicial authority (EU orders issued by non-judges)")
    LIST_OFFENCE_CATEGORY = "list_offence_category", _("EU list-offence category and penalty threshold")
    LEGAL_REMEDIES = "legal_remedies", _("Legal remedies available in the issuing state")
    PROPERTY_DESCRIPTION = "property_description", _("Description of the property concerned")
    ORDER_COPY = "order_copy", _("Legally admissible copy of the order to be enforced")
    ORDER_FINAL = "order_final", _("Statement that the order is final")
    THIRD_PARTY_NOTICE = "third_party_notice", _("Measures taken to notify bona fide third parties")


class InstrumentScope(models.TextChoices):
    """What an instrument governs (`Instrument.covers`)."""

    MLA = "mla", _("Mutual legal assistance")
    EVIDENCE_ORDER = "evidence_order", _("Mutual recognition of evidence orders")
    JIT = "jit", _("Joint investigation teams")
    FREEZING = "freezing", _("Freezing and seizure")
    CONFISCATION = "confiscation", _("Confiscation")
    SHARING = "sharing", _("Asset sharing and return")
    SURRENDER = "surrender", _("Surrender / extradition")
    ELECTRONIC_TRANSMISSION = "electronic_transmission", _("Electronic transmission of requests")
    VIDEOCONFERENCE = "videoconference", _("Videoconference hearings")
    ELECTRONIC_EVIDENCE = "electronic_evidence", _("Electronic evidence")
    POLICE_INFORMATION = "police_information", _("Law-enforcement information exchange")
    SPECIAL_TECHNIQUES = "special_techniques", _("Special investigative techniques")
    DATA_PROTECTION = "data_protection", _("Processing of operational data")
