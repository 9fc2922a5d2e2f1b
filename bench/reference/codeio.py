"""Cross-checking our execution and comparator against CodeI/O's released pairs.

Each reference record carries `refcode` (with `main_solution`) and `ios`
(recorded input/output pairs). We run the code on every recorded input twice,
in two separate sandbox runs, and compare with the recorded outputs. Every
disagreement gets a class:

- `random`: the outputs of our two runs differ, or the code draws random numbers
  (the recorded output came from a different random state; sandbox workers fork
  from one interpreter, so two runs often share a random state and agree).
  No sign that CodeI/O seeded each call: in the sample, no `random.seed(s)` or
  `numpy.random.seed(s)` with s < 100,000 just before the call reproduces a
  recorded output, so these stay unreproducible;
- `time dependent`: the code reads the clock or today's date;
- `input mutated`: the code changes its arguments in place and CodeI/O recorded
  the input *after* the call, so the recorded input is not the one that
  produced the recorded output. Seen by a third run (`mutation_probe_job`) or,
  when the recorded input is already a fixed point of the mutation, by finding
  in-place writes to a parameter in the source (`writes_to_parameter`);
- `environment`: the code failed here (a module we do not have, a time or memory
  limit), or it is deterministic and free of those cues yet different —
  library versions, platform.

Why we replay CodeI/O's procedure for mutated inputs: the sample shows that
CodeI/O serialised the input dict after `main_solution` returned. In one record
(rotting oranges) the recorded grids hold 3s, 4s and 5s, which only the
function's own in-place rot marks produce; in another (max distance) two pairs have the
same recorded all-ones grid but different outputs, although CodeI/O kept
distinct inputs and the code is deterministic. Such a pair is not wrong, it is
(state after the call, output) of some input we were not shown. So when a pre-call
input has been reconstructed (`codeio_preimages.json`, which says how for each
record), `harness_replay_job` runs it through CodeI/O's procedure (call, then
`json.dumps` of the argument and of the result), and the pair agrees only if that
gives exactly the recorded input *and* an output our comparator accepts
(`reproduces`). The reconstruction is evidence to check, never trusted: a pair
without one, or whose replay does not reproduce it, stays `input mutated`. Only
exact reconstructions are kept (the mutation inverted, so the input is the only one
possible): for max distance the pre-call grid is lost (any 0/1 grid ends all ones),
and an input merely searched for to fit the output would prove nothing, so its
pairs stay `input mutated`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assets.codeio.compare import canonical_json, values_agree
from assets.codeio.harness import runnable
from assets.codeio.pairs import reads_clock
from assets.codeio.verify import shown as shown_outcome
from resources.sandbox import CallOutcome

RANDOM, TIME, MUTATED, ENVIRONMENT = "random", "time dependent", "input mutated", "environment"
PREIMAGES = Path(__file__).with_name("codeio_preimages.json")
_RANDOM_CUES = re.compile(
    r"\brandom\b|\brandint\b|\bshuffle\b|\buuid\b|\bsecrets\b|np\.random|numpy\.random"
)


def outcome_value(outcome: dict | None) -> tuple[bool, Any]:
    """A wire outcome's value (see CallOutcome.value); (False, None) when there is none."""
    return CallOutcome.from_wire(outcome).value() if outcome else (False, None)


def shown(outcome: dict | None) -> str:
    return shown_outcome(CallOutcome.from_wire(outcome) if outcome else None)


@dataclass(frozen=True)
class PairCheck:
    record: int
    pair: int
    agrees: bool
    cls: str | None  # None when it agrees
    detail: str
    replayed: bool = False  # agrees by CodeI/O's procedure from a reconstructed pre-call input


def reference_job(index: int, record: dict) -> dict:
    return {
        "id": f"ref-{index}",
        "kind": "call",
        "code": runnable(record["refcode"]),
        "entry_point": record.get("funcname") or "main_solution",
        "inputs": [io["input"] for io in record["ios"]],
    }


_MUTATION_PROBE = """

def _assay_mutation_probe(calls, entry):
    import json as _json
    fn = globals()[entry]
    flags = []
    for kwargs in calls:
        before = _json.dumps(kwargs, sort_keys=True, default=repr)
        try:
            fn(**kwargs)
        except Exception:
            pass
        flags.append(_json.dumps(kwargs, sort_keys=True, default=repr) != before)
    return flags
"""


