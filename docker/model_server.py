"""The model server of a deployment: the embedded engine's GGUF model behind the same
xllamacpp OpenAI-compatible server the embedded engine starts in-process, on a network port.

Runs on CPU, so a deployment needs no GPU; GPU hosts use the vLLM service instead
(compose profile `vllm`). The weights come from ASSAY_MODEL_DIR (a volume or the image),
joined from the chunk packages on first start when those are installed.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

import xllamacpp

from resources.llm.engines.embedded import (
    CONTEXT_PER_SLOT,
    DEFAULT_MODEL,
    ensure_model_file,
    slots_for,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.environ.get("ASSAY_MODEL", DEFAULT_MODEL))
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--slots", type=int, default=int(os.environ.get("ASSAY_MODEL_SLOTS", "4")))
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("ASSAY_MODEL_THREADS", "0"))
    )
    args = parser.parse_args()

    path = ensure_model_file(args.model)
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.model_alias = {args.model}
    params.n_parallel = slots_for(args.slots)
    params.n_ctx = CONTEXT_PER_SLOT * params.n_parallel
    threads = args.threads or os.cpu_count() or 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = [args.host]
    params.port = args.port
    params.verbosity = 1
    server = xllamacpp.Server(params)
    print(
        f"model server: {args.model} on {server.listening_address} ({params.n_parallel} slots)",
        flush=True,
    )

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    del server


if __name__ == "__main__":
    main()
