"""A scripted Case2Code model: example inputs by function name, and code answers for eval prompts."""

from __future__ import annotations

import re
import threading
from collections import Counter

# Example-input answers per function name; a list is a sequence of answers, one per attempt.
EXAMPLE_ANSWERS: dict[str, str | list[str]] = {
    "run_length": "Types: s is a str.\n```python\nexamples = [\n    dict(s='aaab'),\n    dict(s=''),\n    dict(s='abc'),\n"
    "    dict(s='zzzzzz'),\n    dict(s=7),\n    dict(t='x'),\n]\n```",
    "scaled": "```python\nexamples = [dict(values=[1, 2], factor=2), dict(values=[4], factor=3), dict(values=[0.5], factor=-1)]\n```",
    "halve_until_odd": [
        "I will write the examples now.",  # no code: re-asked
        "```python\nexamples = [dict(n=12), dict(n=7), dict(n=0), dict(n=40), dict(n=-8)]\n```",
    ],
    "never_answered": "```python\nexamples = [dict(q=1), dict(q=2)]\n```",  # q is not a parameter: never usable
    "countdown": "```python\nexamples = [\n    dict(n=3),\n    dict(n=-1),\n    dict(n=5),\n    dict(n=1),\n    dict(n=0),\n",  # cut off
}

_FUNCTION = re.compile(r"Function:\n```python\n(?:.*\n)*?def (\w+)\(", re.MULTILINE)


class ScriptedCase2Code:
    """Answers by what the prompt asks; counts example-input requests per function (retries)."""

    def __init__(
        self, solutions: dict[str, str] | None = None, answers: dict[str, str] | None = None
    ) -> None:
        self.solutions = solutions or {}
        self.answers = {**EXAMPLE_ANSWERS, **(answers or {})}
        self.asked: Counter = Counter()
        self.requests: list[dict] = []  # every request body, in arrival order
        self._lock = threading.Lock()

    def __call__(self, body: dict) -> str:
        with self._lock:
            self.requests.append(body)
        user = body["messages"][-1]["content"]
        if "write 10 different example inputs" in user or "different example inputs" in user:
            names = _FUNCTION.findall(user)
            name = names[-1] if names else ""
            with self._lock:
                attempt = self.asked[name]
                self.asked[name] += 1
            answer = self.answers.get(name, "no idea")
            if isinstance(answer, list):
                answer = answer[min(attempt, len(answer) - 1)]
            return answer
        for name, code in self.solutions.items():
            if re.search(rf"\b{re.escape(name)}\b", user):
                return f"The function is:\n\n```python\n{code}\n```"
        return "I could not work it out."
