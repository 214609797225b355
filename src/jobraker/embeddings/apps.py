from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    name = "jobraker.embeddings"
    label = "embeddings"
    verbose_name = "Embeddings"
