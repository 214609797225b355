from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "jobraker.inbox"
    label = "inbox"
    verbose_name = "Inbox sync"
