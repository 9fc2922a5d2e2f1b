"""The docker backend, behind a fake Docker client (the real engine runs in test_sandbox_hostile,
test_sandbox_docker_engine and `make test-deploy`).

What can be checked without one: the container is created with the isolation we promise
(no network, read-only root, tmpfs scratch, pids/memory/CPU limits, capabilities dropped),
the attach stream is demultiplexed correctly, and the worker protocol runs over it.
"""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path
from typing import Any

from resources.sandbox.assay_runtime import protocol
from resources.sandbox.backends import (
    DOCKER_IMAGE,
    DockerBackend,
    WorkerSpec,
    demux_docker_stream,
    docker_create_kwargs,
)

DOCKERFILE = Path(__file__).resolve().parents[3] / "docker" / "sandbox.Dockerfile"


def muxed(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(data)) + data


class FakeContainer:
    def __init__(self, peer: socket.socket) -> None:
        self.peer = peer
        self.started = False
        self.removed = False
        self.status = "created"

    def attach_socket(self, params: dict) -> socket.socket:
        self.attach_params = params
        return self.peer

    def start(self) -> None:
        self.started = True
        self.status = "running"

    def reload(self) -> None:
        pass

    def remove(self, force: bool = False) -> None:
        self.removed = force


class FakeClient:
    """Records `containers.create` arguments; the container speaks through a socket pair."""

    def __init__(self) -> None:
        self.created: list[dict] = []
        self.containers = self
        self.ours, self.theirs = socket.socketpair()
        self.container = FakeContainer(self.ours)

    def create(self, **kwargs: Any) -> FakeContainer:
        self.created.append(kwargs)
        return self.container


def test_containers_are_created_with_every_isolation_flag() -> None:
    kwargs = docker_create_kwargs(
        WorkerSpec(0, 200_001, ("numpy",)), "assay-sandbox:latest", memory_mb=1024, cpus=1.0
    )
    assert kwargs["network_mode"] == "none" and kwargs["network_disabled"] is True
    assert kwargs["read_only"] is True
    assert set(kwargs["tmpfs"]) == {"/tmp", "/dev/shm"} and "size=" in kwargs["tmpfs"]["/tmp"]
    assert kwargs["pids_limit"] > 0 and kwargs["mem_limit"] == kwargs["memswap_limit"]
    assert kwargs["nano_cpus"] == 1_000_000_000
    assert kwargs["cap_drop"] == ["ALL"] and set(kwargs["cap_add"]) == {
        "SETUID",
        "SETGID",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "KILL",
    }
    assert "no-new-privileges" in kwargs["security_opt"]
    assert kwargs["stdin_open"] and not kwargs["tty"]
    command = kwargs["command"]
    assert command[command.index("--uid") + 1] == "200001" and "--scratch" in command
    assert "OPENAI_API_KEY" not in kwargs["environment"] and set(kwargs["environment"]) <= {
        "LANG",
        "HOME",
        "PYTHONHASHSEED",
    }


def test_the_attach_stream_is_demultiplexed_across_chunk_boundaries() -> None:
    stream = muxed(1, b"hello ") + muxed(2, b"warning") + muxed(1, b"world")
    out, err, rest = demux_docker_stream(stream[:-3])
    assert (out, err) == (b"hello ", b"warning") and rest == stream[-13:-3]
    out2, _, rest2 = demux_docker_stream(rest + stream[-3:])
    assert out2 == b"world" and rest2 == b""


def test_a_worker_runs_over_the_container_channel() -> None:
    client = FakeClient()
    backend = DockerBackend(client=client, image="assay-sandbox:test", memory_mb=512)

    def zygote() -> None:
        # A stand-in for the container: ready frame, then answer one job, all multiplexed.
        client.theirs.sendall(muxed(1, protocol.encode({"ready": True})[:5]))
        client.theirs.sendall(
            muxed(1, protocol.encode({"ready": True})[5:]) + muxed(2, b"log line\n")
        )
        header = client.theirs.recv(4)
        body = b""
        while len(body) < protocol.HEADER.unpack(header)[0]:
            body += client.theirs.recv(65536)
        job = protocol.json.loads(body)["job"]
        client.theirs.sendall(muxed(1, protocol.encode({"id": job["id"], "status": "passed"})))

    thread = threading.Thread(target=zygote, daemon=True)
    thread.start()
    channel = backend.start(WorkerSpec(0, 200_002, ()))
    assert channel.recv(5) == {"ready": True}
    channel.send({"job": {"id": "j1", "kind": "pytest"}, "timeout_s": 1})
    assert channel.recv(5) == {"id": "j1", "status": "passed"}
    assert client.created[0]["image"] == "assay-sandbox:test" and client.container.started
    assert client.container.attach_params["stdin"] == 1
    channel.close()
    assert client.container.removed
    thread.join(timeout=5)


def test_the_image_carries_only_the_runtime_and_the_documented_packages() -> None:
    text = DOCKERFILE.read_text()
    assert "COPY resources/sandbox/assay_runtime /opt/assay/assay_runtime" in text
    pins = (DOCKERFILE.parent / "sandbox-requirements.txt").read_text()
    for package in ("pytest", "coverage", "numpy", "pandas", "scipy", "scikit-learn", "sympy"):
        assert f"\n{package}==" in pins
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in text and "FROM ${BASE_IMAGE}" in text


def test_the_default_image_is_tagged_with_the_project_version_not_latest() -> None:
    assert DOCKER_IMAGE.startswith("assay-sandbox:") and not DOCKER_IMAGE.endswith(":latest")
