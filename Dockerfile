# Jobraker's production image: one image, one process per container (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    JOBRAKER_ENV=production JOBRAKER_HOST=0.0.0.0 JOBRAKER_STATIC_ROOT=/app/static
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . \
 && DJANGO_SETTINGS_MODULE=jobraker.settings JOBRAKER_ENV=development JOBRAKER_DATA_DIR=/tmp/build \
    python -c "import django; django.setup(); from django.core.management import call_command; call_command('collectstatic', '--noinput', verbosity=0)" \
 && rm -rf /tmp/build
RUN useradd --system --uid 10001 jobraker
USER jobraker
EXPOSE 8000
CMD ["jobraker", "serve"]
