"""The KodCode demo runner end to end with a scripted model on loopback instead of the embedded one.

Runs `dagster_project.demo.run_family("kodcode")` (definitions, settings, each
seed file as a partition, the family job with its checks, then the release job)
with every LLM role pointed at a fake OpenAI-compatible server that answers like
the family test cast (tests/assets/kodcode/scripted_family.py): one question
rescued by retries, one leaking stub, one stub that fails re-verification, a
reasoner that misnames functions, a HumanEval-contaminated question and a
cross-file near-duplicate. The printed counts show the plumbing, not a model's skill.

    python bench/kodcode_demo_dryrun.py [--home /tmp/assay-kodcode-dryrun]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=Path(tempfile.gettempdir()) / "assay-kodcode-dryrun"
    )
    args = parser.parse_args()
    from tests.assets.kodcode.scripted_family import SEEDS, Stage3Model
    from tests.fakes.openai_server import OpenAIServer

    if args.home.exists():
        shutil.rmtree(args.home)
    seed_dir = args.home / "seeds" / "kodcode"
    seed_dir.mkdir(parents=True)
    for name, lines in SEEDS.items():
        (seed_dir / name).write_text("".join(json.dumps(line) + "\n" for line in lines))
    with OpenAIServer(Stage3Model()) as server:
        os.environ.update(
            {
                "ASSAY_HOME": str(args.home),
                "DAGSTER_HOME": str(args.home / "dagster"),
                "ASSAY_SEED_DIR": str(args.home / "seeds"),
                "ASSAY_LLM_ENGINE": "openai",
                "ASSAY_LLM_BASE_URL": server.base_url,
                "ASSAY_LLM_MODEL": "scripted",
                "ASSAY_LLM_API_KEY_ENV": "NO_KEY",
                "ASSAY_SANDBOX_WORKERS": "2",
            }
        )
        from dagster_project.demo import run_family

        failures = run_family("kodcode")
        print(f"\nfake server: {server.stats.snapshot()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
