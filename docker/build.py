"""Build the deployment's images from the repository root, on hosts with or without Docker Hub.

    python docker/build.py                 # base image pulled when possible, else built
    python docker/build.py --local-base    # always the locally built Debian base

The base is a build argument (`python:3.11-slim-bookworm` by default). When it cannot be
pulled, a Debian bookworm base is made with debootstrap from the mirror in the host's apt
sources and `docker import`ed; Postgres then comes from Debian's postgresql the same way.
Python packages are installed from a wheelhouse downloaded on the host (docker/wheelhouse/),
so HTTPS inside the build never needs the host's CA bundle, and no image carries it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKER_DIR = ROOT / "docker"
WHEELHOUSE = DOCKER_DIR / "wheelhouse"
DEFAULT_BASE = "python:3.11-slim-bookworm"
DEFAULT_POSTGRES = "postgres:16"
LOCAL_BASE = "assay-base:bookworm"
LOCAL_POSTGRES = "assay-postgres:15"
BASE_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"


def version() -> str:
    """Image tag for what we build: the project's version (never `latest`)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def images(tag: str | None = None) -> dict[str, str]:
    tag = tag or version()
    return {
        "code": f"assay:{tag}",
        "sandbox": f"assay-sandbox:{tag}",
        "model": f"assay-model:{tag}",
    }


def docker(
    *args: str, check: bool = True, quiet: bool = False, timeout: float | None = None
) -> subprocess.CompletedProcess:
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(["docker", *args], check=check, stdout=out, stderr=out, timeout=timeout)


def has_image(name: str) -> bool:
    return docker("image", "inspect", name, check=False, quiet=True).returncode == 0


def pullable(name: str, timeout_s: float = 60) -> bool:
    """The image is here already or can be pulled now."""
    if has_image(name):
        return True
    try:
        return (
            docker("pull", "-q", name, check=False, quiet=True, timeout=timeout_s).returncode == 0
        )
    except subprocess.TimeoutExpired:
        return False


def debian_mirror() -> str:
    """The Debian mirror the host's apt uses (deb822 or one-line sources)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if not path.is_file():
            continue
        for url in re.findall(r"(https?://\S+/debian)/?(?:\s|$)", path.read_text()):
            return url
    return "http://deb.debian.org/debian"


def build_local_base(name: str = LOCAL_BASE) -> str:
    """A minimal Debian bookworm with Python 3.11, from Debian's own packages."""
    if has_image(name):
        return name
    if shutil.which("debootstrap") is None:
        raise SystemExit(
            "building a local base image needs debootstrap: apt-get install debootstrap"
        )
    with tempfile.TemporaryDirectory(prefix="assay-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={BASE_PACKAGES}",
                "bookworm",
                str(rootfs),
                debian_mirror(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # Only the package lists' sources stay; caches and logs go.
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "var/log"):
            for child in (rootfs / junk).glob("*"):
                if child.is_file():
                    child.unlink()
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["docker", "import", "-", name], stdin=tar.stdout, check=True, stdout=subprocess.DEVNULL
        )
        tar.wait()
    return name


def download_wheelhouse() -> None:
    """Every wheel the images install, fetched by the host's pip (with the host's CA setup)."""
    WHEELHOUSE.mkdir(exist_ok=True)
    if any(WHEELHOUSE.glob("dagster_postgres-*.whl")):
        return
    python = sys.executable
    if subprocess.run(
        [python, "-m", "pip", "--version"], capture_output=True, check=False
    ).returncode:
        python = shutil.which("python3") or "python3"  # a uv-made venv has no pip
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "download",
            "-q",
            "--disable-pip-version-check",
            "-d",
            str(WHEELHOUSE),
            "--only-binary=:all:",
            "--python-version",
            "3.11",
            "-r",
            str(DOCKER_DIR / "sandbox-requirements.txt"),
            str(ROOT),
            "dagster-postgres==0.29.27",
            "setuptools>=68",
            "wheel",
        ],
        check=True,
    )


def build(dockerfile: str, name: str, **build_args: str) -> None:
    args = ["build", "-q", "-f", str(DOCKER_DIR / dockerfile), "-t", name]
    for key, value in build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    docker(*args, str(ROOT), quiet=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base", default=DEFAULT_BASE, help="base image (Debian bookworm, Python 3.11)"
    )
    parser.add_argument(
        "--local-base", action="store_true", help="build the base from Debian packages"
    )
    parser.add_argument("--tag", default=version())
    parser.add_argument(
        "--model-extra", default="", help="bake weights into the model image: model or model-small"
    )
    args = parser.parse_args()

    times: dict[str, float] = {}
    start = time.monotonic()
    base = args.base
    local = args.local_base or not pullable(base)
    if local:
        print(
            f"build: {base} cannot be pulled here; building {LOCAL_BASE} from Debian packages",
            flush=True,
        )
        base = build_local_base()
    times["base image"] = time.monotonic() - start

    start = time.monotonic()
    if local:
        download_wheelhouse()
    times["wheelhouse"] = time.monotonic() - start

    names = images(args.tag)
    for key, dockerfile, extra in (
        ("sandbox", "sandbox.Dockerfile", {"BASE_IMAGE": base}),
        ("code", "Dockerfile", {"BASE_IMAGE": base}),
        (
            "model",
            "model.Dockerfile",
            {"ASSAY_IMAGE": names["code"], "MODEL_EXTRA": args.model_extra},
        ),
    ):
        start = time.monotonic()
        build(dockerfile, names[key], **extra)
        times[f"image {names[key]}"] = time.monotonic() - start

    start = time.monotonic()
    postgres = DEFAULT_POSTGRES
    if local or not pullable(DEFAULT_POSTGRES):
        build("postgres.Dockerfile", LOCAL_POSTGRES, BASE_IMAGE=base)
        postgres = LOCAL_POSTGRES
    times[f"image {postgres}"] = time.monotonic() - start

    for phase, seconds in times.items():
        print(f"build: {phase}: {seconds:.0f} s", flush=True)
    # Compose reads docker/.env: the stack then uses exactly the images built here.
    (DOCKER_DIR / ".env").write_text(
        f"ASSAY_TAG={args.tag}\nPOSTGRES_IMAGE={postgres}\nBASE_IMAGE={base}\n"
    )
    print(f"build: wrote docker/.env (ASSAY_TAG={args.tag}, POSTGRES_IMAGE={postgres})")


if __name__ == "__main__":
    main()
