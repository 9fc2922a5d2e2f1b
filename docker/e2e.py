"""`make test-deploy`: the deployment end to end on this machine's Docker engine.

Starts dockerd when none runs (and stops what it started), builds the images (a local
Debian base when the default base cannot be pulled), brings docker/compose.yaml up, drops
a one-question seed file into the watched folder, waits for the sensor's run to succeed
(launched by DockerRunLauncher into its own container, LLM answers from the model-server
container, verdicts from sandbox containers), reads the asset Parquet from the shared
storage, tears everything down and checks that nothing it made is left. Prints the time of
each phase. With ASSAY_DEPLOY_ALLOW_SKIP=1 (CI), a machine where no Docker engine can start
at all skips loudly with rc 0 instead of failing.

    python docker/e2e.py [--keep] [--fault]

--fault also kills the run's container mid-run, re-executes the run and checks that the
LLM requests answered before the kill are not sent again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build

ROOT = build.ROOT
COMPOSE_FILE = ROOT / "docker" / "compose.yaml"
PROJECT = "assay"
# Case2Code is the family with the fewest model calls per seed (one LLM answer of example
# inputs per function, then the sandbox runs them), so a CPU model on a shared machine
# finishes it in minutes: one function, one seed file.
FAMILY = "case2code"
JOB = f"{FAMILY}_job"
SEED = {
    "id": "e2e-digital-root",
    "content": "def digital_root(n):\n    if n < 0:\n        raise ValueError('n must be non-negative')\n"
    "    while n >= 10:\n        n = sum(int(d) for d in str(n))\n    return n\n",
    "import_code": [],
}
MODEL = "qwen2.5-coder-0.5b-instruct"
RUN_TIMEOUT_S = 40 * 60
OUR_LABELS = ("assay.deployment", "assay.sandbox")
OUR_VOLUMES = ("assay-data", "assay-postgres-data", "assay-model-cache", "assay-hf-cache")


class Phases:
    """Wall time per phase, printed as it goes and again at the end."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        print(f"\n== {name}", flush=True)
        start = time.monotonic()
        try:
            yield
        finally:
            self.times[name] = time.monotonic() - start
            print(f"== {name}: {self.times[name]:.0f} s", flush=True)

    def summary(self) -> str:
        return "\n".join(f"  {name:<28} {seconds:7.0f} s" for name, seconds in self.times.items())


def sh(
    *args: str,
    check: bool = True,
    capture: bool = False,
    env: dict | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), check=check, capture_output=capture, text=True, env=env, timeout=timeout
    )


def engine_up() -> bool:
    try:
        return sh("docker", "info", check=False, capture=True, timeout=30).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


