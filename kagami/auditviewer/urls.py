from django.urls import path

from kagami.auditviewer import views

# The namespace stays `audit` (URLs `audit:event_list`, `audit:event_export`, under /audit/).
app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("export.csv", views.event_export, name="event_export"),
]
