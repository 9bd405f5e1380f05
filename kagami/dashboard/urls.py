from django.urls import path

from kagami.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("supervision/", views.supervision, name="supervision"),
]
