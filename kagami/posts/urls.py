from django.urls import path

from kagami.posts import views

app_name = "posts"
urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("new/", views.post_compose, name="post_new"),
    path("check/", views.post_check, name="post_check"),
    path("grants/", views.grants, name="grants"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar/week/", views.calendar_week, name="calendar_week"),
    path("<int:pk>/", views.post_detail, name="post_detail"),
    path("<int:pk>/edit/", views.post_compose, name="post_edit"),
    path("<int:pk>/images/<int:image_pk>/", views.post_image, name="post_image"),
    path("<int:pk>/<slug:action>/", views.post_action, name="post_action"),
]
