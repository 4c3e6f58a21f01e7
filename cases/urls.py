from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("<int:pk>/", views.case_detail, name="case"),
    path("jits/<int:pk>/", views.jit_detail, name="jit"),
]
