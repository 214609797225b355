from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "jobraker.assistant"
    label = "assistant"
    verbose_name = "Chat assistant"
