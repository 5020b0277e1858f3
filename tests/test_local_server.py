"""The local Streamlit server the browser tests and the dashboard bench open: it answers while the block lasts,
is gone after it, and a script that cannot start is a clear error, not a hang."""

from __future__ import annotations

import urllib.request

import pytest

from disco.app.local_server import local_server


@pytest.mark.slow
def test_a_script_is_served_for_the_block_and_stopped_after_it(tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import streamlit as st\nst.write('hello')\n")
    with local_server(script, cwd=tmp_path, log_path=tmp_path / "log.txt") as url:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            assert r.status == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)


@pytest.mark.slow
def test_a_server_that_exits_at_once_is_an_error_naming_its_log(tmp_path):
    log = tmp_path / "log.txt"
    with pytest.raises(RuntimeError, match=r"streamlit exited with code \d+ \(log: .*log\.txt\)"):
        with local_server(tmp_path / "missing.py", cwd=tmp_path, log_path=log):
            pass
    assert log.read_text()  # what streamlit said is kept
