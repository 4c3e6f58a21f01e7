"""Admin for cases and JITs. Every write goes through cases.services; lists are restricted by the selectors.

A service refusal aborts the whole change form (the admin's own transaction rolls back, inlines included) and is
shown as a message. State fields are read-only: transitions are admin actions, each asking for its reason.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import rules, selectors, services
from cases.models import (
    Case,
    CasePerson,
    JITActionItem,
    JITActionItemVersion,
    JITAmendment,
    JITEvidenceExchange,
    JITMeeting,
    JITMember,
    JITParticipant,
    JITParty,
    JITStatus,
    JointInvestigationTeam,
    ParticipantAccess,
)
from cases.workflow import CASE_WORKFLOW, JIT_SERVICE_ONLY_ACTIONS, JIT_WORKFLOW
from coopcases.audit.purpose import ConfidentialPurposeAdmin
from coopcases.core.exceptions import DomainError
from networks.models import Authority


def describe(error: DomainError) -> str:
    problems = "; ".join(f"{p.name}: {p.reason}" for p in error.problems)
    return f"{error.detail} {problems}".strip()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SignatureForm(forms.Form):
    signatory = forms.CharField(label=_("signatory"), max_length=200)
    signed_on = forms.DateField(label=_("signed on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))


class ServiceAdmin(admin.ModelAdmin):
    """Saves through services; a refusal rolls back the whole form and comes back as a message."""

    visible = None  # the selector restricting the list for non-superusers

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk__in=type(self).visible(request.user).values("pk"))

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:  # raised inside the admin's transaction, which has rolled back
            self.message_user(request, describe(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields were set by the service; inlines go through save_formset (services too).
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads what formset.save() would have recorded.
        formset.new_objects = [
            self.add_inline(request, form.instance, inline_form.cleaned_data, formset.model)
            for inline_form in formset.forms
            if inline_form.has_changed() and inline_form.instance.pk is None and inline_form.cleaned_data
        ]
        formset.changed_objects, formset.deleted_objects = [], []

    def add_inline(self, request, parent, data, model):
        raise NotImplementedError(model)

    @staticmethod
    def adopt(obj, created) -> None:
        """Make the admin's unsaved instance the row the service created (the admin redirects to it)."""
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db

    def run_action(self, request, queryset, *, title, form_class, call):
        """An admin action with a confirmation form (reason, signature…) calling a service per selected row."""
        form = form_class(request.POST if "confirm" in request.POST else None)
        if "confirm" not in request.POST or not form.is_valid():
            return TemplateResponse(request, "admin/cases/action_form.html", {
                **self.admin_site.each_context(request), "title": title, "form": form, "queryset": queryset,
                "opts": self.model._meta, "action": request.POST.get("action"), "action_checkbox_name": ACTION_CHECKBOX_NAME,
            })
        done = 0
        for obj in queryset:
            try:
                call(obj, form.cleaned_data)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{obj}: {describe(error)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(title)s: %(count)d done.") % {"title": title, "count": done}, messages.SUCCESS)
        return None


def _readonly_inline(model_, fields, *, fk="jit"):
    class Inline(admin.TabularInline):
        model = model_
        fk_name = fk
        extra = 0
        can_delete = False
        readonly_fields = fields

        def get_fields(self, request, obj=None):
            return fields

        def has_add_permission(self, request, obj=None):
            return False

        def has_change_permission(self, request, obj=None):
            return False

    Inline.__name__ = f"{model_.__name__}ReadOnlyInline"
    return Inline


# --- cases -------------------------------------------------------------------------------------------------


class CasePersonInline(admin.TabularInline):
    """New rows go through case_person_add; recorded ones are read-only. Hidden from who may not see them."""

    model = CasePerson
    extra = 0
    can_delete = False
    fields = ["kind", "role", "name", "date_of_birth", "nationality", "location_country", "notes"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and rules.may_add_to_case(request.user, obj)


JITOfCaseInline = _readonly_inline(JointInvestigationTeam, ["title", "status", "start_date", "end_date", "legal_basis"], fk="case")


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["national_reference", "title", "lead_authority", "confidentiality", "offences",
                  "participating_countries", "participating_authorities"]


@admin.register(Case)
class CaseAdmin(ConfidentialPurposeAdmin, ServiceAdmin):
    visible = staticmethod(selectors.cases_visible_to)
    form = CaseForm
    list_display = ["national_reference", "title", "lead_authority", "status", "confidentiality", "created_at"]
    list_filter = ["status", "confidentiality"]
    search_fields = ["national_reference", "title"]
    list_select_related = ["lead_authority"]
    autocomplete_fields = ["lead_authority", "participating_authorities", "participating_countries"]
    filter_horizontal = ["offences"]
    readonly_fields = ["status", "version", "created_by", "created_at", "updated_at"]
    inlines = [CasePersonInline, JITOfCaseInline]
    confidential_inlines = {"persons": CasePersonInline}

    def get_readonly_fields(self, request, obj=None):
        fixed = list(self.readonly_fields)
        if obj is not None or not request.user.is_superuser:
            fixed.append("lead_authority")  # a case stays with the authority that opened it
        return fixed

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None:
            return []
        return [i for i in inlines if not isinstance(i, CasePersonInline) or rules.may_see_persons(request.user, obj)]

    def may_see_confidential(self, request, obj) -> bool:
        return rules.may_see_persons(request.user, obj)

    def confidential_read(self, request, obj, purpose, names) -> None:
        services.case_persons_view(actor=request.user, case=obj, purpose=purpose)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {k: data[k] for k in ("national_reference", "title", "confidentiality")}
        relations = {k: list(data[k]) for k in ("offences", "participating_countries", "participating_authorities")}
        if change:
            if form.has_changed():
                services.case_update(actor=request.user, case=obj, **fields, **relations)
        else:
            created = services.case_create(actor=request.user, lead_authority=data.get("lead_authority"), **fields, **relations)
            self.adopt(obj, created)

    def add_inline(self, request, parent, data, model):
        return services.case_person_add(
            actor=request.user, case=parent, kind=data["kind"], role=data["role"], name=data["name"],
            date_of_birth=data.get("date_of_birth"), nationality=data.get("nationality"),
            location_country=data.get("location_country"), notes=data.get("notes", ""),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        for transition in CASE_WORKFLOW.transitions.values():
            actions[f"case_{transition.action}"] = self._transition_action(transition)
        return actions

    def _transition_action(self, transition):
        def action(modeladmin, request, queryset):
            return modeladmin.run_action(
                request, queryset, title=str(transition.label), form_class=ReasonForm,
                call=lambda case, data: services.case_transition(actor=request.user, case=case, action=transition.action, reason=data["reason"]),
            )

        name = f"case_{transition.action}"
        action.__name__ = name
        return action, name, transition.label


# --- JITs --------------------------------------------------------------------------------------------------


class JITForm(forms.ModelForm):
    coordinating_authority = forms.ModelChoiceField(
        Authority.objects.all(), label=_("coordinating party"), help_text=_("Its leader answers for the expiry deadline")
    )
    other_parties = forms.ModelMultipleChoiceField(Authority.objects.all(), label=_("other parties"))

    class Meta:
        model = JointInvestigationTeam
        fields = ["case", "title", "legal_basis", "legal_basis_article", "purpose", "start_date", "end_date", "states_of_operation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "states_of_operation" in self.fields:
            self.fields["states_of_operation"].required = False
        if self.instance.pk and self.instance.status not in (JITStatus.PROPOSED, JITStatus.DRAFTING):
            del self.fields["coordinating_authority"], self.fields["other_parties"]
        elif self.instance.pk:
            parties = list(self.instance.parties.order_by("-coordinating", "id"))
            if parties:
                self.initial.setdefault("coordinating_authority", parties[0].authority_id)
                self.initial.setdefault("other_parties", [p.authority_id for p in parties[1:]])

    def party_authorities(self) -> list:
        first = self.cleaned_data["coordinating_authority"]
        return [first, *[a for a in self.cleaned_data["other_parties"] if a.pk != first.pk]]


class JITMemberInline(admin.TabularInline):
    """New members go through jit_member_add; current ones are read-only (removal: UI or API, with a reason)."""

    model = JITMember
    extra = 0
    can_delete = False
    fields = ["party", "role", "name", "function", "authority", "user", "removed_at"]
    readonly_fields = ["removed_at"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            formset.form.base_fields["party"].queryset = obj.parties.all()
        return formset

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.status != JITStatus.CLOSED and rules.is_jit_drafter(request.user, obj)


class JITParticipantInline(admin.TabularInline):
    model = JITParticipant
    extra = 0
    can_delete = False
    fields = ["organisation", "organisation_name", "authority", "access_level", "admitted_users"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.status != JITStatus.CLOSED and rules.is_jit_drafter(request.user, obj)


JITPartyInline = _readonly_inline(JITParty, ["country", "authority", "coordinating", "signed_on", "signatory"])
JITAmendmentInline = _readonly_inline(JITAmendment, ["number", "kind", "reason", "description", "previous_end_date", "new_end_date", "status", "effective_date"])
JITActionItemInline = _readonly_inline(JITActionItem, ["number", "action", "party", "owner", "due_date", "status", "version"])
JITActionItemVersionInline = _readonly_inline(JITActionItemVersion, ["plan_version", "item", "item_version", "action", "party", "owner", "due_date", "status", "note", "changed_by", "changed_at"])
JITMeetingInline = _readonly_inline(JITMeeting, ["held_at", "place", "subject", "summary"])
JITEvidenceInline = _readonly_inline(JITEvidenceExchange, ["exchanged_at", "description", "from_party", "to_party", "exchanged_by", "file_name", "sha256", "use_restrictions", "recorded_by", "recorded_at"])

# What each inline needs of the user's access to the team (selectors.jit_access).
_INLINE_ACCESS = {
    JITActionItemInline: ParticipantAccess.FULL,
    JITActionItemVersionInline: ParticipantAccess.FULL,
    JITMeetingInline: ParticipantAccess.OPERATIONAL,
    JITEvidenceInline: ParticipantAccess.OPERATIONAL,
}
_RANK = {"none": 0, ParticipantAccess.AGREEMENT: 1, ParticipantAccess.OPERATIONAL: 2, ParticipantAccess.FULL: 3}


@admin.register(JointInvestigationTeam)
class JointInvestigationTeamAdmin(ConfidentialPurposeAdmin, ServiceAdmin):
    visible = staticmethod(selectors.jits_visible_to)
    form = JITForm
    list_display = ["title", "case", "status", "start_date", "end_date", "legal_basis"]
    list_filter = ["status"]
    search_fields = ["title", "case__national_reference"]
    list_select_related = ["case", "legal_basis"]
    autocomplete_fields = ["case", "legal_basis", "states_of_operation"]
    fieldsets = [
        (None, {"fields": ["case", "title", "legal_basis", "legal_basis_article", "purpose"]}),
        (_("Parties and period"), {"fields": ["coordinating_authority", "other_parties", "states_of_operation", "start_date", "end_date"]}),
        (_("State"), {"fields": ["status", "version", "action_plan_version", "activated_at", "ended_at", "evaluation_summary"]}),
    ]
    confidential_inlines = {"action_items": (JITActionItemInline, JITActionItemVersionInline)}
    state_fields = ["status", "version", "action_plan_version", "activated_at", "ended_at", "evaluation_summary"]
    inlines = [JITPartyInline, JITMemberInline, JITParticipantInline, JITAmendmentInline, JITActionItemInline,
               JITActionItemVersionInline, JITMeetingInline, JITEvidenceInline]

    @admin.display(description=_("evaluation"))
    def evaluation_summary(self, obj):
        evaluation = getattr(obj, "evaluation", None)
        return f"{evaluation.evaluated_on}: {evaluation.summary}" if evaluation else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.cases_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in (JITStatus.PROPOSED, JITStatus.DRAFTING):
            # Past drafting the agreement is signed text: only extensions (UI, API) move the period.
            return [*self.state_fields, "case", "title", "legal_basis", "legal_basis_article", "purpose",
                    "states_of_operation", "start_date", "end_date"]
        return [*self.state_fields, *(["case"] if obj is not None else [])]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.status not in (JITStatus.PROPOSED, JITStatus.DRAFTING):
            return [(name, {"fields": [f for f in opts["fields"] if f not in ("coordinating_authority", "other_parties")]})
                    for name, opts in fieldsets]
        return fieldsets

    def get_inline_instances(self, request, obj=None):
        if obj is None:
            return []
        granted = _RANK[selectors.jit_access(request.user, obj)]
        return [i for i in super().get_inline_instances(request, obj) if _RANK[_INLINE_ACCESS.get(type(i), ParticipantAccess.AGREEMENT)] <= granted]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {k: data[k] for k in ("title", "legal_basis", "legal_basis_article", "purpose", "start_date", "end_date") if k in data}
        if "coordinating_authority" in data:
            fields["parties"] = form.party_authorities()
        if change:
            if "states_of_operation" in data:
                fields["states_of_operation"] = list(data["states_of_operation"])
            if form.has_changed():
                services.jit_update(actor=request.user, jit=obj, **fields)
        else:
            created = services.jit_create(actor=request.user, case=data["case"], states_of_operation=list(data["states_of_operation"]), **fields)
            self.adopt(obj, created)

    def add_inline(self, request, parent, data, model):
        if model is JITMember:
            return services.jit_member_add(
                actor=request.user, jit=parent, party=data["party"], role=data["role"], name=data.get("name", ""),
                function=data.get("function", ""), authority=data.get("authority"), user=data.get("user"),
            )
        if model is JITParticipant:
            return services.jit_participant_add(
                actor=request.user, jit=parent, organisation=data["organisation"], access_level=data["access_level"],
                organisation_name=data.get("organisation_name", ""), authority=data.get("authority"),
                admitted_users=list(data.get("admitted_users") or []),
            )
        raise NotImplementedError(model)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        for transition in JIT_WORKFLOW.transitions.values():
            if transition.action not in JIT_SERVICE_ONLY_ACTIONS:
                actions[f"jit_{transition.action}"] = self._transition_action(transition)
        actions["jit_sign"] = (type(self).sign, "jit_sign", _("Sign for my authority"))
        return actions

    def _transition_action(self, transition):
        def action(modeladmin, request, queryset):
            return modeladmin.run_action(
                request, queryset, title=str(transition.label), form_class=ReasonForm,
                call=lambda jit, data: services.jit_transition(actor=request.user, jit=jit, action=transition.action, reason=data["reason"]),
            )

        name = f"jit_{transition.action}"
        action.__name__ = name
        return action, name, transition.label

    def sign(self, request, queryset):
        return self.run_action(
            request, queryset, title=str(_("Sign for my authority")), form_class=SignatureForm,
            call=lambda jit, data: services.jit_sign(actor=request.user, jit=jit, signatory=data["signatory"], signed_on=data["signed_on"]),
        )
