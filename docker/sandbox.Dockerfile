# The sandbox worker image: one container per worker, started by the `docker` backend of
# resources/sandbox with --network none, a read-only root, tmpfs /tmp and /dev/shm,
# pids/memory/CPU limits, all capabilities dropped except the six the zygote needs to run
# each job under an unprivileged uid and to clean up after it (see backends.py).
#
# Build from the repository root:
#   docker build -f docker/sandbox.Dockerfile -t assay-sandbox:latest .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1

# The packages generated questions commonly use; the same set the local sandbox exposes.
RUN pip install \
        "pytest==9.2.0" "pluggy==1.7.0" "coverage==7.17.3" \
        "numpy==2.4.6" "pandas==3.1.1" "scipy==1.17.1" "scikit-learn==1.9.1" "sympy==1.14.0" \
    && python -m compileall -q /usr/local/lib/python3.11

# Only the in-sandbox runtime; nothing else of assay (no settings, no secrets) is in the image.
COPY resources/sandbox/assay_runtime /opt/assay/assay_runtime
RUN python -m compileall -q /opt/assay

WORKDIR /tmp
# The zygote starts as root inside the container (capabilities trimmed by the backend) and
# forks every job as a uid of its own; the command comes from the backend.
CMD ["python", "-I", "-B", "-c", "import sys; sys.path.insert(0, '/opt/assay'); from assay_runtime.zygote import main; main()", "--scratch", "/tmp/job", "--proc", "/proc", "--heavy", "pandas,scipy,sklearn,sympy"]
