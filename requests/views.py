"""Web pages for MLA requests: filing (with routing advice and the content checklist), the request page and its
forms. Reads through `requests.selectors`, writes through `requests.services`; a refused write comes back as
form errors next to the fields, or as a message with the fresh state when someone else acted first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coopcases.core.exceptions import ConcurrentChange, DomainError, NotVisible, TransitionNotAllowed, ValidationFailed
from coopcases.core.files import serve_protected_file
from coopcases.events.selectors import events_of
from coopcases.web.forms import apply_problems
from networks.models import Authority
from requests import content, routing, selectors, services
from requests.forms import (
    AttachmentForm,
    MeasureForm,
    MessageForm,
    MlaRequestForm,
    OutcomeForm,
    PersonForm,
    TransitionForm,
)
from requests.models import EDITABLE_STATES, MEASURE_FINAL_STATUSES, Attachment, MlaRequest, MlaRequestState
from requests.workflow import MLA_WORKFLOW, is_drafting_magistrate, is_executing_officer, is_requested_ca_officer

# Steps that need a parameter beyond the reason, and which form field carries it.
STEP_FIELDS = {
    "assign_executing_authority": ("executing_authority",),
    "resume_execution": ("executing_authority",),
    "grant_with_conditions": ("conditions",),
    "refuse": ("grounds",),
}


def _get(request, pk) -> MlaRequest:
    try:
        return selectors.mla_request_get(actor=request.user, pk=pk)
    except NotVisible as exc:
        raise Http404 from exc


# -- filing --------------------------------------------------------------------------------------------------------


def _assist_context(actor, form: MlaRequestForm) -> dict:
    """Routing advice and the content checklist for what the form holds so far (valid or not)."""
    if not form.is_bound:
        if not form.initial:
            return {"advice": None, "checklist": None}
        form = MlaRequestForm({k: v for k, v in form.initial.items() if v not in (None, False)}, actor=actor)
    form.is_valid()
    data = form.cleaned_data
    requested = data.get("requested_state")
    if requested is None or actor.authority_id is None:
        return {"advice": None, "checklist": None}
    kind = data.get("kind") or "mla"
    offences = list(data.get("offences") or [])
    try:
        advice = routing.routing_advice(
            requesting_state=actor.authority.country_id, requested_state=requested.code, offences=offences, kind=kind, urgent=bool(data.get("urgent"))
        )
    except ValidationFailed as exc:
        return {"advice": None, "advice_error": exc.detail, "checklist": None}
    draft = MlaRequest(
        kind=kind, requesting_authority=actor.authority, requesting_state=actor.authority.country, requested_state=requested,
        language=data.get("language") or "", **{f: data.get(f) or "" for f in services.TEXT_FIELDS if f != "language"},
        urgent=bool(data.get("urgent")), confidentiality_required=bool(data.get("confidentiality_required")),
        requested_due_date=data.get("requested_due_date"),
    )
    facts = content.Facts(request=draft, measure_codes=[], person_count=0, offence_count=len(offences), translation_languages=set(), document_types=set())
    checklist = content.checklist(draft, legal_bases=list(data.get("legal_bases") or []), facts=facts)
    return {"advice": advice, "checklist": checklist}


@login_required
def request_new(request):
    form = MlaRequestForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.mla_request_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            apply_problems(form, exc)
        else:
            messages.success(request, _("Draft %(reference)s saved. Add the measures and persons concerned, then submit it.") % {"reference": req.reference})
            return redirect("mla:detail", pk=req.pk)
    status = 400 if form.errors else 200
    return render(request, "mla/new.html", {"nav": "new", "form": form, **_assist_context(request.user, form)}, status=status)


@login_required
@require_GET
def filing_assist(request):
    """The htmx partial beside the filing form: refreshed whenever a field changes."""
    form = MlaRequestForm(request.GET, actor=request.user)
    return render(request, "mla/_assist.html", _assist_context(request.user, form))


@login_required
def request_edit(request, pk):
    req = _get(request, pk)
    initial = {f: getattr(req, f) for f in services.TEXT_FIELDS + services.FLAG_FIELDS}
    initial.update(kind=req.kind, channel=req.channel, requested_state=req.requested_state.code, requested_due_date=req.requested_due_date,
                   channel_network=req.channel_network.code if req.channel_network_id else None,
                   legal_bases=list(req.legal_bases.values_list("code", flat=True)), offences=list(req.offences.values_list("code", flat=True)))
    form = MlaRequestForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mla_request_update(pk=req.pk, actor=request.user, changes=form.service_data(), expected_version=_int(request.POST.get("expected_version")))
        except (ConcurrentChange, TransitionNotAllowed) as exc:
            return _stale(request, req, exc)
        except DomainError as exc:
            apply_problems(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("mla:detail", pk=req.pk)
    return render(request, "mla/new.html", {"nav": "new", "form": form, "req": req, **_assist_context(request.user, form)}, status=400 if form.errors else 200)


# -- the request page ----------------------------------------------------------------------------------------------

EVENT_LABELS = {
    "created": gettext_lazy("Draft created"),
    "updated": gettext_lazy("Draft changed"),
    "measure_added": gettext_lazy("Measure added"),
    "measure_removed": gettext_lazy("Measure removed"),
    "measure_outcome_recorded": gettext_lazy("Outcome of a measure recorded"),
    "person_added": gettext_lazy("Person concerned added"),
    "person_removed": gettext_lazy("Person concerned removed"),
    "attachment_added": gettext_lazy("File attached"),
    "message_posted": gettext_lazy("Message posted"),
}


def event_label(event) -> str:
    action = event.event_type.split(".", 1)[-1]
    transition = MLA_WORKFLOW.transitions.get(action)
    if transition is not None:
        return str(transition.label)
    return str(EVENT_LABELS.get(action, action.replace("_", " ")))


def _timeline(req):
    events = list(events_of(req).select_related("actor"))
    for e in events:
        e.label = event_label(e)
        e.to_label = MLA_WORKFLOW.state_label(e.to_state) if e.to_state else ""
    return events


def _transitions(req, actor):
    """Steps the actor may take now (with a form each), and those they are entitled to but not yet able to, with why."""
    allowed, blocked = [], []
    for a in MLA_WORKFLOW.available(req, actor):
        t = MLA_WORKFLOW.transitions[a.action]
        if a.allowed:
            form = TransitionForm(initial={"action": a.action, "expected_version": req.version}, auto_id=f"id_{a.action}_%s")
            wanted = {"action", "expected_version", *STEP_FIELDS.get(a.action, ())}
            if a.reason_required or a.action in ("approve", "submit", "acknowledge", "transmit", "execute", "close"):
                wanted.add("reason")
            for name in list(form.fields):
                if name not in wanted:
                    del form.fields[name]
            if "reason" in form.fields:
                form.fields["reason"].required = a.reason_required
            if "executing_authority" in form.fields:
                form.fields["executing_authority"].queryset = Authority.objects.filter(country_id=req.requested_state_id).order_by("name")
                form.fields["executing_authority"].required = True
            allowed.append({"action": a.action, "label": a.label, "form": form})
        elif t.may(req, actor):
            blocked.append(a)
    return allowed, blocked


def _detail_context(request, req: MlaRequest, **forms) -> dict:
    actor = request.user
    attachments = list(req.attachments.select_related("uploaded_by", "supersedes").order_by("uploaded_at", "id"))
    superseded = {a.supersedes_id for a in attachments if a.supersedes_id}
    for a in attachments:
        a.is_current = a.pk not in superseded
    current = [a for a in attachments if a.is_current]
    measures = list(req.measures.select_related("measure"))
    for m in measures:
        m.outcome_form = OutcomeForm(auto_id=f"id_outcome_{m.pk}_%s")
    drafter = is_drafting_magistrate(req, actor)
    editable = req.state in EDITABLE_STATES and drafter
    records_outcomes = req.state in (MlaRequestState.IN_EXECUTION, MlaRequestState.PARTIALLY_EXECUTED) and (
        is_executing_officer(req, actor) or is_requested_ca_officer(req, actor)
    )
    allowed, blocked = _transitions(req, actor)
    return {
        "req": req,
        "deadline": selectors.mla_request_deadline_summary(req),
        "events": _timeline(req),
        "measures": measures,
        "open_measures": [m for m in measures if m.status not in MEASURE_FINAL_STATUSES],
        "person_count": req.persons.count(),
        "attachments": attachments,
        "thread": list(selectors.mla_request_messages(actor=actor, pk=req.pk)),
        "legal_bases": list(req.legal_bases.all()),
        "allowed": allowed,
        "blocked": blocked,
        "editable": editable,
        "records_outcomes": records_outcomes,
        "checklist": content.checklist(req) if req.state in EDITABLE_STATES else None,
        "participates": not req.is_read_only and selectors.side_of(req, actor) is not None,
        "message_form": forms.get("message_form") or MessageForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(current=current),
        "measure_form": forms.get("measure_form") or MeasureForm(),
        "person_form": forms.get("person_form") or PersonForm(),
    }


@login_required
def request_detail(request, pk):
    req = _get(request, pk)
    return render(request, "mla/detail.html", _detail_context(request, req))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _stale(request, req: MlaRequest, exc: DomainError):
    """Someone else acted first: say so plainly and show the fresh state."""
    fresh = MlaRequest.objects.get(pk=req.pk)
    messages.error(
        request,
        _("This request changed before your action was saved (%(detail)s). Its current state is '%(state)s': check it below and try again if still needed.")
        % {"detail": exc.detail, "state": fresh.get_state_display()},
    )
    return redirect("mla:detail", pk=req.pk)


def _refused(request, exc: DomainError) -> None:
    reasons = "; ".join(p.reason for p in exc.problems)
    messages.error(request, f"{exc.detail} {reasons}".strip())


@login_required
@require_POST
def request_transition(request, pk):
    req = _get(request, pk)
    action = request.POST.get("action", "")
    params = {}
    for name in STEP_FIELDS.get(action, ()):
        if name == "grounds":
            params[name] = request.POST.getlist(name)
        elif request.POST.get(name):
            params[name] = request.POST[name]
    try:
        services.mla_request_transition(
            pk=req.pk, action=action, actor=request.user, reason=request.POST.get("reason", ""), params=params,
            expected_version=_int(request.POST.get("expected_version")),
        )
    except (ConcurrentChange, TransitionNotAllowed) as exc:
        return _stale(request, req, exc)
    except NotVisible as exc:
        raise Http404 from exc
    except DomainError as exc:
        _refused(request, exc)
    else:
        fresh = MlaRequest.objects.get(pk=req.pk)
        messages.success(request, _("Done: the request is now '%(state)s'.") % {"state": fresh.get_state_display()})
    return redirect("mla:detail", pk=req.pk)


def _form_post(request, pk, form_class, form_key: str, call):
    """Run `call(req, cleaned_data)` for a valid form; otherwise (or when the service refuses) show the page again
    with the errors next to the fields and what was typed."""
    req = _get(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(req, form.cleaned_data)
        except (ConcurrentChange, TransitionNotAllowed) as exc:
            return _stale(request, req, exc)
        except DomainError as exc:
            apply_problems(form, exc)
        else:
            return redirect("mla:detail", pk=req.pk)
    return render(request, "mla/detail.html", _detail_context(request, req, **{form_key: form}), status=400)


@login_required
@require_POST
def measure_add(request, pk):
    return _form_post(request, pk, MeasureForm, "measure_form", lambda req, d: services.measure_add(
        request_pk=req.pk, actor=request.user, measure=d["measure"], details=d["details"]))


@login_required
@require_POST
def person_add(request, pk):
    return _form_post(request, pk, PersonForm, "person_form", lambda req, d: services.person_add(
        request_pk=req.pk, actor=request.user, role=d["role"], name=d["name"], location=d["location"]))


@login_required
@require_POST
def message_post(request, pk):
    return _form_post(request, pk, MessageForm, "message_form", lambda req, d: services.message_post(
        request_pk=req.pk, actor=request.user, body=d["body"], audience=d["audience"]))


@login_required
@require_POST
def measure_outcome(request, pk, measure_pk):
    req = _get(request, pk)
    form = OutcomeForm(request.POST)
    if not req.measures.filter(pk=measure_pk).exists():
        raise Http404
    if form.is_valid():
        try:
            services.measure_record_outcome(measure_pk=measure_pk, actor=request.user, status=form.cleaned_data["status"], outcome=form.cleaned_data["outcome"])
        except (ConcurrentChange, TransitionNotAllowed) as exc:
            return _stale(request, req, exc)
        except DomainError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Choose an outcome."))
    return redirect("mla:detail", pk=req.pk)


@login_required
@require_POST
def attachment_upload(request, pk):
    req = _get(request, pk)
    current = req.attachments.filter(superseded_by__isnull=True)
    form = AttachmentForm(request.POST, request.FILES, current=current)
    if form.is_valid():
        d = form.cleaned_data
        try:
            attachment = services.attachment_add(
                request_pk=req.pk, actor=request.user, file=d["file"], name=d["file"].name, description=d["description"],
                language=d["language"], document_type=d["document_type"], supersedes=d["supersedes"],
            )
        except DomainError as exc:
            apply_problems(form, exc)
        else:
            messages.success(request, _("%(name)s attached (SHA-256 %(sha)s).") % {"name": attachment.original_name, "sha": attachment.sha256})
            return redirect("mla:detail", pk=req.pk)
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        errors = [e for errors in form.errors.values() for e in errors]
        return HttpResponse(format_html_join("", '<p class="errorlist" role="alert">{}</p>', ((e,) for e in errors)), status=400)
    return render(request, "mla/detail.html", _detail_context(request, req, attachment_form=form), status=400)


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    """Files only through here: visibility of the request first, then the integrity check and an audit row."""
    req = _get(request, pk)
    attachment = Attachment.objects.filter(pk=attachment_pk, request=req).first()
    if attachment is None:
        raise Http404
    try:
        return serve_protected_file(request, attachment.file.name, attachment.original_name, attachment.mime_type, attachment.sha256, obj=req)
    except NotVisible as exc:
        raise Http404 from exc
