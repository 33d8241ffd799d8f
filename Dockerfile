# One image for web, worker, beat and the outbox relay (docker-compose.yml picks the role).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
# Dependencies first, from pyproject.toml alone: a code change reuses this layer.
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
# Static files are part of the image: every web container serves the same ones (whitenoise).
# The base settings need no secret or database; production only adds runtime checks.
RUN DJANGO_SETTINGS_MODULE=dealcoach.settings.base python manage.py collectstatic --noinput -v0
ENV DJANGO_SETTINGS_MODULE=dealcoach.settings.production DEALCOACH_STATIC_BUILT=1
RUN useradd --system --uid 10001 --no-create-home --home-dir /app dealcoach
USER dealcoach
EXPOSE 8000
# Liveness of the web role; compose gives the other roles their own check (or none).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz/\", timeout=4)"]
ENTRYPOINT ["bash", "scripts/entrypoint.sh"]
CMD ["web"]
