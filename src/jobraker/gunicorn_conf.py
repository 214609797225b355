"""gunicorn settings for ``jobraker serve``: its own logs go through structlog as JSON too."""

from jobraker.logs import json_logging_dict

logconfig_dict = json_logging_dict()
accesslog = None  # jobraker.api.middleware logs every request, with its request id