def start_engine(log_dir: Path) -> subprocess.Popen | None:
    """A dockerd of our own when none answers; None when one already runs."""
    if engine_up():
        return None
    dockerd = shutil.which("dockerd")
    if dockerd is None or os.geteuid() != 0:
        raise EngineUnavailable(
            "no Docker engine runs and dockerd cannot be started here (install docker.io, run as root)"
        )
    with open(log_dir / "dockerd.log", "w") as log:
        proc = subprocess.Popen(
            [dockerd], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EngineUnavailable(
                f"dockerd exited ({proc.returncode}); see {log_dir / 'dockerd.log'}"
            )
        if engine_up():
            return proc
        time.sleep(1)
    proc.terminate()
    raise EngineUnavailable("dockerd did not answer within 90 s")


def stop_engine(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


class EngineUnavailable(RuntimeError):
    pass


def compose_command() -> list[str]:
    if sh("docker", "compose", "version", check=False, capture=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise SystemExit(
        "neither Docker's compose plugin nor docker-compose is installed (apt-get install docker-compose)"
    )


class Stack:
    def __init__(self, deploy_dir: Path, env: dict[str, str]) -> None:
        self.deploy_dir = deploy_dir
        self.env = env
        self.base = [*compose_command(), "-p", PROJECT, "-f", str(COMPOSE_FILE)]

    def compose(
        self, *args: str, capture: bool = False, check: bool = True
    ) -> subprocess.CompletedProcess:
        return sh(*self.base, *args, capture=capture, check=check, env=self.env)

    def python(self, code: str, service: str = "daemon") -> str:
        """Run Python in a service container (it has the instance's dagster.yaml and Postgres)."""
        return self.compose("exec", "-T", service, "python", "-c", code, capture=True).stdout

    def runs(self) -> list[dict]:
        code = (
            "import json; from dagster import DagsterInstance\n"
            "i = DagsterInstance.get()\n"
            "print(json.dumps([{'id': r.run_id, 'status': r.status.value, 'job': r.job_name, "
            "'tags': dict(r.tags), 'launcher': type(i.run_launcher).__name__} for r in i.get_runs()]))"
        )
        out = self.python(code).strip().splitlines()
        return json.loads(out[-1]) if out else []

    def wait_healthy(self, services: tuple[str, ...], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = {}
            for service in services:
                cid = self.compose("ps", "-q", service, capture=True).stdout.strip()
                if not cid:
                    states[service] = "absent"
                    continue
                fmt = "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"
                states[service] = sh(
                    "docker", "inspect", "-f", fmt, cid, capture=True
                ).stdout.strip()
            # Healthy where a health check is defined, running where none is (the webserver).
            if all(s in ("running healthy", "running") for s in states.values()):
                return
            if any(s.startswith("exited") for s in states.values()):
                raise SystemExit(f"a service exited: {states}")
            time.sleep(3)
        raise SystemExit(f"services not healthy within {timeout_s:.0f} s: {states}")


def wait_for_ui(url: str, timeout_s: float) -> None:
    """The webserver container runs before it listens: poll until it answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=30).read()
            return
        except OSError:  # refused, reset or closed while it starts
            if time.monotonic() > deadline:
                raise
            time.sleep(3)


def sandbox_containers() -> list[str]:
    return sh("docker", "ps", "-q", "--filter", "label=assay.sandbox", capture=True).stdout.split()


def sandbox_containers_created(since: int) -> list[str]:
    """Sandbox worker containers the engine created since `since` (epoch s), removed or not:
    they live only as long as a run's sandbox pool, often less than one poll."""
    out = sh(
        "docker",
        "events",
        "--since",
        str(since),
        "--until",
        str(int(time.time()) + 1),
        "--filter",
        "type=container",
        "--filter",
        "event=create",
        "--filter",
        "label=assay.sandbox",
        "--format",
        '{{.Actor.ID}} {{index .Actor.Attributes "image"}}',
        capture=True,
    ).stdout
    return out.split("\n")[:-1] if out else []


def wait_for_run(
    stack: Stack,
    timeout_s: float,
    on_poll=None,
    run_id: str | None = None,
    until=("SUCCESS", "FAILURE", "CANCELED"),
) -> dict:
    """The newest run of JOB (or `run_id`) once its status is in `until`; `on_poll` sees each poll."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        runs = [r for r in stack.runs() if r["job"] == JOB and run_id in (None, r["id"])]
        run = runs[0] if runs else None
        if run and run["status"] != last:
            print(f"  run {run['id'][:8]} {run['status']}", flush=True)
            last = run["status"]
        if on_poll:
            on_poll(run)
        if run and run["status"] in until:
            return run
        time.sleep(5)
    raise SystemExit(f"no finished run within {timeout_s:.0f} s (last status {last})")


def llm_metadata(stack: Stack, run_id: str) -> dict[str, int]:
    """Sum of llm/* numbers over the run's materializations (sent, cache hits, failed)."""
    code = (
        "import json, sys; from dagster import DagsterInstance, DagsterEventType, EventRecordsFilter\n"
        "i = DagsterInstance.get(); out = {}\n"
        f"for e in i.all_logs({run_id!r}, of_type=DagsterEventType.ASSET_MATERIALIZATION):\n"
        "    for k, v in e.dagster_event.materialization.metadata.items():\n"
        "        v = getattr(v, 'value', v)\n"
        "        if k.startswith('llm/') and isinstance(v, (int, float)): out[k] = out.get(k, 0) + v\n"
        "print(json.dumps(out))"
    )
    return json.loads(stack.python(code).strip().splitlines()[-1])


def failure_messages(stack: Stack, run_id: str) -> list[str]:
    """Each failed step's error, from the run's event log (what a red test-deploy needs to say)."""
    code = (
        "import json; from dagster import DagsterInstance, DagsterEventType\n"
        "i = DagsterInstance.get(); out = []\n"
        f"for t in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE):\n"
        f"    for e in i.all_logs({run_id!r}, of_type=t):\n"
        "        d = e.dagster_event.event_specific_data\n"
        "        err = getattr(d, 'error', None)\n"
        "        chain = []\n"
        "        while err is not None: chain.append(err.message.strip()); err = err.cause\n"
        "        text = ' <- caused by: '.join(chain) or e.dagster_event.message or ''\n"
        "        out.append(f'{e.step_key or \"run\"}: {text.strip()[:1500]}')\n"
        "print(json.dumps(out))"
    )
    return json.loads(stack.python(code).strip().splitlines()[-1])


def answered(deploy_dir: Path) -> int:
    """LLM answers in the shared cache (each is stored the moment it arrives)."""
    path = deploy_dir / "llm_cache.sqlite"
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        conn.close()


REEXECUTE = """
mutation($p: ReexecutionParams!) { launchRunReexecution(reexecutionParams: $p) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }
"""


def reexecute(port: str, run_id: str) -> str:
    """Re-execute a failed run from its failure, through the webserver's GraphQL API."""
    body = json.dumps(
        {
            "query": REEXECUTE,
            "variables": {"p": {"parentRunId": run_id, "strategy": "FROM_FAILURE"}},
        }
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body.encode(), {"Content-Type": "application/json"}
    )
    answer = json.loads(urllib.request.urlopen(request, timeout=120).read())
    result = answer["data"]["launchRunReexecution"]
    if result["__typename"] != "LaunchRunSuccess":
        raise SystemExit(f"re-execution refused: {result}")
    return result["run"]["runId"]


def fault(stack: Stack, port: str, after_answers: int, on_poll=None) -> dict:
    """Kill the run's container once `after_answers` LLM answers are cached, let run
    monitoring fail the run, re-execute it; returns the figures of both tries."""
    deploy_dir = stack.deploy_dir
    run = wait_for_run(stack, RUN_TIMEOUT_S, on_poll, until=("STARTED",))
    while answered(deploy_dir) < after_answers:
        (current,) = [r for r in stack.runs() if r["id"] == run["id"]]
        if current["status"] != "STARTED":
            raise SystemExit(
                f"the run ended ({current['status']}) before {after_answers} answers were cached"
            )
        if on_poll:
            on_poll(current)
        time.sleep(2)
    container = run["tags"]["docker/container_id"]
    sh("docker", "kill", container, capture=True)
    killed_at = time.monotonic()
    time.sleep(3)  # an answer in flight at the kill is lost, not cached
    before = answered(deploy_dir)
    print(f"  killed run container {container[:12]} with {before} LLM answers cached", flush=True)
    failed = wait_for_run(stack, 300, run_id=run["id"], until=("FAILURE", "CANCELED"))
    print(
        f"  run monitoring marked it {failed['status']} after {time.monotonic() - killed_at:.0f} s",
        flush=True,
    )
    new_id = reexecute(port, run["id"])
    print(f"  re-executed as {new_id}", flush=True)
    second = wait_for_run(stack, RUN_TIMEOUT_S, on_poll, run_id=new_id)
    llm = llm_metadata(stack, new_id)
    after = answered(deploy_dir)
    return {
        "first": run["id"],
        "second": second,
        "cached_before": before,
        "cached_after": after,
        "llm": llm,
    }


def read_parquet(storage: Path, partition: str) -> dict[str, int]:
    import polars as pl

    rows = {}
    for path in sorted(storage.glob(f"*/{partition}.parquet")):
        rows[path.parent.name] = pl.read_parquet(path).height
    return rows


def leftovers() -> list[str]:
    out = []
    for label in OUR_LABELS:
        out += [
            f"container {c} ({label})"
            for c in sh(
                "docker", "ps", "-aq", "--filter", f"label={label}", capture=True
            ).stdout.split()
        ]
    out += [
        f"container {c}"
        for c in sh(
            "docker",
            "ps",
            "-aq",
            "--filter",
            f"label=com.docker.compose.project={PROJECT}",
            capture=True,
        ).stdout.split()
    ]
    names = sh("docker", "volume", "ls", "-q", capture=True).stdout.split()
    out += [f"volume {v}" for v in names if v in OUR_VOLUMES]
    networks = sh("docker", "network", "ls", "--format", "{{.Name}}", capture=True).stdout.split()
    out += [f"network {n}" for n in networks if n == PROJECT]
    return out


def teardown(stack: Stack) -> None:
    # Run and sandbox containers are the launcher's, not compose's: remove them by label.
    for label in OUR_LABELS:
        ids = sh("docker", "ps", "-aq", "--filter", f"label={label}", capture=True).stdout.split()
        if ids:
            sh("docker", "rm", "-f", *ids, capture=True, check=False)
    stack.compose("down", "-v", "--remove-orphans", "-t", "20", check=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", action="store_true", help="leave the stack up at the end")
    parser.add_argument(
        "--fault", action="store_true", help="kill the run's container mid-run and re-execute"
    )
    parser.add_argument(
        "--local-base", action="store_true", help="build the local base even if the default pulls"
    )
    args = parser.parse_args()
    phases = Phases()
    work = Path(tempfile.mkdtemp(prefix="assay-deploy-"))
    engine = None
    stack = None
    try:
        with phases.phase("engine"):
            try:
                engine = start_engine(work)
            except EngineUnavailable as exc:
                if os.environ.get("ASSAY_DEPLOY_ALLOW_SKIP") == "1":
                    print(
                        "\n" + "!" * 78 + f"\n!! SKIPPED make test-deploy: {exc}\n" + "!" * 78,
                        flush=True,
                    )
                    return 0
                raise SystemExit(f"test-deploy: {exc}") from None
            print("started dockerd" if engine else "a Docker engine already runs; using it")
            if "network " + PROJECT in leftovers():
                raise SystemExit(
                    "a deployment named 'assay' already runs on this engine (make deploy-down first)"
                )
        with phases.phase("base image"):
            base = build.DEFAULT_BASE
            local = args.local_base or not build.pullable(base)
            if local:
                how = "reusing" if build.has_image(build.LOCAL_BASE) else "building"
                print(
                    f"{base} cannot be pulled here: {how} {build.LOCAL_BASE} (Debian packages, debootstrap)"
                )
                base = build.build_local_base()
                build.download_wheelhouse()
        names = build.images()
        with phases.phase("images"):
            build.build("sandbox.Dockerfile", names["sandbox"], BASE_IMAGE=base)
            build.build("Dockerfile", names["code"], BASE_IMAGE=base)
            build.build(
                "model.Dockerfile", names["model"], ASSAY_IMAGE=names["code"], MODEL_EXTRA=""
            )
            postgres = build.DEFAULT_POSTGRES
            if local or not build.pullable(postgres):
                build.build("postgres.Dockerfile", build.LOCAL_POSTGRES, BASE_IMAGE=base)
                postgres = build.LOCAL_POSTGRES

        deploy_dir = work / "data"
        (deploy_dir / "seeds" / FAMILY).mkdir(parents=True)
        model_cache = work / "models"
        model_cache.mkdir()
        # The joined weights from the embedded engine's cache (no copy: a hard link when possible).
        from resources.llm.engines.embedded import ensure_model_file

        gguf = ensure_model_file(MODEL)
        for src in (gguf, gguf.with_name(gguf.name + ".sha256")):
            try:
                os.link(src, model_cache / src.name)
            except OSError:
                shutil.copy2(src, model_cache / src.name)
        env = {
            **os.environ,
            "ASSAY_DEPLOY_DIR": str(deploy_dir),
            "ASSAY_TAG": build.version(),
            "POSTGRES_IMAGE": postgres,
            "ASSAY_MODEL_CACHE": str(model_cache),
            "ASSAY_LLM_MODEL": MODEL,
            "ASSAY_LLM_CONCURRENCY": "2",
            # One thread: llama.cpp's threads wait on each other, which costs dearly on a
            # CPU that other programs share.
            "ASSAY_MODEL_THREADS": "1",
            "ASSAY_LLM_MAX_TOKENS": "768",
            "ASSAY_REASONER_MAX_TOKENS": "768",
            "ASSAY_SANDBOX_WORKERS": "2",
            "ASSAY_UI_PORT": os.environ.get("ASSAY_UI_PORT", "3300"),
        }
        stack = Stack(deploy_dir, env)
        with phases.phase("stack up"):
            stack.compose("up", "-d", "--no-build")
            stack.wait_healthy(("postgres", "code-location", "webserver", "model"), timeout_s=600)
            port = env["ASSAY_UI_PORT"]
            wait_for_ui(f"http://127.0.0.1:{port}/server_info", timeout_s=300)
            print(f"UI answers on http://127.0.0.1:{port}")

        seen_sandboxes: set[str] = set()
        with phases.phase("first run"):
            dropped_at = int(time.time()) - 1
            seed = deploy_dir / "seeds" / FAMILY / "e2e_one.jsonl"
            seed.write_text(json.dumps(SEED) + "\n")
            print(f"dropped {seed.relative_to(deploy_dir)} into the watched folder")

            def note(run: dict | None) -> None:
                seen_sandboxes.update(sandbox_containers())

            if args.fault:
                figures = fault(stack, env["ASSAY_UI_PORT"], after_answers=3, on_poll=note)
                run = figures["second"]
                new_answers = figures["cached_after"] - figures["cached_before"]
                sent = figures["llm"].get("llm/sent", 0)
                print(
                    f"fault: {figures['cached_before']} answers cached before the kill; the re-execution sent "
                    f"{sent} request(s) and cached {new_answers} new answer(s); cache hits {figures['llm'].get('llm/cache_hits', 0)}"
                )
                if sent > new_answers + figures["llm"].get("llm/failed", 0):
                    raise SystemExit(
                        "fault: the re-execution sent again requests that were already answered"
                    )
            else:
                run = wait_for_run(stack, RUN_TIMEOUT_S, on_poll=note)
        with phases.phase("checks"):
            container = run["tags"].get("docker/container_id", "")
            print(
                f"run {run['id']}: {run['status']}, launcher {run['launcher']}, container {container[:12]}"
            )
            created = sandbox_containers_created(dropped_at)
            seen_sandboxes.update(line.split()[0] for line in created)
            print(
                f"sandbox containers created during the run: {len(created)} ({', '.join(sorted({l.split()[-1] for l in created}))})"
            )
            llm = llm_metadata(stack, run["id"])
            print(f"LLM metadata over the run: {llm}")
            rows = read_parquet(deploy_dir / "storage", "e2e_one.jsonl")
            print("asset Parquet on the shared storage (rows):")
            for asset, n in rows.items():
                print(f"  {asset:<40} {n}")
            failures = []
            if run["status"] != "SUCCESS":
                failures.append(f"run status {run['status']}")
                for message in failure_messages(stack, run["id"]):
                    print(f"failed: {message}")
            if run["launcher"] != "DockerRunLauncher" or not container:
                failures.append("the run was not launched in a container by DockerRunLauncher")
            if not seen_sandboxes:
                failures.append("no sandbox container was seen during the run")
            if llm.get("llm/sent", 0) + llm.get("llm/cache_hits", 0) == 0:
                failures.append("no LLM request reached the model server")
            if not rows:
                failures.append("no asset Parquet on the shared storage")
            if failures:
                raise SystemExit("test-deploy FAILED: " + "; ".join(failures))
    finally:
        if stack is not None and not args.keep:
            with phases.phase("teardown"):
                teardown(stack)
                left = leftovers()
                print("nothing left" if not left else f"LEFT BEHIND: {left}")
        if engine is not None and not args.keep:
            stop_engine(engine)
            print("stopped the dockerd this test started")
        shutil.rmtree(work, ignore_errors=True)
        print("\nphases:\n" + phases.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
