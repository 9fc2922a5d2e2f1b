"""How assay's costs grow: one workload at one size per run, figures printed, and a last line
of `key=value` figures (README, "Running on more than one machine", has the table).

    python bench/scale.py dedup --n 1000000 [--impl vectorized|datasketch|datatrove] [--compare]
    python bench/scale.py release --n 100           # partitions of --rows rows (1,000)
    python bench/scale.py partition --n 100000      # seed lines through the first LLM + sandbox stage
    python bench/scale.py seeds --n 10000           # seed files under the sensor, and the UI query

Each run is its own process, so `peak_rss_mib` (getrusage) is that workload's peak; `--compare`
runs the other dedup implementations as child processes on the same corpus size.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np

from bench import near_duplicates

COUNT_CHILDREN = (
    False  # datatrove may run stages in child processes; --compare children aren't ours
)


def peak_rss_mib() -> float:
    """This process's peak (or a child's, when the workload's own children count)."""
    who = (
        (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        if COUNT_CHILDREN
        else (resource.RUSAGE_SELF,)
    )
    return max(resource.getrusage(w).ru_maxrss for w in who) / 1024


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def emit(figures: dict[str, object]) -> None:
    figures = {"peak_rss_mib": round(peak_rss_mib()), **figures, "load": load()}
    print(" ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


# ---------------------------------------------------------------------------------------------
# dedup


def datasketch_labels(ids: Sequence[str], texts: Sequence[str], threshold: float) -> np.ndarray:
    """The implementation before the vectorized one: one datasketch MinHash per text, a
    MinHashLSH query and insert per text, and a union when the estimate clears the threshold."""
    from datasketch import MinHashLSH

    from assets.common.dedup import MinHashParams, minhash

    params = MinHashParams(threshold=threshold)
    lsh = MinHashLSH(threshold=threshold, num_perm=params.num_perm)
    hashes, parent = {}, {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k in sorted(range(len(ids)), key=ids.__getitem__):
        mh = minhash(texts[k], params)
        parent[k] = k
        for other in lsh.query(mh):
            if mh.jaccard(hashes[other]) >= threshold:
                a, b = find(k), find(other)
                if a != b:
                    parent[max(a, b, key=ids.__getitem__)] = min(a, b, key=ids.__getitem__)
        lsh.insert(k, mh)
        hashes[k] = mh
    return np.asarray([find(k) for k in range(len(ids))])


def vectorized_labels(ids: Sequence[str], texts: Sequence[str], threshold: float) -> np.ndarray:
    from assets.common.dedup import MinHashParams, canonical_members

    canon = canonical_members(zip(ids, texts, strict=True), MinHashParams(threshold=threshold))
    index = {item_id: k for k, item_id in enumerate(ids)}
    return np.asarray([index[canon[i]] for i in ids])


def datatrove_labels(ids: Sequence[str], texts: Sequence[str], threshold: float) -> np.ndarray:
    """datatrove's four MinHash stages (signatures, buckets, clusters) on one local worker,
    3-word shingles, the same `\\w+` words and SHA-1 as ours; its own bands (14 of 8
    hashes) and normalisation. Cluster ids come from `.clusters`."""

    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupSignature,
    )
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.word_tokenizers import WordTokenizer

    class Words(WordTokenizer):
        def word_tokenize(self, text: str) -> list[str]:
            return near_duplicates.WORD.findall(text)

        def sent_tokenize(self, text: str) -> list[str]:
            return [text]

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [(0, len(text))]

    def documents(data=None, rank: int = 0, world_size: int = 1):
        for k, text in enumerate(texts):
            yield Document(text=text, id=ids[k])

    # Its default xxhash call passes str, which xxhash 4 refuses ("Strings must be encoded").
    config = MinhashConfig(n_grams=3, hash_config=HashConfig(hash_fc="sha1"))
    with tempfile.TemporaryDirectory() as tmp:
        for pipeline in (
            [documents, MinhashDedupSignature(f"{tmp}/sigs", config=config, language=Words())],
            [MinhashDedupBuckets(f"{tmp}/sigs", f"{tmp}/buckets", config=config)],
            [
                MinhashDedupCluster(
                    f"{tmp}/buckets", f"{tmp}/remove", config=config, save_cluster_id=True
                )
            ],
        ):
            tasks = config.num_buckets if isinstance(pipeline[0], MinhashDedupBuckets) else 1
            LocalPipelineExecutor(
                pipeline, tasks=tasks, workers=1, logging_dir=f"{tmp}/logs/{time.time_ns()}"
            ).run()
        labels = np.arange(len(ids)) + len(ids)
        path = Path(tmp) / "remove" / "000000.clusters"
        if path.exists():
            pairs = np.frombuffer(path.read_bytes(), dtype="<u4").reshape(-1, 2)
            labels[pairs[:, 0]] = pairs[:, 1]
    return labels


IMPLEMENTATIONS: dict[str, Callable[[Sequence[str], Sequence[str], float], np.ndarray]] = {
    "vectorized": vectorized_labels,
    "datasketch": datasketch_labels,
    "datatrove": datatrove_labels,
}


def dedup(args: argparse.Namespace) -> dict[str, object]:
    started = time.perf_counter()
    corpus = near_duplicates.corpus(args.n, seed=args.seed)
    generated = time.perf_counter() - started
    rss_corpus = peak_rss_mib()
    print(f"corpus: {args.n} texts in {generated:.1f} s, {rss_corpus:.0f} MiB; load {load()}")
    started, cpu = time.perf_counter(), time.process_time()
    labels = IMPLEMENTATIONS[args.impl](corpus.ids, corpus.texts, args.threshold)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{args.impl}: {seconds:.1f} s ({cpu_s:.1f} s CPU), peak {peak_rss_mib():.0f} MiB; load {load()}"
    )
    pairs = near_duplicates.planted_pairs(corpus.cluster, limit=args.recall_pairs)
    found, similar = near_duplicates.recall(labels, corpus.texts, pairs, args.threshold)
    figures: dict[str, object] = {
        "workload": "dedup",
        "impl": args.impl,
        "n": args.n,
        "seconds": round(seconds, 1),
        "cpu_s": round(cpu_s, 1),  # this process only: the honest figure on a shared machine
        "rss_corpus_mib": round(rss_corpus),
        "recall": round(found, 4),
        "recall_pairs": similar,
        "precision": round(near_duplicates.precision(labels, corpus.cluster), 4),
        "removed": int(args.n - np.unique(labels).size),
    }
    if args.exact_sample:
        sample = min(args.n, args.exact_sample)
        exact_recall, exact_precision, exact_pairs = near_duplicates.exact_check(
            labels[:sample], corpus.texts[:sample], args.threshold
        )
        figures |= {
            "exact_sample": sample,
            "exact_pairs": exact_pairs,
            "exact_recall": round(exact_recall, 4),
            "exact_precision": round(exact_precision, 4),
        }
    return figures


def compare(args: argparse.Namespace, others: Sequence[str]) -> list[str]:
    lines = []
    for impl in others:
        command = [
            sys.executable,
            __file__,
            "dedup",
            "--n",
            str(args.n),
            "--impl",
            impl,
            "--exact-sample",
            "0",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        last = (done.stdout.strip().splitlines() or [""])[-1]
        if done.returncode:
            last = f"impl={impl} error={done.stderr.strip().splitlines()[-1]!r}"
        print(f"compare: {last}", flush=True)
        lines.append(last)
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=("dedup", "release", "partition", "seeds"))
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--impl", choices=tuple(IMPLEMENTATIONS), default="vectorized")
    parser.add_argument(
        "--compare",
        nargs="*",
        default=None,
        metavar="IMPL",
        help="also run these dedup implementations (default: the other two)",
    )
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--recall-pairs", type=int, default=50_000)
    parser.add_argument("--exact-sample", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1000, help="release: rows per partition")
    parser.add_argument("--concurrency", type=int, default=16, help="partition: LLM requests")
    args = parser.parse_args(argv)
    global COUNT_CHILDREN
    COUNT_CHILDREN = args.impl == "datatrove"
    if args.workload == "dedup":
        if args.compare is not None:
            compare(args, args.compare or [i for i in IMPLEMENTATIONS if i != args.impl])
        emit(dedup(args))
    else:
        from bench import scale_workloads

        emit(getattr(scale_workloads, args.workload)(args))


if __name__ == "__main__":
    main()
