# digest's image: the runtime lock (requirements.lock) and digest itself in a virtual
# environment, run as an unprivileged user. One image for every process: gunicorn (the default
# command), `digest scheduler`, `digest worker`, `digest inbound`, `digest db upgrade`, ...
#
#   docker build -t digest .                        # online: packages from the package registry
#   make wheels && podman build --build-arg BASE=localhost/debian-py:bookworm -t digest .
#                                                   # offline: a wheelhouse in wheels/, a local base
#
# BASE is any Debian-like image with python3 (3.11+) and its venv module.
ARG BASE=python:3.11-slim-bookworm

# The runtime lock alone, in a virtual environment: this layer changes only with the lock.
FROM ${BASE} AS deps
# A folder of the build context holding a wheelhouse (`make wheels`); with no wheel in it,
# pip reaches the package registry instead.
ARG WHEELS=wheels
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
RUN python3 -m venv /opt/digest
COPY requirements-pip.lock requirements.lock /src/
COPY ${WHEELS}/ /wheels/
# Every file of the lock is hash-checked; its three sdists build here, with setuptools and wheel
# from the same place.
RUN if ls /wheels/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /wheels; fi; \
    /opt/digest/bin/pip install --require-hashes -r /src/requirements-pip.lock "$@" \
    && /opt/digest/bin/pip install --require-hashes -r /src/requirements.lock "$@"

# digest's wheel, from this context's source (hatchling from the wheelhouse or the registry).
FROM deps AS build
COPY pyproject.toml README.md config.py wsgi.py /src/
COPY digest /src/digest
COPY templates /src/templates
COPY static /src/static
COPY migrations /src/migrations
RUN if ls /wheels/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /wheels; fi; \
    /opt/digest/bin/pip wheel --no-deps --wheel-dir /dist "$@" /src

FROM ${BASE}
RUN groupadd --gid 10001 digest \
    && useradd --uid 10001 --gid digest --home-dir /var/lib/digest --no-create-home \
       --shell /usr/sbin/nologin digest \
    && install -d -o digest -g digest -m 0750 /var/lib/digest
COPY --from=deps /opt/digest /opt/digest
COPY --from=build /dist/ /dist/
# An installed digest keeps its default SQLite file in <venv>/var/digest-instance: that is the
# data folder, the only place the processes write to (mount a volume there to use SQLite).
RUN /opt/digest/bin/pip install --no-deps --no-index --no-cache-dir --disable-pip-version-check \
       --root-user-action=ignore /dist/*.whl \
    && rm -r /dist \
    && install -d /opt/digest/var && ln -s /var/lib/digest /opt/digest/var/digest-instance
ENV PATH=/opt/digest/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 WEB_CONCURRENCY=2
WORKDIR /var/lib/digest
USER 10001:10001
EXPOSE 8000 2525
# The web process's check (the base image has no curl); other processes set their own.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# gunicorn's workers: WEB_CONCURRENCY (2 here); its heartbeat files go to memory, not the image.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "wsgi:app"]
