from django.apps import AppConfig


class AuditViewerConfig(AppConfig):
    name = "kagami.auditviewer"
    label = "auditviewer"
