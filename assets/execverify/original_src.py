"""ExecVerify's own wording, read from a checkout the user points to (`ASSAY_EXECVERIFY_SRC`).

ExecVerify's repository has no licence, so assay does not ship its prompt and question
text. Under the `original` rules the templates are read from the checkout's `data/*.py`:
each is a string literal (or f-string) of a named function, addressed by its position among
that function's string literals. The algorithms that put them together are ours (see
prompts.py and whitebox.py); only the words come from the checkout.
"""

from __future__ import annotations

from pathlib import Path

from assets.common.original_src import Checkout, MissingCheckout, Template

ENV = "ASSAY_EXECVERIFY_SRC"
UPSTREAM = "https://github.com/justForAnonymous/ExecVerify"
CHECKOUT = Checkout(env=ENV, upstream=UPSTREAM, marker="data/extract_trace_dataset.py")

__all__ = ["CHECKOUT", "MissingCheckout", "Template", "checkout", "string", "strings"]


def checkout() -> Path:
    """The ExecVerify checkout named by ASSAY_EXECVERIFY_SRC, or a clear error."""
    return CHECKOUT.root()


def strings(relpath: str, function: str) -> list[Template]:
    """A function's string literals in source order (docstring and f-string pieces excluded)."""
    return CHECKOUT.strings(relpath, function)


def string(relpath: str, function: str, index: int) -> Template:
    return CHECKOUT.string(relpath, function, index)
