"""Leak check: many jobs in a row leave no process, no scratch file and no growing memory.

    python bench/sandbox_leaks.py [--jobs 10000] [--workers 2]

The batch mixes trivial passing pytest jobs, call jobs, and jobs that leave work behind
(files in scratch, a background `sleep`, a daemonised grandchild, a write to /dev/shm).
Every --every jobs it records the resident memory of each zygote and of this process.
At the end: no process of a job uid alive on the host, an empty scratch directory seen
from a fresh job, and the memory series.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resources.sandbox import PASSED, Sandbox

PASS_TEST = "from solution import f\n\ndef test_f():\n    assert f() == 1\n"
KINDS = [
    {"kind": "pytest", "solution_code": "def f():\n    return 1\n", "test_code": PASS_TEST},
    {
        "kind": "call",
        "code": "def f(x):\n    return [x] * 3\n",
        "entry_point": "f",
        "inputs": [{"x": 1}, {"x": 2}],
    },
    {
        "kind": "pytest",
        "solution_code": (
            "import os, subprocess\ndef f():\n    open('junk.bin', 'wb').write(b'x' * 100000)\n"
            "    os.makedirs('deep/er', exist_ok=True)\n    subprocess.Popen(['sleep', '600'])\n"
            "    try:\n        open('/dev/shm/junk', 'w').write('x')\n    except OSError:\n        pass\n"
            "    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n            import time\n            time.sleep(600)\n        os._exit(0)\n"
            "    return 1\n"
        ),
        "test_code": PASS_TEST,
    },
]


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def zygote_pids(sb: Sandbox) -> list[int]:
    """The zygote of each worker: the python process under each bwrap (host pid namespace)."""
    pids = []
    for worker in sb.pool.workers:
        proc = getattr(worker.channel, "proc", None)
        if proc is None:
            continue
        for pid in descendants(proc.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    argv = fh.read().split(b"\0")
                if Path(argv[0].decode()).name.startswith(
                    "python"
                ) and b"assay_runtime.zygote" in b" ".join(argv):
                    pids.append(pid)
                    break
            except OSError:
                continue
    return pids


def job_processes(uids: list[int]) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid in uids:
                    out.append(int(name))
            except OSError:
                continue
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--backend", default="bwrap")
    args = parser.parse_args()
    with Sandbox(backend=args.backend, workers=args.workers, timeout_s=10.0) as sb:
        sb.run([dict(KINDS[0], id="warm-up")])
        uids = sb.job_uids()
        started = time.monotonic()
        done, failures, series = 0, 0, []
        while done < args.jobs:
            n = min(args.every, args.jobs - done)
            batch = [dict(KINDS[(done + i) % len(KINDS)], id=f"j{done + i}") for i in range(n)]
            results = sb.run(batch)
            failures += sum(r["status"] != PASSED for r in results)
            done += n
            zygotes = zygote_pids(sb)
            series.append(
                (done, [rss_kb(p) for p in zygotes], rss_kb(os.getpid()), len(job_processes(uids)))
            )
            print(
                f"{done:6d} jobs  {time.monotonic() - started:7.1f}s  zygote RSS kB {series[-1][1]}  host RSS kB {series[-1][2]}  "
                f"job processes alive {series[-1][3]}",
                flush=True,
            )
        probe = {
            "id": "probe",
            "kind": "call",
            "entry_point": "f",
            "inputs": [{}],
            "code": "import os\ndef f():\n    return [sorted(os.listdir('.')), sorted(os.listdir('/dev/shm')), sorted(os.listdir('/tmp'))]\n",
        }
        (listing,) = sb.run([probe])
        leftover = job_processes(uids)
        capacity = sb.capacity()
    elapsed = time.monotonic() - started
    print(
        f"{args.jobs} jobs in {elapsed:.0f}s ({args.jobs / elapsed:.1f} jobs/s), non-passed: {failures}"
    )
    print(
        f"after the batch: job processes alive {len(leftover)}, workers alive {capacity}/{args.workers}"
    )
    print(
        f"scratch / /dev/shm / /tmp as a fresh job sees them: {listing['outcomes'][0]['value_json']}"
    )
    first, last = series[0], series[-1]
    print(
        f"zygote RSS kB after {first[0]} jobs: {first[1]}, after {last[0]} jobs: {last[1]}; host RSS kB {first[2]} -> {last[2]}"
    )
    return 0 if not leftover and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
