"""The web page of an asset file: reads through `assets.selectors` only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from assets import selectors
from coopcases.core.exceptions import NotVisible
from coopcases.deadlines.selectors import deadlines_of
from coopcases.events.selectors import events_of


@login_required
def asset_detail(request, pk):
    try:
        asset = selectors.asset_get(actor=request.user, pk=pk)
    except NotVisible as exc:
        raise Http404 from exc
    return render(request, "assets/asset_detail.html", {
        "asset": asset,
        "orders": list(selectors.asset_orders(actor=request.user, asset=asset)),
        "deadlines": list(deadlines_of(asset).order_by("due_at")),
        "events": list(events_of(asset).select_related("actor")),
    })
