"""Our LLMResource on the embedded engine against xllamacpp called directly, same prompts.

Both arms answer the same KodCode-style trial prompts (a shared system prompt and
template, as in the demo) at temperature 0, so they write about the same tokens.
Arm "assay": LLMResource(engine="embedded") with our server settings, through our HTTP
client, answer cache off. Arm "direct": a second xllamacpp server built with the same
settings, called in-process (`Server.handle_chat_completions`) from one thread per slot,
no HTTP, no cache, no recorder. The arms alternate (assay, direct, assay, direct) so a
load change on a shared machine hits both. Prints each run's prompt and completion
tokens/s (wall clock) and the ratio assay / direct (target >= 0.9).

    python bench/embedded_engine.py [--model qwen2.5-coder-1.5b-instruct] [--requests 8]
                                    [--max-tokens 96] [--rounds 2] [--slots 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assets.kodcode.prompts import trial_messages
from resources.llm import LLMRequest, LLMResource
from resources.llm.engines import embedded

QUESTIONS = [
    "Write a function two_sum(nums, target) that returns the indices of the two numbers adding up to target.",
    "Write a function is_balanced(s) that says whether every letter of s occurs the same number of times.",
    "Write a function reverse_words(s) that reverses the order of the words in s.",
    "Write a function merge_intervals(intervals) that merges overlapping [start, end] intervals.",
    "Write a function count_primes(n) that returns how many primes are below n.",
    "Write a function flatten(nested) that flattens a nested list of integers.",
    "Write a function rle(s) that run-length encodes s, e.g. 'aaab' -> 'a3b1'.",
    "Write a function median(xs) that returns the median of a non-empty list of numbers.",
    "Write a function rotate(matrix) that rotates a square matrix 90 degrees clockwise in place.",
    "Write a function roman(n) that converts an integer from 1 to 3999 to a Roman numeral.",
    "Write a function anagrams(words) that groups words that are anagrams of each other.",
    "Write a function lcs(a, b) that returns the length of the longest common subsequence.",
]


def requests_for(count: int) -> list[LLMRequest]:
    return [
        LLMRequest(
            key=f"q{i}", messages=trial_messages(QUESTIONS[i % len(QUESTIONS)] + f" (variant {i})")
        )
        for i in range(count)
    ]


def run_assay(model: str, requests: list[LLMRequest], slots: int, max_tokens: int) -> dict:
    resource = LLMResource(
        engine="embedded",
        model=model,
        concurrency=slots,
        cache_path="",
        temperature=0.0,
        max_tokens=max_tokens,
        failure_threshold=1.0,
    )
    started = time.monotonic()
    stats = resource.generate(requests).stats
    wall = time.monotonic() - started
    return {
        "wall": wall,
        "prompt": stats.prompt_tokens,
        "completion": stats.completion_tokens,
        "reused": stats.reused_prompt_tokens,
    }


def direct_server(model: str, slots: int):
    import xllamacpp

    params = embedded.server_params(embedded.ensure_model_file(model), model, slots)
    return xllamacpp.Server(params)


def run_direct(server, model: str, requests: list[LLMRequest], slots: int, max_tokens: int) -> dict:
    def one(request: LLMRequest) -> dict:
        body = {
            "model": model,
            "messages": [dict(m) for m in request.messages],
            "temperature": 0.0,
            "top_p": 0.95,
            "max_tokens": max_tokens,
            "n": 1,
            "seed": 0,
        }
        return server.handle_chat_completions(body)

    started = time.monotonic()
    with ThreadPoolExecutor(slots) as pool:
        answers = list(pool.map(one, requests))
    wall = time.monotonic() - started
    usage = [a.get("usage", {}) for a in answers]
    return {
        "wall": wall,
        "prompt": sum(u.get("prompt_tokens", 0) for u in usage),
        "completion": sum(u.get("completion_tokens", 0) for u in usage),
        "reused": sum(a.get("timings", {}).get("cache_n", 0) for a in answers),
    }


def line(arm: str, r: dict) -> str:
    return (
        f"{arm:<7} {r['wall']:6.1f} s  prompt {r['prompt']:5d} tok ({r['prompt'] / r['wall']:6.1f}/s, "
        f"{r['reused']} from prefix cache)  completion {r['completion']:5d} tok ({r['completion'] / r['wall']:5.1f}/s)"
    )


def tagged(requests: list[LLMRequest], tag: str) -> list[LLMRequest]:
    """The same requests with `[tag]` after the user turn, so no earlier run's cache answers."""
    return [
        LLMRequest(
            r.key,
            (r.messages[0], {**r.messages[1], "content": f"{r.messages[1]['content']} [{tag}]"}),
        )
        for r in requests
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=embedded.DEFAULT_MODEL)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--slots", type=int, default=4, help="parallel slots (the demo's LLM concurrency)"
    )
    args = parser.parse_args()
    requests = requests_for(args.requests)
    print(
        f"model {args.model}, {args.requests} requests x {args.max_tokens} max tokens, {args.slots} slots, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    direct = direct_server(args.model, args.slots)
    ratios = []
    for round_ in range(args.rounds):
        # Different prompts per round and arm: neither finds the other's prompts cached.
        a = run_assay(args.model, tagged(requests, f"round {round_}"), args.slots, args.max_tokens)
        batch = tagged(requests, f"round {round_}b")
        d = run_direct(direct, args.model, batch, args.slots, args.max_tokens)
        print(line("assay", a))
        print(line("direct", d))
        ratios.append((a["completion"] / a["wall"]) / (d["completion"] / d["wall"]))
        print(f"round {round_ + 1}: completion tok/s ratio assay/direct = {ratios[-1]:.2f}")
    print(
        f"ratio (median of {len(ratios)} rounds): {statistics.median(ratios):.2f}  (target >= 0.9); "
        f"load now {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