def mutation_probe_job(index: int, record: dict) -> dict:
    """A job answering, per recorded input, whether main_solution changes its arguments."""
    return {
        "id": f"mut-{index}",
        "kind": "call",
        "code": runnable(record["refcode"]) + _MUTATION_PROBE,
        "entry_point": "_assay_mutation_probe",
        "inputs": [
            {
                "calls": [io["input"] for io in record["ios"]],
                "entry": record.get("funcname") or "main_solution",
            }
        ],
    }


def mutation_flags(result: dict, pairs: int) -> list[bool]:
    readable, flags = outcome_value((result.get("outcomes") or [None])[0])
    if readable and isinstance(flags, list) and len(flags) == pairs:
        return [bool(f) for f in flags]
    return [False] * pairs


def refcode_key(refcode: str) -> str:
    """How `codeio_preimages.json` names a record: by its code, so a reordered file still matches."""
    return hashlib.sha256(refcode.encode()).hexdigest()


def load_preimages(path: Path = PREIMAGES) -> dict[str, dict[int, dict]]:
    """Reconstructed pre-call inputs: refcode key -> pair index -> input."""
    data = json.loads(path.read_text())
    return {
        entry["refcode_sha256"]: {int(p): x for p, x in entry["pre_call_inputs"].items()}
        for entry in data["records"]
    }


_HARNESS_REPLAY = """

def _assay_codeio_harness(calls, entry):
    import json as _json
    fn = globals()[entry]
    replays = []
    for kwargs in calls:
        try:
            output = fn(**kwargs)
            replays.append({"input": _json.dumps(kwargs), "output": _json.dumps(output)})
        except Exception as exc:
            replays.append({"error": type(exc).__name__})
    return replays
"""


def harness_replay_job(index: int, record: dict, pre_inputs: dict[int, dict]) -> dict:
    """A job doing to each pre-call input (pairs in index order) what CodeI/O's harness did:
    call, then `json.dumps` the argument as the call left it, and the result."""
    return {
        "id": f"har-{index}",
        "kind": "call",
        "code": runnable(record["refcode"]) + _HARNESS_REPLAY,
        "entry_point": "_assay_codeio_harness",
        "inputs": [
            {
                "calls": [pre_inputs[p] for p in sorted(pre_inputs)],
                "entry": record.get("funcname") or "main_solution",
            }
        ],
    }


def harness_replay_jobs(records: list[dict], preimages: dict[str, dict[int, dict]]) -> list[dict]:
    """Replay jobs for the records that have reconstructed pre-call inputs."""
    return [
        harness_replay_job(i, r, preimages[refcode_key(r["refcode"])])
        for i, r in enumerate(records)
        if refcode_key(r["refcode"]) in preimages
    ]


def read_replays(
    records: list[dict], results: list[dict], preimages: dict[str, dict[int, dict]]
) -> dict[int, dict[int, dict]]:
    """Record index -> pair index -> what CodeI/O's harness would have written for that pair."""
    replays: dict[int, dict[int, dict]] = {}
    for result in results:
        index = int(str(result.get("id", "")).removeprefix("har-"))
        pairs = sorted(preimages[refcode_key(records[index]["refcode"])])
        readable, value = outcome_value((result.get("outcomes") or [None])[0])
        if readable and isinstance(value, list) and len(value) == len(pairs):
            replays[index] = dict(zip(pairs, value))
    return replays


def reproduces(replay: dict | None, io: dict) -> bool:
    """Whether a harness replay wrote exactly the recorded input and an output the comparator accepts."""
    if not isinstance(replay, dict) or "input" not in replay:
        return False
    try:
        written_input, output = json.loads(replay["input"]), json.loads(replay["output"])
    except (TypeError, ValueError):
        return False
    return canonical_json(written_input) == canonical_json(io["input"]) and values_agree(
        output, io["output"]
    )


_MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "sort",
        "reverse",
        "clear",
        "update",
        "add",
        "discard",
        "popitem",
        "setdefault",
    }
)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def writes_to_parameter(code: str) -> bool:
    """Whether some function assigns into, or calls a mutating method on, one of its parameters."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs} - {
            "self",
            "cls",
        }
        for node in ast.walk(fn):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for target in targets:
                if isinstance(target, ast.Subscript) and _root_name(target) in params:
                    return True
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _MUTATING_METHODS
                and _root_name(node.func.value) in params
            ):
                return True
    return False


def _value(outcome: dict | None) -> tuple[bool, Any, str]:
    """(ran and readable, value, text for reports)."""
    if not outcome:
        return False, None, "no outcome"
    readable, value = outcome_value(outcome)
    return readable, value, shown(outcome)[:200]


def classify(
    code: str, expected: Any, first: dict | None, second: dict | None, mutated: bool = False
) -> tuple[str | None, str]:
    """(class or None when it agrees, detail) for one recorded pair."""
    ok1, v1, t1 = _value(first)
    ok2, v2, t2 = _value(second)
    if ok1 and values_agree(v1, expected):
        if not (ok2 and values_agree(v2, expected)):
            return RANDOM, f"second run differs: {t2}"
        return None, ""
    expected_text = (canonical_json(expected) or repr(expected))[:200]
    got = f"expected {expected_text}, got {t1}"
    if first is None or not first.get("ok"):
        # CodeI/O recorded an output, so the code ran there: a failure here is ours (module, limit, speed).
        return ENVIRONMENT, got
    differs = ok1 != ok2 or canonical_json(v1) != canonical_json(v2)
    if reads_clock(code):
        return TIME, got
    if differs or _RANDOM_CUES.search(code):
        return RANDOM, got + (f" then {t2}" if differs else "")
    if mutated:
        return MUTATED, got + " from the recorded (already mutated) input"
    return ENVIRONMENT, got


def cross_check(
    records: list[dict],
    first: list[dict],
    second: list[dict],
    probes: list[dict],
    replays: dict[int, dict[int, dict]] | None = None,
) -> list[PairCheck]:
    """Every recorded pair of every record, judged from the three runs' results (job order = records)
    and, for mutated inputs, from CodeI/O's procedure replayed on reconstructed pre-call inputs."""
    replays = replays or {}
    checks = []
    for r, (record, res1, res2, probe) in enumerate(zip(records, first, second, probes)):
        out1, out2 = res1.get("outcomes") or [], res2.get("outcomes") or []
        mutated = mutation_flags(probe, len(record["ios"]))
        if writes_to_parameter(record["refcode"]):
            mutated = [True] * len(record["ios"])
        for p, io in enumerate(record["ios"]):
            o1 = (
                out1[p]
                if p < len(out1)
                else {"ok": False, "exception_type": res1.get("status"), "exception_message": ""}
            )
            o2 = (
                out2[p]
                if p < len(out2)
                else {"ok": False, "exception_type": res2.get("status"), "exception_message": ""}
            )
            cls, detail = classify(record["refcode"], io["output"], o1, o2, mutated[p])
            if cls == MUTATED and reproduces(replays.get(r, {}).get(p), io):
                checks.append(PairCheck(r, p, True, None, "", replayed=True))
            else:
                checks.append(PairCheck(r, p, cls is None, cls, detail))
    return checks


def summary(checks: Iterable[PairCheck]) -> dict[str, Any]:
    checks = list(checks)
    classes = Counter(c.cls for c in checks if not c.agrees)
    records_all_agree = len({c.record for c in checks}) - len(
        {c.record for c in checks if not c.agrees}
    )
    return {
        "pairs": len(checks),
        "agree": sum(c.agrees for c in checks),
        "agree_share": sum(c.agrees for c in checks) / max(1, len(checks)),
        "agree_replayed": sum(c.replayed for c in checks),
        "records": len({c.record for c in checks}),
        "records_all_agree": records_all_agree,
        "disagreements_by_class": dict(sorted(classes.items())),
    }


def replay_program(record: dict) -> str:
    """The record's code plus an input generator drawing from its recorded inputs.

    Running our pair search on it shows what the pipeline would make of the
    record: random or clock-reading code is dropped as nondeterministic, and
    code that mutates its arguments still yields pairs whose inputs reproduce
    their outputs (we record each input before the call).
    """
    inputs = json.dumps([io["input"] for io in record["ios"]])
    return (
        f"{record['refcode'].rstrip()}\n\n\n"
        f"def input_generator():\n"
        f"    import json as _json, random as _random\n"
        f"    return _random.choice(_json.loads({inputs!r}))\n"
    )
