"""The release as it ships: the wheel and the sdist `python -m build` makes (`make dist`),
installed into a fresh virtual environment outside the checkout, the way the Dockerfile's
last stage installs it; the image built from that wheel; and the changelog's entry for the
version."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import time
import tomllib
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WHEEL = f"ccm_workflows-{VERSION}-py3-none-any.whl"
# What the program reads besides its modules: it must all be inside the package.
PACKAGE_DATA = ("domain/data/", "activities/templates/", "activities/migrations/")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build` as `make dist` runs it: the sdist, then the wheel built from the
    sdist (so a file missing from the sdist is missing from the wheel too)."""
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], capture_output=True, text=True, timeout=600
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def _final_stage(dockerfile: str) -> str:
    return dockerfile.split("\nFROM ")[-1]


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment with only the wheel (and what it depends on) installed,
    by the Dockerfile's own command: nothing of the checkout on the path."""
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, capture_output=True)
    command = re.search(r"RUN (pip install [^\n]*?\.whl)", _final_stage((ROOT / "Dockerfile").read_text())).group(1)
    command = command.replace("/tmp/requirements.lock", str(ROOT / "requirements.lock")).replace(
        f"/tmp/{WHEEL}", str(dist / WHEEL)
    )
    # --no-compile: the image compiles its bytecode at install; the test need not (a third
    # of the install's time), and what it checks is what is installed, not how fast it starts.
    installed = subprocess.run(
        [str(where / "bin" / "python"), "-m", *command.split(), "--no-compile"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return where


def _outside(venv: Path, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user of the installed release: its venv's bin first, no
    PYTHONPATH, no git commit given, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCM_", "PYTHON", "VIRTUAL_ENV"))}
    return env | {"PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", "CCM_HOME": str(home), **extra}


def test_the_wheel_and_the_sdist_hold_every_file_the_program_reads(dist):
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", *PACKAGE_DATA], capture_output=True, text=True, check=True
    ).stdout.split()
    wanted = {path for path in tracked if not path.endswith((".pyc", "/__pycache__"))}
    assert len(wanted) > 50  # the templates, the data, the migrations
    wheel = set(zipfile.ZipFile(dist / WHEEL).namelist())
    assert not wanted - wheel, sorted(wanted - wheel)
    assert not any(name.startswith(("tests/", "benchmarks/", "deploy/")) for name in wheel)
    with tarfile.open(dist / f"ccm_workflows-{VERSION}.tar.gz") as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert not wanted - names, sorted(wanted - names)
    assert {"CHANGELOG.md", "README.md", "pyproject.toml", "requirements.lock"} <= names


@pytest.mark.slow
def test_a_fresh_environment_with_only_the_wheel_runs_the_demo(venv, tmp_path):
    env = _outside(venv, tmp_path / "home")
    where = subprocess.run(
        ["python", "-c", "import cli, domain; print(cli.__file__, domain.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0 and all(p.startswith(str(venv)) for p in where.stdout.split()), where
    said = subprocess.run(["ccm", "--version"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert said.returncode == 0 and said.stdout.strip() == f"ccm {VERSION}", said  # no checkout: no commit
    given = subprocess.run(
        ["ccm", "--version"], env=env | {"CCM_GIT_COMMIT": "0123456789ab"}, cwd=tmp_path, capture_output=True, text=True
    )
    assert given.stdout.strip() == f"ccm {VERSION} (commit 0123456789ab)"
    helped = subprocess.run(["ccm", "--help"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert helped.returncode == 0 and "Commands:" in helped.stdout and "demo" in helped.stdout
    upgraded = subprocess.run(["ccm", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert upgraded.returncode == 0 and "is at revision" in upgraded.stdout, upgraded.stderr
    demo = subprocess.run(["ccm", "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    # It ran the year to its table, drew the letters with the fonts inside the packages, and its log holds.
    assert "ITA" in demo.stdout and "Traceback" not in demo.stderr
    letters = list((tmp_path / "home" / "demo" / "outbox" / "letters").glob("*.pdf"))
    assert letters and all(p.read_bytes().startswith(b"%PDF-") for p in letters)
    verified = subprocess.run(
        ["ccm", "audit", "verify"],
        env=env | {"CCM_HOME": str(tmp_path / "home" / "demo")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.slow
def test_the_images_install_runs_the_schema_upgrade_and_a_worker(venv, dev_env, pg_url, tmp_path):
    """The image's start-up, outside Docker, from the wheel as its last stage installs it:
    `ccm db upgrade` on PostgreSQL, `ccm worker`, `ccm ping`, `ccm health`."""
    env = _outside(
        venv,
        tmp_path,
        CCM_DATABASE_URL=pg_url.replace("+psycopg", ""),
        CCM_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        CCM_TASK_QUEUE=f"image-{uuid.uuid4().hex[:6]}",
        CCM_HEARTBEAT_FILE=str(tmp_path / "hb"),
    )
    upgrade = subprocess.run(["ccm", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert upgrade.returncode == 0 and "is at revision 0002" in upgrade.stdout, upgrade.stderr
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(["ccm", "worker"], env=env, cwd=tmp_path, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "worker polling" not in log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        ping = subprocess.run(["ccm", "ping"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert ping.returncode == 0 and ping.stdout.startswith("pong"), ping.stderr
        health = subprocess.run(["ccm", "health"], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert health.returncode == 0 and health.stdout.startswith("worker alive")
    finally:
        worker.terminate()
        assert worker.wait(timeout=20) == 0


def test_the_image_is_built_from_the_wheel_and_the_compose_names_this_release():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert len(stages) == 2 and stages[0] == stages[1]  # one Python for the build and the image
    build, final = dockerfile.split("\nFROM ")[1:]
    assert "python -m build --wheel" in build
    assert f"COPY --from=wheel /dist/{WHEEL} /tmp/" in final
    assert f"pip install -c /tmp/requirements.lock /tmp/{WHEEL}" in final
    # The last stage holds no source tree: only the wheel and the lock come in.
    assert [line.split()[1] for line in final.splitlines() if line.startswith("COPY")] == [
        "requirements.lock",
        "--from=wheel",
    ]
    assert 'CMD ["ccm", "worker"]' in final and "USER ccm" in final
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    ours = {name: s for name, s in services.items() if s.get("image", "").startswith("ccm-worker:")}
    assert {"db-upgrade", "worker", "letters"} <= set(ours)
    assert {s["image"] for s in ours.values()} == {f"ccm-worker:{VERSION}"}
    assert {s["environment"]["CCM_BUILD_ID"] for s in ours.values() if "CCM_BUILD_ID" in s["environment"]} == {VERSION}


def test_the_changelog_has_an_entry_for_this_version():
    """Keep a Changelog: `## [X.Y.Z] - YYYY-MM-DD`, newest first under `## [Unreleased]`,
    each with what an ISU officer and an operator need to know."""
    text = (ROOT / "CHANGELOG.md").read_text()
    entries = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert entries[0] == ("Unreleased", "")
    versions = [(v, d) for v, d in entries[1:]]
    assert versions and versions[0][0] == VERSION, f"no entry for {VERSION} at the top of CHANGELOG.md"
    assert date.fromisoformat(versions[0][1]) <= date.today()
    entry = text.split(f"## [{VERSION}]", 1)[1].split("\n## [", 1)[0]
    assert "### For the Implementation Support Unit" in entry and "### For the operator" in entry
    assert f"tests/histories/{VERSION}/" in entry  # the frozen corpus it names exists
    assert (ROOT / "tests" / "histories" / VERSION / "events.jsonl").exists()


def test_a_released_corpus_is_never_recorded_again():
    from tests.histories.record import released

    assert released("1.0.0") and released("2.3.1")
    assert not any(released(v) for v in ("0.1.0", "1.1.0.dev1", "1.1.0rc1"))
    corpus = ROOT / "tests" / "histories" / VERSION
    before = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
    run = subprocess.run(
        [sys.executable, "-m", "tests.histories.record"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1 and f"tests/histories/{VERSION}/ is the frozen corpus" in run.stderr, run.stderr
    assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == before
