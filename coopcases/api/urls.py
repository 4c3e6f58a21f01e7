"""`/api/v1/`: each app registers its resources on the router in its own `api/urls.py`."""

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from coopcases.api.views import ApiRoot

RESOURCE_MODULES = [
    "networks.api.urls",
    "requests.api.urls",
    "cases.api.urls",
    "assets.api.urls",
    "coopcases.deadlines.api.urls",
    "coopcases.notifications.api.urls",
]
routers = [import_module(name).router for name in RESOURCE_MODULES]

v1 = [path("", ApiRoot.as_view(resources=[prefix for r in routers for prefix, _, _ in r.registry]), name="root")]
v1 += [path("", include(name)) for name in RESOURCE_MODULES]

urlpatterns = [
    path("v1/", include((v1, "v1"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
