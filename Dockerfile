# The production image: gunicorn serving Evidence Atlas, static files by WhiteNoise.
# Bookworm, so that Debian's postgresql-client is 15, the server's major
# version in docker-compose.yml: `manage.py backup` and `restore` need it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY . .
# collectstatic needs settings that load; the real key comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput

# backups/ exists in the image so that the volume mounted there is the app user's.
RUN mkdir -p backups && useradd --create-home --uid 1000 atlas && chown -R atlas /app
USER atlas

EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py. Serve it behind a buffering
# reverse proxy (deploy/nginx.conf), as docker-compose.yml does.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
