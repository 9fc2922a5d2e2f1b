# The sandbox worker image: one container per worker, started by the `docker` backend of
# resources/sandbox with --network none, a read-only root, tmpfs /tmp and /dev/shm,
# pids/memory/CPU limits, all capabilities dropped except the six the zygote needs to run
# each job under an unprivileged uid and to clean up after it (see backends.py).
#
# Build from the repository root (BASE_IMAGE: any Debian bookworm image with Python 3.11):
#   docker build -f docker/sandbox.Dockerfile -t assay-sandbox:0.1.0 .
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
COPY docker/wheelhouse /wheels
COPY docker/sandbox-requirements.txt /requirements.txt
RUN python3 -m venv /opt/venv \
    && if ls /wheels/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /wheels; fi \
    && /opt/venv/bin/pip install --no-cache-dir "$@" -r /requirements.txt

FROM ${BASE_IMAGE}
# -I (isolated mode) ignores PYTHON* variables, so the worker's packages come from the venv
# on PATH; the thread caps keep one job from taking every core of the host.
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1
COPY --from=build /opt/venv /opt/venv

# Only the in-sandbox runtime; nothing else of assay (no settings, no secrets) is in the image.
COPY resources/sandbox/assay_runtime /opt/assay/assay_runtime
RUN python -m compileall -q /opt/assay

WORKDIR /tmp
# The zygote starts as root inside the container (capabilities trimmed by the backend) and
# forks every job as a uid of its own; the command comes from the backend.
CMD ["python", "-I", "-B", "-c", "import sys; sys.path.insert(0, '/opt/assay'); from assay_runtime.zygote import main; main()", "--scratch", "/tmp/job", "--proc", "/proc", "--heavy", "pandas,scipy,sklearn,sympy"]
