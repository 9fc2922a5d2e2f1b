"""Lines of code per family and the longest asset functions: the shape figures of issue #12.

    .venv/bin/python bench/code_shape.py [--root DIR] [--top 5]

Counts non-blank, non-comment lines of every .py file under assets/<family>/ (common/
counted as its own "family"), and for every function decorated with @asset,
@multi_asset or @asset_check its length in lines (decorators included).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

DECORATORS = {"asset", "multi_asset", "asset_check", "multi_asset_check"}


def code_lines(path: Path) -> int:
    return sum(
        1
        for line in path.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    )


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")


def asset_functions(path: Path) -> list[tuple[int, str]]:
    """(lines, name) of every Dagster-decorated function in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and any(
            _decorator_name(d) in DECORATORS for d in node.decorator_list
        ):
            start = min(d.lineno for d in node.decorator_list)
            out.append((node.end_lineno - start + 1, f"{path.parent.name}/{path.name}:{node.name}"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    assets = args.root / "assets"
    functions = []
    print("lines of code per family (non-blank, non-comment)")
    for folder in sorted(p for p in assets.iterdir() if p.is_dir() and not p.name.startswith("_")):
        files = sorted(folder.rglob("*.py"))
        print(f"  {folder.name:<12} {sum(code_lines(f) for f in files):>6}  ({len(files)} files)")
        for f in files:
            functions += asset_functions(f)
    print(f"longest asset functions (of {len(functions)})")
    for lines, name in sorted(functions, reverse=True)[: args.top]:
        print(f"  {lines:>4}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
