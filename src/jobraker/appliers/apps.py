from django.apps import AppConfig


class AppliersConfig(AppConfig):
    name = "jobraker.appliers"
    label = "appliers"
    verbose_name = "Appliers"
