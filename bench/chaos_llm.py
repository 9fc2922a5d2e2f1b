"""A batch against an endpoint that misbehaves on 30% of requests still accounts for every row.

1,000 requests; the fake server injects every fault kind (429 with and without
Retry-After, 500, 503, connection resets, read timeouts, slow answers, truncated
and content-filtered answers, empty and malformed bodies) at 30% in total. Prints
requests sent against the fault-free minimum, rows lost (must be 0), how the
failures break down, and what a re-run has to send.

    python bench/chaos_llm.py [--requests 1000] [--fault-rate 0.3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.llm_client import start_fake_server
from resources.llm import LLMBatchFailed, LLMRequest, LLMResource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-s", type=float, default=0.02)
    args = parser.parse_args()

    server, base_url = start_fake_server(
        args.latency_s, args.fault_rate, ["--timeout-sleep-s", "2.0"]
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            resource = LLMResource(
                engine="openai",
                base_url=base_url,
                model="fake-model",
                concurrency=args.concurrency,
                timeout_s=1.0,
                retry_base_s=0.1,
                cache_path=str(Path(tmp) / "chaos_cache.sqlite"),
            )
            requests = [
                LLMRequest(f"row-{i}", [{"role": "user", "content": f"chaos question {i}"}])
                for i in range(args.requests)
            ]
            started = time.perf_counter()
            try:
                result = resource.generate(requests)
            except LLMBatchFailed as failed:
                result = failed.result
            elapsed = time.perf_counter() - started
            rerun = resource.generate(requests)
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as reply:
            seen = json.load(reply)
    finally:
        server.terminate()
        server.wait()

    returned = {(c.key, c.sample_index) for c in result.completions}
    lost = len({(r.key, 0) for r in requests} - returned)
    ok = sum(c.ok for c in result.completions)
    print(f"requests                 {args.requests}, faults injected at {args.fault_rate:.0%}")
    print(f"finished in              {elapsed:.1f} s")
    print(
        f"requests sent            {result.stats.sent} (fault-free minimum {args.requests}, "
        f"ratio {result.stats.sent / args.requests:.2f}, retries {result.stats.retries})"
    )
    print(f"answers accepted         {ok}")
    print(f"recorded failures        {result.stats.failed}: {dict(result.stats.failure_reasons)}")
    print(f"rows lost                {lost}  (must be 0)")
    print(f"server saw               {seen['requests']} requests, faults {seen['faults']}")
    print(
        f"re-run                   {rerun.stats.cache_hits} cache hits, "
        f"{rerun.stats.samples - rerun.stats.cache_hits} samples re-sent (the first run's failures), "
        f"{rerun.stats.sent} requests incl. retries, {rerun.stats.failed} still failing"
    )


if __name__ == "__main__":
    main()
