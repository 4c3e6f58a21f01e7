from django.urls import path

from requests import views

app_name = "mla"
urlpatterns = [
    path("new/", views.request_new, name="new"),
    path("new/assist/", views.filing_assist, name="assist"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/transition/", views.request_transition, name="transition"),
    path("<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("<int:pk>/measures/<int:measure_pk>/outcome/", views.measure_outcome, name="measure_outcome"),
    path("<int:pk>/persons/", views.person_add, name="person_add"),
    path("<int:pk>/messages/", views.message_post, name="message_post"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
]
