from django.urls import path

from kagami.publishing import views

app_name = "publishing"
urlpatterns = [
    path("media/<str:token>/<str:name>", views.public_media, name="public_media"),
    path("sandbox/", views.sandbox, name="sandbox"),
    path("sandbox/<int:pk>/", views.sandbox_post, name="sandbox_post"),
    path("pauses/", views.pauses, name="pauses"),
    path("pauses/<int:pk>/resume/", views.resume, name="resume"),
    path("deliveries/<int:pk>/late/", views.decide_late, name="decide_late"),
    path("deliveries/<int:pk>/manual/", views.record_manual, name="record_manual"),
    path("deliveries/<int:pk>/resend/", views.resend, name="resend"),
]
