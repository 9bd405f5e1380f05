from django.urls import path

from kagami.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("new/", views.account_plan, name="account_plan"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
    path("<int:pk>/settings/", views.account_settings, name="account_settings"),
    path("<int:pk>/policy/", views.policy_edit, name="policy_edit"),
    path("<int:pk>/terms/", views.terms_edit, name="terms_edit"),
    path("<int:pk>/start-report/", views.start_report_new, name="start_report_new"),
    path("<int:pk>/end-report/", views.end_report_new, name="end_report_new"),
    path("<int:pk>/paper-report/", views.paper_report, name="paper_report"),
    path("<int:pk>/<slug:action>/", views.account_action, name="account_action"),
    path("documents/<slug:kind>/<int:pk>/", views.document_detail, name="document_detail"),
    path("import/", views.register_import, name="register_import"),
    path("import/<int:pk>/", views.register_preview, name="register_preview"),
    path("reports/", views.report_inbox, name="report_inbox"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
]
