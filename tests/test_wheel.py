"""DISCO from its wheel, away from the checkout: the wheel is built from a copy of the project, installed into a
fresh venv in a temporary folder, and from there `disco` builds a playlist with the shipped models and
`disco app` serves the dashboard.

The fresh venv reuses the dependencies this venv already has (a .pth file naming its site-packages) so that
nothing is downloaded; DISCO itself comes from the wheel only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from support import songgen

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {".git", ".venv", "build", "dist", "data", "node_modules", ".pytest_cache", ".hypothesis", "bench"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]  # one worker: the wheel and venv are built once


def _project_copy(dest: Path) -> Path:
    """The project as a fresh clone has it: building in the checkout would reuse its build/ folder."""
    def ignore(folder, names):
        top = NOT_SHIPPED if Path(folder) == ROOT else set()
        return {n for n in names if n in top or n == "__pycache__" or n.endswith(".egg-info")}

    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _run(cmd: list, *, cwd: Path, env: dict | None = None, timeout: float = 300) -> str:
    done = subprocess.run([str(c) for c in cmd], check=False, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = _project_copy(work / "source")
    # offline: no build isolation (this venv's setuptools, from the `test` extra), no index
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", work / "dist", source], cwd=work)
    [built] = (work / "dist").glob("disco-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A fresh venv outside the checkout holding the wheel: its ``bin`` folder, environment and working folder."""
    work = tmp_path_factory.mktemp("installed")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    [site] = venv.glob("lib/python*/site-packages")
    shared = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "dependencies_of_the_test_venv.pth").write_text("".join(f"{path}\n" for path in shared))
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps",
          "--no-index", wheel], cwd=work)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DISCO_MODELS_DIR", "VIRTUAL_ENV")}
    env["DISCO_DATA_DIR"] = str(work / "data")
    env["HOME"] = str(work)  # Streamlit's own settings folder (~/.streamlit) stays out of the user's
    cwd = work / "cwd"
    cwd.mkdir()
    return {"bin": venv / "bin", "site": site, "env": env, "cwd": cwd}


def test_the_wheel_holds_the_models_and_the_dashboards_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    committed = {f"disco/models/{p.name}" for p in (ROOT / "models").iterdir() if p.is_file()}
    assert "disco/models/model_card.json" in committed and committed <= names
    app_files = {f"disco/{p.relative_to(ROOT / 'disco').as_posix()}" for p in (ROOT / "disco" / "app").rglob("*")
                 if p.suffix in (".py", ".html", ".js") and "__pycache__" not in p.parts}
    assert "disco/app/main.py" in app_files and app_files <= names


def test_disco_comes_from_the_wheel_with_its_models(installed):
    assert ROOT not in installed["cwd"].parents
    script = ("import json, disco; from disco import config; "
              "print(json.dumps([disco.__file__, str(config.models_dir())]))")
    where = json.loads(_run([installed["bin"] / "python", "-c", script], cwd=installed["cwd"], env=installed["env"]))
    package, models = (Path(p) for p in where)
    assert package == installed["site"] / "disco" / "__init__.py"
    assert models == installed["site"] / "disco" / "models" and (models / "model_card.json").is_file()


def test_disco_version_is_the_wheels(installed, wheel):
    version = wheel.name.split("-")[1]
    out = _run([installed["bin"] / "disco", "--version"], cwd=installed["cwd"], env=installed["env"])
    assert out.strip() == f"disco {version}"


def test_disco_build_runs_from_the_wheel(installed):
    songs = installed["cwd"] / "songs.csv"
    frame = songgen.write_tidy_csv(songs)
    seed = frame.track_id.iloc[0]
    out = _run([installed["bin"] / "disco", "build", "--data", songs, "--seed", seed, "--length", "5",
                "--format", "json"], cwd=installed["cwd"], env=installed["env"])
    playlist = json.loads(out)
    assert len(playlist["playlist"]) == 5 and playlist["playlist"][0]["track_id"] == seed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_disco_app_serves_the_dashboard_from_the_wheel(installed):
    port = _free_port()
    log = installed["cwd"] / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([installed["bin"] / "disco", "app", "--server.port", str(port),
                                 "--server.headless", "true"],
                                cwd=installed["cwd"], env=installed["env"], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        answer = None
        while answer != "ok":
            assert proc.poll() is None, f"disco app exited {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no health answer on port {port} in 90 s:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as r:
                    answer = r.read().decode()
            except OSError:
                time.sleep(0.2)
        assert str(installed["site"] / "disco" / "app" / "main.py") in Path(f"/proc/{proc.pid}/cmdline").read_text()
    finally:
        proc.terminate()  # `disco app` became Streamlit (exec): this stops the server itself
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
