from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jobraker.api"
    label = "api"
    verbose_name = "API"
