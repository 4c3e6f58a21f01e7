"""The API's routes, discovered from the URL resolver, for the IDOR suite (test_idor.py).

Every route under `/api/v1/` is found through Django's resolver (routers and hand-written paths alike), with its
name, its path parameters, the HTTP methods its view answers and, for each parameter, the model whose id it takes.
A new endpoint is therefore walked as soon as its URLs are included: nothing to register, unless it takes a
parameter or a model the suite cannot yet build for another authority, which the suite then names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import relations, serializers
from rest_framework.test import APIRequestFactory

API_PREFIX = "api/v1/"
WRITE_METHODS = ("post", "put", "patch")

# Nested routes name their parent by `<name>_pk`; the parent's model, by parameter name.
PARENT_PARAMETERS = {
    "request_pk": "mla.mlarequest",
    "mla_request_pk": "mla.mlarequest",
    "case_pk": "cases.case",
    "jit_pk": "cases.jointinvestigationteam",
    "asset_pk": "assets.asset",
    "order_pk": "assets.assetorder",
    "agreement_pk": "assets.sharingagreement",
}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, for reverse()
    template: str  # as written, for messages
    view: type
    methods: dict[str, str]  # HTTP method -> viewset action (or the method itself for plain views)
    parameters: tuple[str, ...]
    models: dict[str, str | None] = field(default_factory=dict)  # parameter -> model label (None: unknown)


def _parameters(pattern) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.pattern.regex.groupindex)


def _methods(callback) -> dict[str, str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return dict(actions)
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return {m: m for m in getattr(view, "http_method_names", ()) if m not in ("options", "head", "trace") and hasattr(view, m)}


def view_model(view: type) -> str | None:
    """The model a view's own `pk` / lookup parameter refers to: its queryset's, else its serializer's."""
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model._meta.label_lower
    serializer = getattr(view, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    model = getattr(meta, "model", None)
    return model._meta.label_lower if model is not None else None


def _walk(patterns, prefix: str, namespace: str):
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, text, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, re.sub(r"(?<!\[)\^|\$", "", text), pattern


def api_routes(urlconf=None) -> list[Route]:
    routes = []
    for name, template, pattern in _walk(get_resolver(urlconf).url_patterns, "", ""):
        if not template.startswith(API_PREFIX):
            continue
        callback = pattern.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view is None:
            continue
        parameters = _parameters(pattern)
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        route_models = {
            p: view_model(view) if p in (lookup, "pk", "id") else PARENT_PARAMETERS.get(p) for p in parameters
        }
        routes.append(Route(name, template, view, _methods(callback), parameters, route_models))
    return routes


def payload_references(route: Route, method: str, actor) -> dict[str, tuple[relations.RelatedField, str]]:
    """The writable related fields of the serializer a write uses: field name -> (field, model label)."""
    view = route.view()
    request = APIRequestFactory().generic(method.upper(), "/")
    request.user = actor
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    view.action = route.methods[method]
    get_class = getattr(view, "get_serializer_class", None)
    if get_class is None:
        return {}
    serializer_class = get_class()
    if serializer_class is None or not issubclass(serializer_class, serializers.BaseSerializer):
        return {}
    found = {}
    for name, item in serializer_class(context={"request": request, "view": view}).fields.items():
        related = item.child_relation if isinstance(item, relations.ManyRelatedField) else item
        if item.read_only or not isinstance(related, relations.RelatedField):
            continue
        queryset = related.get_queryset()
        if isinstance(queryset, models.QuerySet):
            found[name] = (related, queryset.model._meta.label_lower)
    return found
