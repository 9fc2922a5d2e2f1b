"""Every family, declared once. Adding a family is a folder under assets/ and one line here.

definitions.py, the seed sensors, the jobs, `make demo-<family>` and the end-to-end test
fixture all read this mapping; nothing else lists families.
"""

from __future__ import annotations

from assets import case2code, codeio, execverify, kodcode
from assets.common.family import Family

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        kodcode.FAMILY,
        codeio.FAMILY,
        case2code.FAMILY,
        execverify.FAMILY,
    )
}
