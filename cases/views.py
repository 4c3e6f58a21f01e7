"""Web pages for cases (with their timeline) and joint investigation teams: reads through `cases.selectors` only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from cases import selectors
from coopcases.core.exceptions import NotVisible
from coopcases.events.selectors import events_of

TIMELINE_ROWS = 200


@login_required
def case_detail(request, pk):
    try:
        case = selectors.case_get(request.user, pk)
        links = selectors.case_links(case, request.user)
        timeline = list(selectors.case_timeline(case, request.user).select_related("actor")[:TIMELINE_ROWS])
    except NotVisible as exc:
        raise Http404 from exc
    return render(request, "cases/case_detail.html", {
        "case": case,
        "timeline": timeline,
        "requests": links.get("mla.mlarequest", []),
        "jits": links.get("cases.jointinvestigationteam", []),
        "assets": links.get("assets.asset", []),
    })


@login_required
def jit_detail(request, pk):
    try:
        jit = selectors.jit_get(request.user, pk)
    except NotVisible as exc:
        raise Http404 from exc
    return render(request, "cases/jit_detail.html", {
        "jit": jit,
        "parties": list(jit.parties.select_related("country", "authority")),
        "members": list(jit.members.filter(removed_at__isnull=True).select_related("party__country", "authority")),
        "events": list(events_of(jit).select_related("actor")),
    })
