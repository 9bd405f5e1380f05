from django.urls import path

from kagami.public import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("guideline/", views.guideline, name="guideline"),
    path("check/", views.check, name="check"),
    path("directory.json", views.feed, name="feed"),
]
