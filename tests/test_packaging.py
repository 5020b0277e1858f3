"""The install: one version, the dashboard's `disco app` command and its Streamlit settings, where models are
read from. Building and running the wheel itself: tests/test_wheel.py."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

from disco import config
from disco.cli import app as app_cmd
from disco.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"disco {importlib.metadata.version('disco')}\n"


def test_pyproject_reads_the_version_from_the_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "disco.__version__"}


def test_disco_app_passes_the_checkouts_streamlit_settings():
    toml = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    as_flags = {f"{section}.{name}": str(value).lower() if isinstance(value, bool) else str(value)
                for section, values in toml.items() for name, value in values.items()}
    assert app_cmd.STREAMLIT_OPTIONS == as_flags


@pytest.mark.parametrize("argv", [["app", "--server.port", "8600"], ["app", "--", "--server.port", "8600"]])
def test_disco_app_runs_streamlit_on_the_dashboard_with_what_it_does_not_know(argv, monkeypatch):
    ran = []
    monkeypatch.setattr(app_cmd.os, "execv", lambda path, args: ran.append(args))
    main(argv)
    [command] = ran
    assert command[1:5] == ["-m", "streamlit", "run", str(ROOT / "disco" / "app" / "main.py")]
    assert command[-2:] == ["--server.port", "8600"]  # last: what the user says wins over DISCO's settings
    assert "--" not in command
    assert command[command.index("--server.address") + 1] == "localhost"


def test_other_commands_still_refuse_unknown_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--seed", "x", "--no-such-option"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_models_dir_is_the_environments_else_the_checkouts(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path))
    assert config.models_dir() == tmp_path
    monkeypatch.delenv("DISCO_MODELS_DIR")
    assert config.models_dir() == ROOT / "models"  # an installed wheel's: tests/test_wheel.py


def test_disco_train_without_keras_says_how_to_install_it(tidy_csv, monkeypatch, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "keras" else find_spec(name, *a))
    assert main(["train", "--data", str(tidy_csv), "--quiet"]) == 2
    assert '-e ".[train]"' in capsys.readouterr().err
