"""How close the LLM client gets to ideal throughput against a fixed-latency endpoint.

2,000 requests at concurrency 64 against the loopback fake server answering after
100 ms: ideal wall time is requests x latency / concurrency. Prints the achieved
ratio (ideal / measured; 1.0 is perfect, target >= 0.9). The server runs in its own
process so its request handling does not share the client's GIL.

    python bench/llm_client.py [--requests 2000] [--concurrency 64] [--latency-s 0.1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resources.llm import LLMRequest, LLMResource


def start_fake_server(
    latency_s: float, fault_rate: float = 0.0, extra: list[str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start tests/fakes/openai_server.py in a child process; returns it and its base URL."""
    cmd = [sys.executable, "-m", "tests.fakes.openai_server", "--latency-s", str(latency_s)]
    if fault_rate:
        cmd += ["--fault-rate", str(fault_rate)]
    cmd += extra or []
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _process_cpu_s(pid: int) -> float:
    """User+system CPU seconds a child process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _runqueue_wait_s(pid: int | str = "self") -> float:
    """Seconds a process's threads were runnable but waiting for a CPU (Linux schedstat).

    On a shared machine this is the time other work took from the client: with one
    event loop, every millisecond here delays the requests queued behind it.
    """
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):  # a thread that ended meanwhile
            continue
    return total / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-s", type=float, default=0.1)
    args = parser.parse_args()

    load = os.getloadavg()
    server, base_url = start_fake_server(args.latency_s)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            resource = LLMResource(
                engine="openai",
                base_url=base_url,
                model="fake-model",
                concurrency=args.concurrency,
                cache_path=str(Path(tmp) / "bench_cache.sqlite"),
            )
            requests = [
                LLMRequest(f"row-{i}", [{"role": "user", "content": f"benchmark question {i}"}])
                for i in range(args.requests)
            ]
            # Warm-up: first-use imports and connection setup are not what this measures.
            resource.generate(
                [
                    LLMRequest(f"warm-{i}", [{"role": "user", "content": f"warm {i}"}])
                    for i in range(args.concurrency)
                ]
            )
            waited_before = _runqueue_wait_s()
            started, cpu_started = time.perf_counter(), time.process_time()
            result = resource.generate(requests)
            measured, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            waited = _runqueue_wait_s() - waited_before
            load_after = os.getloadavg()
            rerun_started = time.perf_counter()
            rerun = resource.generate(requests)
            rerun_s = time.perf_counter() - rerun_started
        server_cpu = _process_cpu_s(server.pid)
    finally:
        server.terminate()
        server.wait()

    ideal = args.requests * args.latency_s / args.concurrency
    ok = sum(c.ok for c in result.completions)
    print(
        f"requests            {args.requests} (ok {ok}, failed {result.stats.failed}, sent {result.stats.sent})"
    )
    print(f"concurrency         {args.concurrency}, server latency {args.latency_s * 1000:.0f} ms")
    if ideal:
        print(f"ideal wall time     {ideal:.2f} s  ({args.requests / ideal:.0f} req/s)")
    print(f"measured wall time  {measured:.2f} s  ({args.requests / measured:.0f} req/s)")
    print(f"client CPU          {cpu:.2f} s  ({cpu / args.requests * 1000:.2f} ms per request)")
    print(
        f"fake server CPU     {server_cpu:.2f} s over the whole run (warm-up and re-run included)"
    )
    print(
        f"client CPU ceiling  {args.requests / cpu:.0f} req/s if the client had a core to itself"
        f" (1 / CPU per request)"
    )
    print(
        f"client waited       {waited:.2f} s for a CPU during the run (runnable, not running;"
        f" /proc schedstat)"
    )
    print(
        f"machine             {os.cpu_count()} CPUs, load average {load[0]:.1f} before the run,"
        f" {load_after[0]:.1f} after"
    )
    if ideal:
        print(f"throughput ratio    {ideal / measured:.3f}  (ideal / measured; target >= 0.9)")
    print(
        f"cached re-run       {rerun_s:.2f} s, {rerun.stats.cache_hits} cache hits, {rerun.stats.sent} sent"
    )


if __name__ == "__main__":
    main()
