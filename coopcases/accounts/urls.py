from django.urls import path

from coopcases.accounts import views

app_name = "accounts"
urlpatterns = [
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
]
