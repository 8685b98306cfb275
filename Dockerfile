# The ccm worker image: `docker compose up --scale worker=3` runs several of them.
# The Python the tests run on, and the packages of requirements.lock (tests/e2e/test_deployment.py).
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CCM_HOME=/var/lib/ccm
# No system package: Typst draws the PDF letters with the fonts inside its wheel.
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY services services
COPY runtime runtime
COPY cli cli
RUN pip install -c requirements.lock . \
 && useradd --system --uid 10001 --home-dir /var/lib/ccm --create-home ccm
USER ccm
WORKDIR /var/lib/ccm

# Healthy while the worker polls: it touches $CCM_HOME/worker.heartbeat every 15 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["ccm", "health"]
CMD ["ccm", "worker"]
