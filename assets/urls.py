from django.urls import path

from assets import views

app_name = "assets"
urlpatterns = [path("<int:pk>/", views.asset_detail, name="asset")]
