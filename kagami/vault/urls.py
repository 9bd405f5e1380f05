from django.urls import path

from kagami.vault import views

app_name = "vault"
urlpatterns = [
    path("", views.inventory_view, name="inventory"),
    path("inventory.csv", views.inventory_csv, name="inventory_csv"),
    path("generate/", views.generate, name="generate"),
    path("accounts/<int:pk>/", views.credential_detail, name="credential_detail"),
    path("accounts/<int:pk>/new/", views.credential_new, name="credential_new"),
    path("accounts/<int:pk>/edit/", views.credential_edit, name="credential_edit"),
    path("accounts/<int:pk>/rotate/", views.rotation_record, name="rotation_record"),
    path("accounts/<int:pk>/tokens/", views.api_token_set, name="api_token_set"),
    path("accounts/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("accounts/<int:pk>/compromise/", views.compromise, name="compromise"),
]
