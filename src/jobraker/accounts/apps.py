from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jobraker.accounts"
    label = "accounts"
    verbose_name = "Accounts"
