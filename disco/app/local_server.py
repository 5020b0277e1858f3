"""A Streamlit script served on a free local port for as long as a ``with`` block lasts: what the browser
tests and the dashboard benchmark open in Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_server(script: Path, *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                 log_path: Path | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Run ``streamlit run script`` headless on a free port of 127.0.0.1 (file watcher and usage statistics
    off), with ``env`` added to this process's environment; yield its URL once it answers its health check
    (``timeout`` seconds at most); stop it by its PID on leaving. ``log_path``: where its output goes (else
    nowhere)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(open(log_path, "w")) if log_path else subprocess.DEVNULL
        proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None:
                    where = f" (log: {log_path})" if log_path else ""
                    raise RuntimeError(f"streamlit exited with code {proc.returncode}{where}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()  # by its PID, never by name
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
