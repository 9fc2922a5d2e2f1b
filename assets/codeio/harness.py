"""Code that runs inside the sandbox next to a unified program: the I/O pair search.

CodeI/O calls the input generator up to 1,000 times and keeps at most 10 pairs.
Doing that as 1,000 separate sandbox calls would cost a round trip each, so the
loop runs in one `call` job: `_assay_io_pairs(seed, tries, want, budget_s)`.

Each draw is serialised to JSON and read back before `main_solution` sees it,
so a recorded input reproduces its output exactly as shown in the prompts.
Each kept input is run twice on fresh copies; the second run sees a different
random state, so a program whose output depends on randomness reports
`unstable` (the search stops there: the item will be dropped). The random seed
comes from the host, so a re-run draws the same inputs. `budget_s` bounds the loop below the sandbox's
job timeout; it only truncates the search, never changes which inputs come first.

A short prelude of standard-library imports goes in front of every program, as
CodeI/O's execution template does: generated code often uses `math` or
`random` without importing them.
"""

from __future__ import annotations

import inspect

from assets.codeio import limits
from resources.sandbox import CallJob

PRELUDE = """\
import bisect, collections, copy, datetime, functools, heapq, itertools, json, math, operator, random, re, string, sys
from collections import Counter, OrderedDict, defaultdict, deque
from functools import lru_cache, reduce
from itertools import accumulate, chain, combinations, permutations, product
from math import ceil, floor, gcd, inf, log, pi, sqrt
from typing import Any, Dict, List, Optional, Set, Tuple, Union
"""

PAIR_SEARCH_ENTRY = "_assay_io_pairs"

_SEARCH = """

def _assay_io_pairs(seed, tries, want, budget_s):
    import json as _json, random as _random, sys as _sys, time as _time
    _random.seed(seed)
    if "numpy" in _sys.modules:
        _sys.modules["numpy"].random.seed(seed % (2 ** 32))
    started = _time.monotonic()
    seen, pairs, rejected, unstable = set(), [], {}, 0
    draws = 0

    def reject(reason):
        rejected[reason] = rejected.get(reason, 0) + 1

    for draws in range(1, tries + 1):
        if len(pairs) >= want or _time.monotonic() - started > budget_s:
            draws -= 1
            break
        try:
            drawn = input_generator()
        except Exception:
            reject("generator_exception")
            continue
        if not isinstance(drawn, dict):
            reject("generator_not_dict")
            continue
        why = _assay_limit_violation(drawn, _ASSAY_MAX_BYTES, _ASSAY_MAX_ITEMS, _ASSAY_MAX_CHARS)
        if why:
            reject("input_" + why)
            continue
        text = _json.dumps(drawn, sort_keys=True)
        if text in seen:
            reject("duplicate_input")
            continue
        seen.add(text)
        try:
            first = main_solution(**_json.loads(text))
        except Exception:
            reject("solution_exception")
            continue
        if first is None:
            reject("output_none")
            continue
        why = _assay_limit_violation(first, _ASSAY_MAX_BYTES, _ASSAY_MAX_ITEMS, _ASSAY_MAX_CHARS)
        if why:
            reject("output_" + why)
            continue
        try:
            second = main_solution(**_json.loads(text))
        except Exception:
            second = None
        if _json.dumps(second, sort_keys=True, default=repr) != _json.dumps(first, sort_keys=True):
            unstable += 1
            break  # the item is dropped anyway; stop spending draws on it
        pairs.append({"input": _json.loads(_json.dumps(drawn)), "output": _json.loads(_json.dumps(first))})
    return {"pairs": pairs, "draws": draws, "rejected": rejected, "unstable": unstable}
"""


def search_source() -> str:
    """The pair-search function plus the limit check it uses, as module source."""
    # Renamed so it cannot clash with a helper of the same name in the program.
    limit_fn = inspect.getsource(limits.limit_violation).replace(
        "def limit_violation", "def _assay_limit_violation", 1
    )
    constants = (
        "_ASSAY_MAX_BYTES, _ASSAY_MAX_ITEMS, _ASSAY_MAX_CHARS = "
        f"{limits.MAX_BYTES}, {limits.MAX_ITEMS}, {limits.MAX_CHARS}\n"
    )
    return "\n\n" + constants + "\n" + limit_fn + _SEARCH


def runnable(program: str) -> str:
    """A unified program as the sandbox runs it: prelude, then the program."""
    return f"{PRELUDE}\n\n{program.strip(chr(10))}\n"


def pair_search_job(
    job_id: str, program: str, seed: int, tries: int, want: int, budget_s: float
) -> CallJob:
    """A `call` job that draws inputs and computes outputs for one program."""
    return CallJob(
        job_id,
        runnable(program) + search_source(),
        PAIR_SEARCH_ENTRY,
        inputs=[{"seed": seed, "tries": tries, "want": want, "budget_s": budget_s}],
    )


def rerun_job(job_id: str, program: str, inputs: list[dict]) -> CallJob:
    """A `call` job that recomputes outputs in a fresh process (time- or state-dependent code shows here)."""
    return CallJob(job_id, runnable(program), "main_solution", inputs=inputs)


def original_search_job(
    job_id: str,
    main_code: str,
    generator_code: str,
    seed: int,
    tries: int,
    want: int,
    limit_s: float,
) -> CallJob:
    """The original's search (parse_gen_ios.templatexx): the program as written, no prelude,
    sizes by pympler's asizeof; an exception or `limit_s` passing loses the item."""
    from assets.codeio import original_rules

    code = f"{main_code}\n\n{generator_code}\n{original_rules.search_source()}"
    return CallJob(
        job_id,
        code,
        original_rules.SEARCH_ENTRY,
        inputs=[{"seed": seed, "tries": tries, "want": want, "limit_s": limit_s}],
    )
