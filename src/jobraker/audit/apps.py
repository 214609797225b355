from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jobraker.audit"
    label = "audit"
    verbose_name = "Audit"
