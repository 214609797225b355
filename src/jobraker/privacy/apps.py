from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "jobraker.privacy"
    label = "privacy"
    verbose_name = "Personal data keys"
