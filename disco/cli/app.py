"""``disco app``: the dashboard, ``streamlit run`` on disco/app/main.py, at http://localhost:8501."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import disco
from disco.errors import DiscoError

# The dashboard's Streamlit settings, the same as the checkout's .streamlit/config.toml (a test keeps them equal):
# an installed DISCO has no such file, so they go on the command line. Local only: nothing listens beyond this machine.
STREAMLIT_OPTIONS = {
    "server.address": "localhost",
    "server.maxUploadSize": "50",
    "server.fileWatcherType": "none",
    "browser.gatherUsageStats": "false",
    "runner.magicEnabled": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "theme.base": "light",
    "theme.primaryColor": "#7b2ff7",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "app", help="open the dashboard in the browser",
        description="Open DISCO's dashboard (a Streamlit app) at http://localhost:8501; Ctrl+C stops it. "
        "Options DISCO does not know go to `streamlit run`, e.g. `disco app --server.port 8600` or "
        "`disco app --server.headless true` (no browser window).",
    )
    p.set_defaults(func=run, passed_on=[])


def dashboard_script() -> Path:
    """disco/app/main.py of the installed package, found without importing the dashboard."""
    return Path(disco.__file__).resolve().parent / "app" / "main.py"


def streamlit_command(passed_on: list[str]) -> list[str]:
    """``streamlit run`` of the dashboard with DISCO's settings; ``passed_on`` comes last, so it wins."""
    options = [arg for name, value in STREAMLIT_OPTIONS.items() for arg in (f"--{name}", value)]
    return [sys.executable, "-m", "streamlit", "run", str(dashboard_script()), *options, *passed_on]


def run(args: argparse.Namespace) -> int:
    script = dashboard_script()
    if not script.is_file():
        raise DiscoError(f"the dashboard is missing from this install ({script}); reinstall DISCO")
    command = streamlit_command(args.passed_on)
    os.execv(command[0], command)  # Streamlit takes this process's place: Ctrl+C and signals reach it directly
