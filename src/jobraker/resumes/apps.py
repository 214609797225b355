from django.apps import AppConfig


class ResumesConfig(AppConfig):
    name = "jobraker.resumes"
    label = "resumes"
    verbose_name = "Resume files"
