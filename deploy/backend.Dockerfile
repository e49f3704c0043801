# syntax=docker/dockerfile:1
#
# facegate backend: the API and the kiosk/enrollment pages (python -m backend, port 8502).
#
# NOTE: no Docker engine runs on the development machines, so this file has
# never been built there; it was checked by careful reading (plus hadolint and
# `docker compose config`) only. Build it once by hand before relying on it.
#
# Build from the repository root (deploy/docker-compose.yml does this):
#   docker build -f deploy/backend.Dockerfile -t facegate-backend .
# deploy/backend.Dockerfile.dockerignore (read by BuildKit for this file only)
# keeps .venv/, var/, node_modules/ and static/vendor/ out of the build context.
#
# TLS: mount a certificate and key at /app/certs/facegate.crt and .key (readable
# by uid 10001). Without both files the backend serves plain HTTP, and browsers
# then refuse the camera on any host but localhost.

# ---- static: the pages' vendored browser files, by scripts/vendor_static.sh itself ----
# Only npm is needed here; any maintained Node LTS works (the packages want >=14). The
# script is the one list of what is served from static/vendor/ (face-api and its tiny face
# detector, Swagger UI, the QR code generator, ...): the image cannot drift from it.
FROM node:22-slim AS static
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts/vendor_static.sh scripts/
RUN bash scripts/vendor_static.sh

# ---- build: install the project into a venv; the source stays in this stage ----
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# README.md is the readme pyproject.toml names (COPY fails if it is missing).
COPY pyproject.toml README.md ./
COPY embedder/ embedder/
COPY backend/ backend/
COPY facegate/ facegate/
COPY facegate_shared/ facegate_shared/
# A regular (not editable) install; psycopg[binary] and pillow bring their own
# shared libraries, so the runtime stage needs no apt packages.
RUN pip install ".[backend]"

# ---- runtime ----
FROM python:3.11-slim
# Fixed ids, so the mounted TLS key can be given to this user from the host.
RUN groupadd --system --gid 10001 facegate \
    && useradd --system --uid 10001 --gid facegate --create-home \
       --home-dir /home/facegate --shell /usr/sbin/nologin facegate
COPY --from=build /opt/venv /opt/venv
COPY static/ /app/static/
COPY --from=static /build/static/vendor/ /app/static/vendor/

# STATIC_DIR, TLS_CERT and TLS_KEY must be set: their defaults are paths under
# the repository root, which for an installed package resolve inside site-packages
# (a missing STATIC_DIR silently serves no pages at all).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STATIC_DIR=/app/static \
    TLS_CERT=/app/certs/facegate.crt \
    TLS_KEY=/app/certs/facegate.key \
    BACKEND_HOST=0.0.0.0 \
    BACKEND_PORT=8502

USER 10001:10001
WORKDIR /app
EXPOSE 8502
# HTTPS exactly when python -m backend serves it (both TLS files exist); the
# certificate is not verified, it is usually not issued for 127.0.0.1.
# start-period: the backend first waits for the database, the store and the
# embedder (EMBEDDER_START_TIMEOUT, 120 s by default) and migrates the schema.
HEALTHCHECK --interval=15s --timeout=5s --start-period=150s --retries=3 \
    CMD ["python", "-c", "import os, ssl, urllib.request as u; tls = all(os.path.isfile(os.environ.get(k, '')) for k in ('TLS_CERT', 'TLS_KEY')); u.urlopen(('https' if tls else 'http') + '://127.0.0.1:%s/healthz' % os.environ.get('BACKEND_PORT', '8502'), timeout=4, context=ssl._create_unverified_context())"]
CMD ["python", "-m", "backend"]
