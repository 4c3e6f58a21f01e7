from django.urls import path

from coopcases.bench.views import MlaRequestDetail, MlaRequestList

urlpatterns = [
    path("mla-requests/", MlaRequestList.as_view(), name="bench-mla-request-list"),
    path("mla-requests/<int:pk>/", MlaRequestDetail.as_view(), name="bench-mla-request-detail"),
]
