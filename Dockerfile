# Production image: gunicorn for web; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=coopcases.settings.prod PIP_NO_CACHE_DIR=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libmagic1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 coopcases

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=coopcases:coopcases . .
# collectstatic needs a key at build time only; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only-$(python -c "print('x'*60)") SECURE_SSL_REDIRECT=false python manage.py collectstatic --noinput \
 && mkdir -p /data/files && chown coopcases:coopcases /data/files

USER coopcases
EXPOSE 8000
CMD ["gunicorn", "coopcases.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--access-logfile", "-"]
