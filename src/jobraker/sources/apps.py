from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "jobraker.sources"
    label = "sources"
    verbose_name = "Sources"
