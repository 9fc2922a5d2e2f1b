"""How a warm worker is started: inside bubblewrap, inside a Docker container, or as a bare process.

Each backend returns a `Channel`: a bidirectional frame pipe to one zygote plus a way to
kill it. The zygote code is identical everywhere; only the wall around it differs.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .assay_runtime import protocol

log = logging.getLogger(__name__)

RUNTIME_DIR = Path(__file__).resolve().parent / "assay_runtime"
IN_SANDBOX_RUNTIME = "/opt/assay"
ZYGOTE_BOOT = (
    "import sys; sys.path.insert(0, {path!r}); from assay_runtime.zygote import main; main()"
)
SCRATCH = "/tmp/job"
# Every worker hashes strings the same way, so set iteration order (and with it control flow
# and traces) is the same in every run. `-E` (part of `-I`) would ignore the variable, so the
# interpreter runs with `-s -P` instead: its environment is set wholly by us in every backend.
HASH_SEED = "0"
PYTHON_FLAGS = ("-s", "-P", "-B")
SANDBOX_PROC = "/run/assay/proc"
TMPFS_BYTES = 512 * 1024 * 1024
SHM_BYTES = 64 * 1024 * 1024  # multiprocessing's semaphores and shared memory
ZYGOTE_CAPS = (
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_KILL",
)


def _image_tag() -> str:
    """The sandbox image we build is tagged with the project's version (docker/build.py)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assay")
    except PackageNotFoundError:
        return "0.1.0"


DOCKER_IMAGE = f"assay-sandbox:{_image_tag()}"
GRACEFUL_EXIT_S = 2.0
UNSAFE_WARNING = (
    "SANDBOX BACKEND 'process' IS UNSAFE: jobs run as ordinary processes with rlimits and a new "
    "session only; they can read your files, use the network and leave daemons behind. "
    "Use it only for trusted code or debugging; use 'bwrap' or 'docker' for generated code."
)


class WorkerDied(Exception):
    """The zygote stopped answering: it crashed, was killed, or its channel broke."""


class Channel(Protocol):
    def send(self, obj: Any) -> None: ...

    def recv(self, timeout_s: float) -> Any: ...

    def close(self) -> None: ...

    def alive(self) -> bool: ...


@dataclass
class WorkerSpec:
    """What every backend needs to start one worker."""

    index: int
    job_uid: int
    preload: tuple[str, ...]
    heavy: tuple[str, ...] = ()


