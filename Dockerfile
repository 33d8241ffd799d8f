# One image for web, worker and beat (docker-compose.yml picks the role).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHON=python
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install --no-cache-dir -e .
ENV DJANGO_SETTINGS_MODULE=dealcoach.settings.production
EXPOSE 8000
ENTRYPOINT ["bash", "scripts/entrypoint.sh"]
CMD ["web"]
