"""The local Dagster instance `make demo` and `make dev` share: $DAGSTER_HOME and its config.

python -m dagster_project.instance   # prepare it and print where it is
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster_project.settings import load_settings

TEMPLATE = Path(__file__).with_name("dagster.yaml")


def prepare_instance_home() -> Path:
    """Create $DAGSTER_HOME (default from settings) with our dagster.yaml unless one exists."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(load_settings().dagster_home)))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(TEMPLATE, config)
    return home


if __name__ == "__main__":
    print(prepare_instance_home())