class _Launcher:
    """Starts worker processes from one thread that lives as long as the host process.

    bwrap's --die-with-parent uses the parent-death signal, which the kernel ties to the
    *thread* that forked: a worker started from a short-lived pool thread would be killed
    when that thread ends, and one started without the flag outlives a killed host.
    """

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[tuple, dict, Future]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="assay-sandbox-launcher", daemon=True
                )
                self._thread.start()
        future: Future = Future()
        self._requests.put((args, kwargs, future))
        return future.result()

    def _serve(self) -> None:
        while True:
            args, kwargs, future = self._requests.get()
            try:
                future.set_result(subprocess.Popen(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)


LAUNCHER = _Launcher()


class ProcessChannel:
    """Frames over the stdin/stdout pipes of a local process (bwrap or bare python)."""

    def __init__(
        self, argv: list[str], env: dict[str, str] | None, cleanup: str | None = None
    ) -> None:
        self.argv = argv
        self.cleanup = cleanup
        self.proc = LAUNCHER.popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        assert (
            self.proc.stdin is not None
            and self.proc.stdout is not None
            and self.proc.stderr is not None
        )
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()
        self._err = self.proc.stderr.fileno()
        os.set_blocking(self._err, False)
        self._stderr_tail = b""
        self._buf = b""

    def send(self, obj: Any) -> None:
        try:
            protocol.write_frame(self._in, obj)
        except OSError as exc:
            raise WorkerDied(f"cannot write to worker: {exc}; {self.stderr_tail()}") from None

    def recv(self, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            frame = self._take_frame()
            if frame is not None:
                return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerDied(f"worker did not answer within {timeout_s:.1f}s")
            ready, _, _ = select.select([self._out, self._err], [], [], remaining)
            if self._err in ready:
                self._drain_stderr()
            if self._out in ready:
                chunk = os.read(self._out, 1 << 20)
                if not chunk:
                    raise WorkerDied(f"worker exited ({self.proc.poll()}); {self.stderr_tail()}")
                self._buf += chunk

    def _take_frame(self) -> Any:
        if len(self._buf) < protocol.HEADER.size:
            return None
        (size,) = protocol.HEADER.unpack_from(self._buf)
        if size > protocol.MAX_FRAME:
            raise WorkerDied("worker sent an oversized frame")
        end = protocol.HEADER.size + size
        if len(self._buf) < end:
            return None
        body, self._buf = self._buf[protocol.HEADER.size : end], self._buf[end:]
        try:
            return protocol.json.loads(body)
        except ValueError:
            raise WorkerDied("worker sent a malformed frame") from None

    def _drain_stderr(self) -> None:
        try:
            chunk = os.read(self._err, 65536)
        except BlockingIOError:
            return
        self._stderr_tail = (self._stderr_tail + chunk)[-4000:]

    def stderr_tail(self) -> str:
        self._drain_stderr()
        return self._stderr_tail.decode("utf-8", "replace").strip()[-1500:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """End of input first (the zygote exits between jobs and everything is reaped in
        order), SIGKILL to the whole group when that does not end it promptly."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
                self.proc.wait(timeout=GRACEFUL_EXIT_S)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        if self.cleanup:
            shutil.rmtree(self.cleanup, ignore_errors=True)


def _python_paths() -> list[str]:
    """Directories the sandboxed interpreter needs, read-only: its prefix and its venv."""
    out = []
    for path in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix}:
        if not path.startswith("/usr/"):
            out.append(path)
    return sorted(out)


def bwrap_argv(spec: WorkerSpec, as_root: bool, bwrap: str = "bwrap") -> list[str]:
    """The bubblewrap command line for one worker (no network, read-only system, own PID namespace)."""
    argv = [
        bwrap,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
    ]
    # The sandbox dies with the bwrap process, and bwrap with the host (see _Launcher).
    argv += ["--die-with-parent", "--new-session", "--clearenv"]
    argv += ["--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8"]
    argv += [
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "PYTHONHASHSEED",
        HASH_SEED,
        "--hostname",
        "sandbox",
    ]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/ssl/certs"):
        argv += ["--ro-bind-try", etc, etc]
    # The private /tmp comes before the interpreter's binds, so a venv that lives under /tmp
    # (a checkout in /tmp, as CI may use) is bound on top of it instead of hidden by it.
    argv += ["--size", str(TMPFS_BYTES), "--perms", "0755", "--tmpfs", "/tmp"]
    made: set[str] = {"/tmp"}
    for path in _python_paths():
        # Fresh, traversable parents: the host's may be private (e.g. /root is 0700), and
        # nothing but the bound directory itself becomes visible.
        parents = [str(p) for p in reversed(Path(path).parents) if str(p) not in ("/", "/usr")]
        for parent in parents:
            if parent not in made and not parent.startswith("/usr/"):
                argv += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        argv += ["--ro-bind", path, path]
    argv += ["--ro-bind", str(RUNTIME_DIR), f"{IN_SANDBOX_RUNTIME}/assay_runtime"]
    argv += ["--dev", "/dev", "--size", str(SHM_BYTES), "--perms", "1777", "--tmpfs", "/dev/shm"]
    argv += ["--perms", "0700", "--dir", "/run/assay", "--proc", SANDBOX_PROC]
    if as_root:
        argv += ["--cap-drop", "ALL"]
        for cap in ZYGOTE_CAPS:
            argv += ["--cap-add", cap]
    else:
        argv += ["--unshare-user"]
    argv += [
        "--chdir",
        "/tmp",
        sys.executable,
        *PYTHON_FLAGS,
        "-c",
        ZYGOTE_BOOT.format(path=IN_SANDBOX_RUNTIME),
    ]
    argv += [
        "--scratch",
        SCRATCH,
        "--proc",
        SANDBOX_PROC,
        "--preload",
        ",".join(spec.preload),
        "--heavy",
        ",".join(spec.heavy),
    ]
    if as_root:
        argv += ["--uid", str(spec.job_uid)]
    return argv


class BwrapBackend:
    name = "bwrap"
    isolated = True

    def __init__(self) -> None:
        self.bwrap = shutil.which("bwrap")
        if self.bwrap is None:
            raise RuntimeError(
                "backend 'bwrap' needs bubblewrap (Debian package 'bubblewrap') on PATH"
            )
        self.as_root = os.geteuid() == 0
        if not self.as_root:
            log.warning(
                "sandbox: bwrap without root runs jobs under the zygote's own uid; a job that leaves "
                "processes behind costs a worker restart"
            )

    def start(self, spec: WorkerSpec) -> Channel:
        return ProcessChannel(bwrap_argv(spec, self.as_root, self.bwrap or "bwrap"), env={})


class ProcessBackend:
    name = "process"
    isolated = False

    def __init__(self) -> None:
        log.warning(UNSAFE_WARNING)
        print(f"WARNING: {UNSAFE_WARNING}", file=sys.stderr)

    def start(self, spec: WorkerSpec) -> Channel:
        base = tempfile.mkdtemp(prefix="assay-sandbox-")
        os.chmod(base, 0o755)
        # Only the runtime package on sys.path: the host package's module names stay out of reach.
        lib = os.path.join(base, "lib")
        os.mkdir(lib)
        os.symlink(RUNTIME_DIR, os.path.join(lib, "assay_runtime"))
        argv = [sys.executable, *PYTHON_FLAGS, "-c", ZYGOTE_BOOT.format(path=lib)]
        argv += [
            "--scratch",
            os.path.join(base, "job"),
            "--preload",
            ",".join(spec.preload),
            "--heavy",
            ",".join(spec.heavy),
        ]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": base,
            "PYTHONHASHSEED": HASH_SEED,
        }
        return ProcessChannel(argv, env=env, cleanup=base)


def docker_create_kwargs(
    spec: WorkerSpec, image: str, memory_mb: int, cpus: float
) -> dict[str, Any]:
    """Arguments for `containers.create`: no network, read-only root, tmpfs scratch, hard limits."""
    command = ["python", *PYTHON_FLAGS, "-c", ZYGOTE_BOOT.format(path=IN_SANDBOX_RUNTIME)]
    command += ["--scratch", SCRATCH, "--proc", "/proc", "--uid", str(spec.job_uid)]
    command += ["--preload", ",".join(spec.preload), "--heavy", ",".join(spec.heavy)]
    return {
        "image": image,
        "command": command,
        "name": f"assay-sandbox-{os.getpid()}-{spec.index}-{random.randrange(1 << 30):x}",
        "stdin_open": True,
        "tty": False,
        "detach": True,
        "network_mode": "none",
        "network_disabled": True,
        "read_only": True,
        "tmpfs": {
            "/tmp": f"rw,size={TMPFS_BYTES},mode=0755",
            "/dev/shm": "rw,size=67108864,mode=1777",
        },
        "pids_limit": 256,
        "mem_limit": f"{memory_mb * 2 + 512}m",
        "memswap_limit": f"{memory_mb * 2 + 512}m",
        "nano_cpus": int(cpus * 1e9),
        "cap_drop": ["ALL"],
        "cap_add": [c.removeprefix("CAP_") for c in ZYGOTE_CAPS],
        "security_opt": ["no-new-privileges"],
        "environment": {"LANG": "C.UTF-8", "HOME": "/tmp", "PYTHONHASHSEED": HASH_SEED},
        "working_dir": "/tmp",
        "user": "0:0",
        "labels": {"assay.sandbox": "worker"},
        "auto_remove": False,
    }


def demux_docker_stream(buf: bytes) -> tuple[bytes, bytes, bytes]:
    """Split Docker's multiplexed attach stream into (stdout, stderr, rest not yet complete)."""
    out, err = bytearray(), bytearray()
    pos = 0
    while len(buf) - pos >= 8:
        kind, size = struct.unpack_from(">BxxxI", buf, pos)
        if len(buf) - pos - 8 < size:
            break
        payload = buf[pos + 8 : pos + 8 + size]
        (out if kind == 1 else err).extend(payload)
        pos += 8 + size
    return bytes(out), bytes(err), buf[pos:]


class DockerChannel:
    """Frames over a container's attached stdin/stdout (Docker multiplexes the output stream)."""

    def __init__(self, container: Any, sock: Any) -> None:
        self.container = container
        self.sock = getattr(sock, "_sock", sock)
        self._raw = b""
        self._buf = b""
        self._err = b""

    def send(self, obj: Any) -> None:
        try:
            self.sock.sendall(protocol.encode(obj))
        except OSError as exc:
            raise WorkerDied(f"cannot write to container: {exc}") from None

    def recv(self, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            if len(self._buf) >= protocol.HEADER.size:
                (size,) = protocol.HEADER.unpack_from(self._buf)
                end = protocol.HEADER.size + size
                if len(self._buf) >= end:
                    body, self._buf = self._buf[protocol.HEADER.size : end], self._buf[end:]
                    return protocol.json.loads(body)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerDied(f"container did not answer within {timeout_s:.1f}s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            except OSError as exc:
                raise WorkerDied(f"container channel broke: {exc}") from None
            if not chunk:
                raise WorkerDied(
                    f"container exited; {self._err[-1500:].decode('utf-8', 'replace')}"
                )
            out, err, self._raw = demux_docker_stream(self._raw + chunk)
            self._buf += out
            self._err = (self._err + err)[-4000:]

    def alive(self) -> bool:
        try:
            self.container.reload()
            return self.container.status == "running"
        except Exception:  # noqa: BLE001 - the engine may be gone
            return False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        try:
            self.container.remove(force=True)
        except Exception as exc:  # noqa: BLE001 - best effort: the container may already be gone
            log.debug("sandbox: could not remove container: %s", exc)


class DockerBackend:
    """One container per worker from docker/sandbox.Dockerfile, through the Docker SDK."""

    name = "docker"
    isolated = True

    def __init__(
        self, client: Any = None, image: str | None = None, memory_mb: int = 1024, cpus: float = 1.0
    ) -> None:
        if client is None:
            import docker

            client = docker.from_env()
        self.client = client
        self.image = image or os.environ.get("ASSAY_SANDBOX_IMAGE", DOCKER_IMAGE)
        self.memory_mb = memory_mb
        self.cpus = cpus

    def start(self, spec: WorkerSpec) -> Channel:
        container = self.client.containers.create(
            **docker_create_kwargs(spec, self.image, self.memory_mb, self.cpus)
        )
        sock = container.attach_socket(params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        container.start()
        return DockerChannel(container, sock)


def make_backend(name: str, memory_mb: int = 1024, docker_client: Any = None) -> Any:
    if name == "bwrap":
        return BwrapBackend()
    if name == "docker":
        return DockerBackend(client=docker_client, memory_mb=memory_mb)
    if name == "process":
        return ProcessBackend()
    raise ValueError(f"unknown sandbox backend {name!r}: choose bwrap, docker or process")
