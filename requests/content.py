"""The content check before submission: what the legal basis requires, whether the language is acceptable.

What each instrument requires is data: `Instrument.required_contents`, a list of content element codes (the
vocabulary of domain.md §1.6 and §1.8: `requesting_authority`, `subject_and_authority`, `facts_summary`,
`offence`, `assistance_sought`, `special_procedure`, `persons_concerned`, `purpose`, `urgency_reasons`,
`confidentiality`, `language`, and the EU and confiscation elements). An element is not required when every
measure requested is one its exemptions name: `Instrument.content_exemptions` (element → measure codes,
e.g. facts_summary → SERVICE_OF_DOCUMENTS, UNTOC 18(15)(c)) or an object entry
`{"element": …, "article": …, "except_when_only_measures": [...]}` in the list.

Elements no field of the request holds (legal remedies, notice to third parties, …) are satisfied by text in
`MlaRequest.additional_content[code]`; an element code this module does not know is treated the same way, so
a requirement added to the data is never silently dropped. Urgency and a requested date need their reasons
whatever the instrument (UNTOC 18(24): "for which reasons are given"). Every missing element is returned at
once, never the first only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopcases.core.exceptions import FieldProblem
from networks.models import AuthorityKind
from requests import legal
from requests.models import DocumentType, MlaRequest, MlaRequestKind

LANGUAGE = "language"


@dataclass
class Facts:
    """Everything the checks read about one request, loaded once."""

    request: MlaRequest
    measure_codes: list[str]
    person_count: int
    offence_count: int
    translation_languages: set[str]
    document_types: set[str]


@dataclass(frozen=True)
class Element:
    code: str
    label: object  # lazy string
    present: Callable[[Facts], bool]
    applies: Callable[[Facts], bool] = lambda f: True


def _filled(attr: str) -> Callable[[Facts], bool]:
    return lambda f: bool(getattr(f.request, attr).strip())


def _given(code: str) -> Callable[[Facts], bool]:
    return lambda f: bool(str(f.request.additional_content.get(code) or "").strip())


def _reasons_given(f: Facts) -> bool:
    r = f.request
    return (not r.urgent or bool(r.urgency_reason.strip())) and (r.requested_due_date is None or bool(r.due_reason.strip()))


ELEMENTS: dict[str, Element] = {
    e.code: e
    for e in (
        Element("requesting_authority", gettext_lazy("identity of the requesting authority"), lambda f: f.request.requesting_authority_id is not None),
        Element(
            "subject_and_authority",
            gettext_lazy("subject matter and nature of the proceedings, and the name and functions of the authority conducting them"),
            _filled("subject_and_authority"),
        ),
        Element("facts_summary", gettext_lazy("summary of the relevant facts"), _filled("facts_summary")),
        Element("offence", gettext_lazy("offence and its legal classification"), lambda f: f.offence_count > 0),
        Element("assistance_sought", gettext_lazy("description of the assistance sought (at least one measure)"), lambda f: bool(f.measure_codes)),
        # "Details of *any* particular procedure the requesting side wishes followed": nothing to check when none is.
        Element("special_procedure", gettext_lazy("particular procedure to be followed"), _filled("special_procedure"), lambda f: False),
        Element(
            "persons_concerned",
            gettext_lazy("identity, location and nationality of the persons concerned, or why none can be identified"),
            lambda f: f.person_count > 0 or bool(f.request.persons_unknown_reason.strip()),
        ),
        Element("purpose", gettext_lazy("purpose for which the evidence, information or action is sought"), _filled("purpose")),
        Element(
            "urgency_reasons",
            gettext_lazy("reasons for the urgency or for the date by which assistance is requested"),
            _reasons_given,
            lambda f: f.request.urgent or f.request.requested_due_date is not None,
        ),
        Element("confidentiality", gettext_lazy("the confidentiality requirements"), _filled("confidentiality_note"), lambda f: f.request.confidentiality_required),
        Element(
            "validating_authority",
            gettext_lazy("validation by a judge, court or prosecutor (the issuing authority is none of them)"),
            lambda f: f.request.requesting_authority.kind in (AuthorityKind.COURT, AuthorityKind.PROSECUTION) or _given("validating_authority")(f),
        ),
        Element("order_copy", gettext_lazy("a legally admissible copy of the order (attached as an order)"), lambda f: DocumentType.ORDER in f.document_types),
        Element("channel_network", gettext_lazy("the network the enquiry travels through"), lambda f: f.request.channel_network_id is not None),
    )
}

# Required whatever the legal basis, per kind. An enquiry or spontaneous information has no legal basis'
# content list, but must still say what it is about.
ALWAYS: dict[str, tuple[str, ...]] = {
    MlaRequestKind.SPONTANEOUS_INFORMATION: ("facts_summary", "confidentiality"),
    MlaRequestKind.INFORMAL_ENQUIRY: ("facts_summary", "purpose", "channel_network", "urgency_reasons", "confidentiality"),
}
ALWAYS_FORMAL = ("urgency_reasons", "confidentiality")


def element(code: str) -> Element:
    """The element of `code`; unknown codes are satisfied by text in `additional_content` (see the module doc)."""
    return ELEMENTS.get(code) or Element(code, code.replace("_", " "), _given(code))


@dataclass
class ChecklistItem:
    code: str
    label: str
    present: bool
    required_by: list[str] = field(default_factory=list)


def _facts(req: MlaRequest) -> Facts:
    current = list(req.attachments.filter(superseded_by__isnull=True).values_list("document_type", "language", "translation_of"))
    return Facts(
        request=req,
        measure_codes=[legal.norm_code(c) for c in req.measures.values_list("measure__code", flat=True)],
        person_count=req.persons.count(),
        offence_count=req.offences.count(),
        translation_languages={language for _type, language, original in current if original is not None},
        document_types={doc_type for doc_type, _language, _original in current},
    )


def _requirements(instrument) -> list[tuple[str, str, frozenset[str]]]:
    """(element code, where the instrument requires it, measure codes that alone exempt from it) per element."""
    # `content_exemptions` is a field of newer `networks` schemas; the object entries serve where it is absent.
    exemptions = {code: frozenset(map(legal.norm_code, measures)) for code, measures in (instrument.content_exemptions or {}).items()}
    contents_article = (instrument.articles or {}).get("contents", "")
    out = []
    for raw in instrument.required_contents or []:
        if isinstance(raw, str):
            code, article, exempting = raw, contents_article, exemptions.get(raw, frozenset())
        else:
            code = str(raw.get("element", ""))
            article = str(raw.get("article", contents_article))
            exempting = frozenset(map(legal.norm_code, raw.get("except_when_only_measures", []))) | exemptions.get(code, frozenset())
        out.append((code, f"{instrument.short_name} {article}".strip(), exempting))
    return out


def checklist(req: MlaRequest, *, legal_bases=None, facts: Facts | None = None) -> list[ChecklistItem]:
    """Every element required for this request, present or not, with the instruments (and articles) requiring it."""
    facts = facts or _facts(req)
    legal_bases = list(req.legal_bases.all()) if legal_bases is None else legal_bases
    items: dict[str, ChecklistItem] = {}

    language_ok = None

    def need(code: str, by: str = "") -> None:
        nonlocal language_ok
        if code == LANGUAGE:
            if language_ok is None:
                language_ok = not language_problems(req, legal_bases, facts.translation_languages)
            item = items.setdefault(code, ChecklistItem(code, _("a language the requested state accepts, or a translation into one"), language_ok))
        else:
            rule = element(code)
            if not rule.applies(facts):
                return
            item = items.setdefault(code, ChecklistItem(code, str(rule.label), rule.present(facts)))
        if by and by not in item.required_by:
            item.required_by.append(by)

    if req.is_formal:
        for instrument in legal_bases:
            for code, by, exempting in _requirements(instrument):
                if not (exempting and facts.measure_codes and set(facts.measure_codes) <= exempting):
                    need(code, by)
        for code in ALWAYS_FORMAL:
            need(code)
    for code in ALWAYS.get(req.kind, ()):
        need(code)
    return list(items.values())


def _label(item: ChecklistItem) -> str:
    if item.required_by:
        return _("%(element)s (required by %(by)s)") % {"element": item.label, "by": ", ".join(item.required_by)}
    return item.label


def legal_basis_problems(req: MlaRequest, legal_bases, on: date) -> list[FieldProblem]:
    """Each legal basis must bind both states on `on`; a formal request needs at least one."""
    if not legal_bases:
        return [FieldProblem("legal_bases", _("at least one legal basis is required"), "required")] if req.is_formal else []
    pair = [req.requesting_state_id, req.requested_state_id]
    rows = legal.party_rows(pair, [i.pk for i in legal_bases])
    parties: dict[int, dict[str, object]] = {}
    for row in rows:
        parties.setdefault(row.instrument_id, {})[row.country_id] = row
    names = {req.requesting_state_id: req.requesting_state.name, req.requested_state_id: req.requested_state.name}
    problems = []
    for instrument in legal_bases:
        why = legal.not_binding_reason(instrument, parties.get(instrument.pk, {}), names, on)
        if why:
            problems.append(FieldProblem("legal_bases", why, "not_binding"))
    return problems


def language_problems(req: MlaRequest, legal_bases, translation_languages: set[str]) -> list[FieldProblem]:
    """The request's language, or an attached translation, must be one the requested state accepts for each basis."""
    if req.is_informal:
        return []
    rows = {r.instrument_id: r for r in legal.party_rows([req.requested_state_id], [i.pk for i in legal_bases])}
    problems = []
    for instrument in legal_bases or [None]:
        accepted = legal.accepted_languages(rows.get(instrument.pk) if instrument else None, req.requested_state)
        if not accepted or req.language in accepted or translation_languages & set(accepted):
            continue
        problems.append(
            FieldProblem(
                "language",
                _("%(state)s accepts requests%(under)s in %(accepted)s; the request is in '%(language)s' and no translation into an accepted language is attached")
                % {
                    "state": req.requested_state.name,
                    "under": (_(" under %(instrument)s") % {"instrument": instrument.short_name}) if instrument else "",
                    "accepted": ", ".join(accepted),
                    "language": req.language,
                },
                "language_not_accepted",
            )
        )
    return problems


def content_problems(req: MlaRequest, *, on: date | None = None) -> list[FieldProblem]:
    """Every reason the request cannot be submitted yet (empty when it can), each naming its field or element."""
    on = on or timezone.localdate()
    legal_bases = list(req.legal_bases.all())
    facts = _facts(req)
    items = checklist(req, legal_bases=legal_bases, facts=facts)
    # The language element is reported by `language_problems` below, with the languages accepted.
    problems = [FieldProblem(i.code, _("missing: %(element)s") % {"element": _label(i)}, "missing") for i in items if not i.present and i.code != LANGUAGE]
    problems += legal_basis_problems(req, legal_bases, on)
    problems += language_problems(req, legal_bases, facts.translation_languages)
    if not req.is_informal and req.requested_central_authority_id is None:
        problems.append(FieldProblem("requested_central_authority", _("the requested state's central authority is not known"), "required"))
    if not req.is_informal and req.requesting_central_authority_id is None:
        problems.append(FieldProblem("requesting_central_authority", _("the requesting state's central authority is not known"), "required"))
    if req.requested_due_date and req.requested_due_date < on:
        problems.append(FieldProblem("requested_due_date", _("the requested date has already passed"), "in_past"))
    return problems
