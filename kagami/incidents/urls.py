"""URLs of the incidents app: each kind of trouble keeps its own in its views module."""

from django.urls import URLPattern

from kagami.incidents.views import cases, corrections, emergency, flaming, wording

app_name = "incidents"

urlpatterns: list[URLPattern] = [
    *flaming.urlpatterns,
    *corrections.urlpatterns,
    *cases.urlpatterns,
    *emergency.urlpatterns,
    *wording.urlpatterns,
]
