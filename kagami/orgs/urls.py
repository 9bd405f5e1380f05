from django.urls import path

from kagami.orgs import views

app_name = "orgs"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/re-enrol/", views.mfa_re_enrol, name="mfa_re_enrol"),
    path("accounts/mfa/disable/", views.mfa_disable, name="mfa_disable"),
    path("accounts/mfa/reset/<int:pk>/", views.mfa_reset, name="mfa_reset"),
    path("accounts/password/link/<int:pk>/", views.password_link, name="password_link"),
    path(
        "accounts/password/set/<str:uidb64>/<str:token>/",
        views.password_set,
        name="password_set",
    ),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/notifications/", views.notifications, name="notifications"),
    path("orgs/departments/", views.department_list, name="department_list"),
    path("orgs/departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("orgs/departments/<int:pk>/acting/", views.acting_appoint, name="acting_appoint"),
    path("orgs/acting/<int:pk>/revoke/", views.acting_revoke, name="acting_revoke"),
    path("orgs/transfers/", views.transfer_upload, name="transfer_upload"),
    path("orgs/transfers/<int:pk>/", views.transfer_preview, name="transfer_preview"),
]
