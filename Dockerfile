# Production image: web (gunicorn) and worker (Celery) share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_DEBUG=0 REPORT_FONT_DIR=/app/var/fonts MEDIA_ROOT=/srv/media

# WeasyPrint's libraries, HarfBuzz subsetting (libharfbuzz-subset0: PDFs 25x faster), the CJK fonts the report
# fonts are extracted from (Noto Sans CJK SC; HanaMinB for CJK Extension B), poppler for PDF checks.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
      fonts-noto-cjk fonts-hanazono poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 --home /app app \
 && DJANGO_SECRET_KEY=build-only python manage.py install_report_fonts \
 && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && mkdir -p /srv/media && chown -R app:app /srv/media /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "backend/gunicorn_conf.py", "backend.wsgi:application"]
