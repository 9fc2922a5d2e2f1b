"""Reading the model's unified-code answer: four sections, two functions.

The answer is split by its section headers and each code section contributes its
last Python block. Small models drift from the layout, so when a header is
missing the function is looked for in every code block of the answer (the last
block that defines it wins). Headers are recognised only outside code fences and
in the spellings small models use: `### 2. Input/Output Description:` or
`**Problem Statement**` read as `## Input Output Description` / `## Problem Statement`. An item is
usable only if `main_solution` and a zero-argument `input_generator` are both
defined at module level and parse.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from assets.codeio.prompts import INPUT_GENERATOR, IO_DESCRIPTION, MAIN_FUNCTION, PROBLEM_STATEMENT
from assets.common.parsing import code_blocks, last_code_block, strip_reasoning

ENTRY_POINT = "main_solution"
GENERATOR = "input_generator"

# Header spellings small models use, lower-cased with runs of space, '/', '-' and '_' collapsed.
_HEADER_NAMES = {
    "main function": MAIN_FUNCTION,
    "main solution": MAIN_FUNCTION,
    "input output description": IO_DESCRIPTION,
    "input and output description": IO_DESCRIPTION,
    "i o description": IO_DESCRIPTION,
    "input output requirements": IO_DESCRIPTION,
    "input generator": INPUT_GENERATOR,
    "problem statement": PROBLEM_STATEMENT,
}
_HEADER_LINE = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*(?:(?:part|step|section)\s+)?(?:\d+\s*[.):-]?\s*)?"
    r"(?:\*\*|__)?(?P<name>[A-Za-z][A-Za-z _/-]*?)(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*:?\s*$",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^\s*```")


def _canonical_header(line: str) -> str | None:
    match = _HEADER_LINE.match(line)
    if not match:
        return None
    name = re.sub(r"[\s/_-]+", " ", match.group("name").strip().lower())
    return _HEADER_NAMES.get(name)


def split_sections(text: str) -> dict[str, str]:
    """Body under each recognised header (header lines inside code fences do not count).

    A header the model wrote twice keeps its last non-empty body: small models
    sometimes restate the layout before answering.
    """
    sections: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    in_code = False

    def close() -> None:
        if current is not None and "\n".join(body).strip():
            sections[current] = "\n".join(body).strip()

    for line in text.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
        header = None if in_code else _canonical_header(line)
        if header:
            close()
            current, body = header, []
        else:
            body.append(line)
    close()
    return sections


@dataclass(frozen=True)
class UnifiedCode:
    main_code: str
    generator_code: str
    io_description: str
    problem_statement: str

    @property
    def program(self) -> str:
        """Main function and input generator as one module."""
        return f"{self.main_code.rstrip()}\n\n\n{self.generator_code.rstrip()}\n"


@dataclass(frozen=True)
class UnifyParse:
    """Either `code` or the `reason` (a short snake_case tag) and a human `detail`."""

    code: UnifiedCode | None
    reason: str | None = None
    detail: str = ""


def top_level_function(code: str, name: str) -> ast.FunctionDef | None:
    """The last module-level `def name` in `code`, or None (also when it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
    return found


def required_positional_args(fn: ast.FunctionDef) -> int:
    args = fn.args
    positional = len(args.posonlyargs) + len(args.args)
    kw_required = sum(1 for d in args.kw_defaults if d is None)
    return positional - len(args.defaults) + kw_required


def syntax_error(code: str) -> str | None:
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except ValueError as exc:
        return str(exc)
    return None


def _block_defining(text: str, name: str, preferred: str | None) -> str | None:
    """`preferred` if it defines `name`, else the last block in `text` that does."""
    if preferred and top_level_function(preferred, name):
        return preferred
    for block in reversed(code_blocks(text)):
        if top_level_function(block, name):
            return block
    return None


def _section_code(sections: dict[str, str], header: str) -> str | None:
    body = sections.get(header)
    return last_code_block(body) if body else None


def _prose(sections: dict[str, str], header: str) -> str:
    # Some models fence the description; the words matter, not the fence.
    return (sections.get(header) or "").replace("```", "").strip()


def parse_unified(answer: str) -> UnifyParse:
    """The four parts of a unified-code answer, or why it cannot be used."""
    text = strip_reasoning(answer)
    sections = split_sections(text)
    main_pref = _section_code(sections, MAIN_FUNCTION)
    gen_pref = _section_code(sections, INPUT_GENERATOR)
    main_code = _block_defining(text, ENTRY_POINT, main_pref)
    if main_code is None:
        bad = main_pref and syntax_error(main_pref)
        if bad:
            return UnifyParse(None, "syntax_error", f"main function: {bad}")
        return UnifyParse(
            None, "no_main_solution", "no code block defines main_solution at module level"
        )
    gen_code = _block_defining(text, GENERATOR, gen_pref)
    if gen_code is None:
        bad = gen_pref and syntax_error(gen_pref)
        if bad:
            return UnifyParse(None, "syntax_error", f"input generator: {bad}")
        return UnifyParse(
            None, "no_input_generator", "no code block defines input_generator at module level"
        )
    generator = top_level_function(gen_code, GENERATOR)
    assert generator is not None
    if required_positional_args(generator):
        return UnifyParse(
            None, "generator_takes_arguments", "input_generator must take no arguments"
        )
    if gen_code == main_code:
        # Both functions in one block: keep it once.
        gen_code = ""
    io_description = _prose(sections, IO_DESCRIPTION)
    statement = _prose(sections, PROBLEM_STATEMENT)
    if not io_description:
        return UnifyParse(
            None, "no_io_description", "the Input Output Description section is missing or empty"
        )
    if not statement:
        return UnifyParse(
            None, "no_problem_statement", "the Problem Statement section is missing or empty"
        )
    code = UnifiedCode(main_code.strip("\n"), gen_code.strip("\n"), io_description, statement)
    bad = syntax_error(code.program)
    if bad:
        return UnifyParse(None, "syntax_error", f"combined program: {bad}")
    return UnifyParse(code)


def _last_python(text: str) -> str | None:
    """The last ```python block's body, stripped (the original's extract_last_python)."""
    start = text.rfind("```python")
    if start == -1:
        return None
    start += len("```python")
    end = text.find("```", start)
    return None if end == -1 else text[start:end].strip()


_STRICT = (
    "## Main Function",
    "## Input Output Description",
    "## Input Generator",
    "## Problem Statement",
)


def parse_unified_original(answer: str) -> UnifyParse:
    """The original's reading (parse_gen_ios.resolve_output): the four headers exactly as the
    prompt writes them (`## Input generator` also), the last python block of each code part,
    and `main_solution` / `input_generator` present in them."""
    main_h, io_h, gen_h, statement_h = _STRICT
    pos1 = answer.find(main_h)
    if pos1 == -1:
        return UnifyParse(None, "no_main_solution", f"no {main_h!r} header")
    pos11 = pos1 + len(main_h)
    pos2 = answer.find(io_h, pos11)
    if pos2 == -1:
        return UnifyParse(None, "no_io_description", f"no {io_h!r} header")
    main_code = _last_python(answer[pos11:pos2].strip())
    if main_code is None:
        return UnifyParse(None, "no_main_solution", "no python block under the main function")
    pos21 = pos2 + len(io_h)
    pos3 = answer.find(gen_h, pos21)
    if pos3 == -1:
        pos3 = answer.find("## Input generator", pos21)
        if pos3 == -1:
            return UnifyParse(None, "no_input_generator", f"no {gen_h!r} header")
    io_description = answer[pos21:pos3].strip()
    pos31 = pos3 + len(gen_h)
    pos4 = answer.find(statement_h, pos31)
    if pos4 == -1:
        return UnifyParse(None, "no_problem_statement", f"no {statement_h!r} header")
    generator_code = _last_python(answer[pos31:pos4].strip())
    if generator_code is None:
        return UnifyParse(None, "no_input_generator", "no python block under the input generator")
    statement = answer[pos4 + len(statement_h) :].strip()
    if ENTRY_POINT not in main_code:
        return UnifyParse(None, "no_main_solution", "the main function's code has no main_solution")
    if GENERATOR not in generator_code:
        return UnifyParse(None, "no_input_generator", "the generator's code has no input_generator")
    return UnifyParse(UnifiedCode(main_code, generator_code, io_description, statement))
