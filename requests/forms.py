"""Forms of the web UI for MLA requests: shape only; the services check every rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coopcases.web.forms import UIForm
from networks.models import Authority, Country, Instrument, Measure, Network, Offence, RefusalGround
from requests.models import Audience, Channel, DocumentType, MeasureStatus, MlaRequestKind, PersonRole

# ISO 639-1 codes offered for the language of a request (the requested state's accepted ones are advised beside).
REQUEST_LANGUAGES = [
    ("es", _("Spanish")), ("pt", _("Portuguese")), ("en", _("English")), ("fr", _("French")),
    ("it", _("Italian")), ("de", _("German")), ("nl", _("Dutch")),
]


class CodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "short_name", None) or obj.name


class DateInput(forms.DateInput):
    input_type = "date"


class MlaRequestForm(UIForm):
    """The filing form (and the draft's edit form)."""

    kind = forms.ChoiceField(label=_("Kind of request"), choices=MlaRequestKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    requested_state = CodeChoiceField(label=_("Requested state"), queryset=Country.objects.none(), to_field_name="code")
    legal_bases = CodeMultipleChoiceField(
        label=_("Legal bases"), queryset=Instrument.objects.order_by("short_name"), to_field_name="code", required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Only instruments binding both states are accepted: see the routing advice."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.CENTRAL_AUTHORITY)
    channel_network = CodeChoiceField(
        label=_("Network"), queryset=Network.objects.order_by("acronym"), to_field_name="code", required=False,
        help_text=_("Only when the request travels through a network"),
    )
    language = forms.ChoiceField(label=_("Language of the request"), choices=REQUEST_LANGUAGES)
    offences = CodeMultipleChoiceField(
        label=_("Offences"), queryset=Offence.objects.order_by("code"), to_field_name="code", required=False, widget=forms.CheckboxSelectMultiple
    )
    subject_and_authority = forms.CharField(
        label=_("Subject and nature of the proceedings"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Subject matter and nature of the investigation, prosecution or proceeding, and the name and functions of the authority conducting it"),
    )
    facts_summary = forms.CharField(label=_("Summary of the relevant facts"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    purpose = forms.CharField(
        label=_("Purpose"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Purpose for which the evidence, information or action is sought"),
    )
    special_procedure = forms.CharField(label=_("Particular procedure requested"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    persons_unknown_reason = forms.CharField(label=_("Why no person concerned can be identified"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    urgency_reason = forms.CharField(label=_("Reasons for urgency"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confidentiality_required = forms.BooleanField(label=_("Confidentiality required"), required=False)
    confidentiality_note = forms.CharField(label=_("Confidentiality requirements"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    use_restriction = forms.CharField(label=_("Use restriction"), required=False, help_text=_("Proceedings the results may be used for"))
    requested_due_date = forms.DateField(label=_("Date by which assistance is requested"), required=False, widget=DateInput)
    due_reason = forms.CharField(label=_("Reasons for the requested date"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        own = actor.authority.country_id if actor.authority_id else None
        self.fields["requested_state"].queryset = Country.objects.exclude(code=own).order_by("name_en")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["legal_bases"] = list(data["legal_bases"])
        data["offences"] = list(data["offences"])
        return data


class MeasureForm(UIForm):
    measure = CodeChoiceField(label=_("Measure"), queryset=Measure.objects.order_by("code"), to_field_name="code")
    details = forms.CharField(label=_("What exactly is sought"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PersonForm(UIForm):
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices)
    name = forms.CharField(label=_("Name"), max_length=300)
    location = forms.CharField(label=_("Location"), max_length=300, required=False)


class OutcomeForm(UIForm):
    status = forms.ChoiceField(
        label=_("Outcome"), choices=[(s.value, s.label) for s in (MeasureStatus.EXECUTED, MeasureStatus.IMPOSSIBLE, MeasureStatus.NOT_PURSUED)]
    )
    outcome = forms.CharField(label=_("Details of the outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(UIForm):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}))
    audience = forms.ChoiceField(label=_("Addressed to"), choices=Audience.choices, initial=Audience.EVERYONE)


class AttachmentForm(UIForm):
    file = forms.FileField(label=_("File"), help_text=_("PDF, images, Word, Excel, OpenDocument text or plain text"))
    document_type = forms.ChoiceField(label=_("Document"), choices=DocumentType.choices, initial=DocumentType.SUPPORTING)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    language = forms.CharField(label=_("Language (ISO 639-1)"), max_length=8, required=False)
    supersedes = forms.TypedChoiceField(label=_("New version of"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, current=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supersedes"].choices = [("", _("— a new document —"))] + [(a.pk, f"{a.original_name} v{a.version_number}") for a in current]


class TransitionForm(UIForm):
    """The parameters a step may need; the view shows only those the step takes."""

    action = forms.CharField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    executing_authority = forms.ModelChoiceField(label=_("Executing authority"), queryset=Authority.objects.none(), required=False)
    conditions = forms.CharField(label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    grounds = forms.ModelMultipleChoiceField(
        label=_("Grounds for refusal"), queryset=RefusalGround.objects.order_by("code"), to_field_name="code", required=False,
        widget=forms.CheckboxSelectMultiple,
    )
