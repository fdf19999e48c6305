"""ghtflow installed from its wheel works anywhere, not only as the editable install of this
checkout: the wheel is built from a copy of the sources, installed into a new virtual
environment, and the `ghtflow` command of that environment runs from a folder outside the
repository with no PYTHONPATH, so that it can only use what the wheel carries (workflow
definitions, Word models and e-mails of the built-in procedure, categories, Alembic migrations,
the demo scenario, e-mail and web templates).

The new environment gets ghtflow's dependencies from this one through a `.pth` line (no
download); the wheel itself is installed with `--no-deps --no-index`.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import socket
import subprocess
import sys
import time
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.runner import DOC_TYPES, GHT_TYPES, OTHER_TYPES, ghtflow

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Folders of the checkout that are not ghtflow's packages (nor worth copying to build it).
NOT_SHIPPED = ("tests", "benchmarks", "docs")
OFFICER = "instructeur@ars-occitanie.example.org"
GHT_LOT = "direction@occ-02.example.org"


def _run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _backend_in_this_venv() -> bool:
    """setuptools ≥ 70.1 builds wheels by itself (older ones need the `wheel` package)."""
    try:
        major, minor = (int(p) for p in version("setuptools").split(".")[:2])
    except Exception:
        return False
    return (major, minor) >= (70, 1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (the checkout gets no build/ nor egg-info)."""
    sources = tmp_path_factory.mktemp("sources") / "ghtflow"
    ignored = shutil.ignore_patterns(
        ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*cache", ".hypothesis"
    )
    shutil.copytree(REPO, sources, ignore=ignored)
    for folder in NOT_SHIPPED:
        shutil.rmtree(sources / folder, ignore_errors=True)
    out = tmp_path_factory.mktemp("dist")
    command: list[str | Path] = [
        PYTHON,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--quiet",
        "--wheel-dir",
        out,
    ]
    if _backend_in_this_venv():
        command.append("--no-build-isolation")  # no download: the venv's own setuptools
    built = _run(*command, sources, cwd=sources.parent, timeout=300)
    unreachable = "No matching distribution" in built.stderr or "Could not find" in built.stderr
    if built.returncode != 0 and not _backend_in_this_venv() and unreachable:
        pytest.skip(
            "no build backend: setuptools>=70.1 is not in this venv (make venv) "
            f"and PyPI cannot be reached: {built.stderr.strip().splitlines()[-1]}"
        )
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("ghtflow-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed; dependencies borrowed from ours."""
    where = tmp_path_factory.mktemp("venv") / "env"
    made = _run(PYTHON, "-m", "venv", "--without-pip", where, cwd=where.parent)
    assert made.returncode == 0, made.stderr
    python = where / "bin" / "python"
    purelib = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=where
    )
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib.stdout.strip()) / "ghtflow_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in ours), "utf-8"
    )
    installed = _run(
        PYTHON, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
        wheel, cwd=where.parent,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return where


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder outside the repository (no scenarios/ nor migrations/ next to it)."""
    folder = tmp_path_factory.mktemp("elsewhere")
    assert not folder.resolve().is_relative_to(REPO)
    return folder


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GHTFLOW_", "PYTHON", "VIRTUAL_ENV"))
    }
    return env | {"GHTFLOW_HOME": str(home), "COLUMNS": "200"}


class Installed:
    """The `ghtflow` command of the new environment, run in `elsewhere` on one work directory."""

    def __init__(self, venv: Path, elsewhere: Path) -> None:
        self.command = venv / "bin" / "ghtflow"
        self.python = venv / "bin" / "python"
        self.cwd = elsewhere
        self.home = elsewhere / "home"

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return _run(self.command, *args, cwd=self.cwd, env=_env(self.home))

    def ok(self, *args: str | Path) -> str:
        result = self.run(*args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        return result.stdout

    def json(self, *args: str | Path) -> Any:
        return json.loads(self.ok(*args, "--format", "json"))


@pytest.fixture(scope="module")
def installed(venv: Path, elsewhere: Path) -> Installed:
    return Installed(venv, elsewhere)


def _shipped_data_files() -> set[str]:
    """Every file of the checkout's top-level packages that is not code, as a wheel path (a
    checkout's .venv/ or var/ is no package: no __init__.py)."""
    found = set()
    for init in REPO.glob("*/__init__.py"):
        if init.parent.name in NOT_SHIPPED:
            continue
        for path in init.parent.rglob("*"):
            code = path.suffix in {".py", ".pyc", ".sh"} or "__pycache__" in path.parts
            if path.is_file() and not code:
                found.add(path.relative_to(REPO).as_posix())
    return found


def test_the_wheel_carries_every_data_file(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = _shipped_data_files()
    assert {
        "scenarios/occitanie-2017.yaml",
        "scenarios/categories.yaml",
        "procedures/ght-2017/procedure.yaml",
        "procedures/ght-2017/motives.yaml",
        "procedures/ght-2017/workflows/pmsp.yaml",
        "procedures/ght-2017/models/convention_chu.docx",
        "procedures/ght-2017/mails/conformity_request.html.j2",
        "migrations/alembic.ini",
        "notifications/templates/reminder.html.j2",
        "web/templates/base.html",
        "web/static/style.css",
    } <= expected
    assert sorted(expected - names) == []
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


def test_installed_command_runs_outside_the_repository(installed: Installed, tmp_path: Path):
    where = _run(
        installed.python,
        "-c",
        "import cli, services, scenarios, migrations; print(cli.__file__, scenarios.__file__)",
        cwd=installed.cwd,
        env=_env(installed.home),
    )
    assert where.returncode == 0, where.stderr
    assert str(REPO) not in where.stdout and str(installed.python.parent.parent) in where.stdout

    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    started = time.monotonic()
    assert installed.ok("--version") == f"ghtflow {project['version']}\n"
    assert time.monotonic() - started < 5

    assert "upgraded from empty to revision" in installed.ok("db", "upgrade")
    assert "Scenario occitanie-2017" in installed.ok("load", "--demo")
    types = {t["type"] for t in installed.json("states", "list")}
    assert types == set(DOC_TYPES)  # the GHTs' and the other built-in folders' (shipped too)
    documents = installed.json("documents", "list")
    assert len(documents) == 39 and {d["type"] for d in documents} <= types
    ids = {(d["ght"], d["type"]): d["id"] for d in documents}

    # a conformity request: the workflow, the Word letter and the e-mail templates
    pdf = tmp_path / "pmsp-lot.pdf"
    pdf.write_bytes(b"%PDF-1.4\nPMSP GHT du Lot\n%%EOF\n")
    pmsp = str(ids["OCC-02", "pmsp"])
    installed.ok("documents", "fire", pmsp, "submit", "--actor", GHT_LOT, "--file", pdf,
                 "--as-of", "2017-10-16")  # fmt: skip
    installed.ok("documents", "fire", pmsp, "request_conformity", "--actor", OFFICER,
                 "--motive", "shared_care_project", "--respond-by", "2017-12-01",
                 "--as-of", "2017-10-30")  # fmt: skip
    (message,) = installed.json("outbox", "list")
    assert "conformité" in message["subject"] and "OCC-02" in message["subject"]

    # the built-in Word models: listed, checked, filled
    models = installed.json("templates", "list")
    assert {m["source"] for m in models} == {"built-in"} and len(models) == 5
    procedure, *others = installed.json("procedures", "list")
    assert procedure["name"] == "ght-2017" and set(procedure["types"]) == set(GHT_TYPES)
    assert {t for p in others for t in p["types"]} == set(OTHER_TYPES)
    for folder in (procedure, *others):
        assert installed.ok("procedures", "check", folder["folder"]).endswith(": OK\n")
    for model in models:
        assert not Path(model["path"]).is_relative_to(REPO), model
        assert installed.json("templates", "check", model["path"])["missing"] == [], model
    out = tmp_path / "documents"
    installed.ok("generate", str(ids["OCC-03", "chu_convention"]), "--out", out)
    (filled,) = out.glob("*.docx")
    assert zipfile.is_zipfile(filled)


def test_version_comes_from_the_project_metadata_and_stops_there(tmp_path: Path):
    """`--version` answers before any command: no database, no work directory created."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    result = ghtflow(tmp_path, "--version", "documents", "list")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"ghtflow {project['version']}\n",
        "",
    )
    assert "--version" in ghtflow(tmp_path, "--help").stdout
    assert list(tmp_path.iterdir()) == []  # the work directory: no database, no log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_installed_dashboard_serves_pages_and_styles(installed: Installed):
    if not (installed.home / "ghtflow.db").exists():
        installed.ok("db", "upgrade")
    port = _free_port()
    server = subprocess.Popen(
        [str(installed.command), "serve", "--port", str(port)],
        cwd=installed.cwd,
        env=_env(installed.home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(200):
                try:
                    page = client.get("/connexion")
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            else:
                raise AssertionError("the dashboard did not start")
            assert page.status_code == 200 and "Se connecter" in page.text
            assert client.get("/static/style.css").status_code == 200
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert "Traceback" not in err, err
