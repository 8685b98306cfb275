# The ccm worker image: `docker compose up --scale worker=3` runs several of them.
# Built from the release's wheel, not from the source tree: the first stage builds the wheel
# (`python -m build`, as `make dist` does), the second installs only that wheel with the
# packages of requirements.lock, on the Python the tests run on (tests/e2e/test_deployment.py).
FROM python:3.11.7-slim-bookworm AS wheel

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md requirements.lock ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY services services
COPY runtime runtime
COPY cli cli
RUN pip install -c requirements.lock build \
 && python -m build --wheel --outdir /dist .

FROM python:3.11.7-slim-bookworm

# The commit the image was built from, shown by `ccm --version`:
# docker compose build --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD)
ARG GIT_COMMIT=
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CCM_HOME=/var/lib/ccm CCM_GIT_COMMIT=${GIT_COMMIT}
# No system package: Typst draws the PDF letters with the fonts inside its wheel.
COPY requirements.lock /tmp/requirements.lock
COPY --from=wheel /dist/ccm_workflows-1.0.0-py3-none-any.whl /tmp/
RUN pip install -c /tmp/requirements.lock /tmp/ccm_workflows-1.0.0-py3-none-any.whl \
 && rm /tmp/ccm_workflows-1.0.0-py3-none-any.whl /tmp/requirements.lock \
 && useradd --system --uid 10001 --home-dir /var/lib/ccm --create-home ccm
USER ccm
WORKDIR /var/lib/ccm

# Healthy while the worker polls: it touches $CCM_HOME/worker.heartbeat every 15 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["ccm", "health"]
CMD ["ccm", "worker"]
