from django.apps import AppConfig


class ProjectionsConfig(AppConfig):
    name = "jobraker.projections"
    label = "projections"
    verbose_name = "Read models"
