from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "jobraker.delivery"
    label = "delivery"
    verbose_name = "Notification delivery"
