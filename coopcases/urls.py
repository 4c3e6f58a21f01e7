from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from coopcases.accounts import views as account_views
from coopcases.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("coopcases.accounts.urls")),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/", include("coopcases.api.urls")),
    path("requests/", include("requests.urls")),
    path("cases/", include("cases.urls")),
    path("assets/", include("assets.urls")),
    # statistics helper: cooperation statistics (issue 8 item 3)
    path("statistics/", include("coopcases.web.stats.urls")),
    path("", include("coopcases.web.urls")),
]

# Unrouted URLs and crashes under /api/ answer problem+json too; a lost database answers 503 everywhere.
handler404 = "coopcases.api.errors.handler404"
handler500 = "coopcases.api.errors.handler500"
