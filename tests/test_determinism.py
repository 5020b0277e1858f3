"""Same input, same answer: the commands a user runs give byte-identical output on a quiet machine and with
both cores kept busy by other processes (every search is bounded by counted work, never by the clock)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest

from support import songgen

pytestmark = pytest.mark.slow

BUSY = "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end: pass\n"  # stops by itself


@contextlib.contextmanager
def both_cores_busy():
    """Two CPU-bound processes for the duration of the block (each ends by itself after 10 minutes at most)."""
    procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=30)


def disco(*args, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "disco", *args], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=900)


def test_reorder_gives_the_same_order_on_a_quiet_and_on_a_busy_machine(tmp_path, models):
    catalog = tmp_path / "songs.csv"
    songs = songgen.write_tidy_csv(catalog)
    ids = tmp_path / "set.txt"
    ids.write_text("\n".join(songs["track_id"].drop_duplicates().iloc[:60]) + "\n")
    args = ("reorder", str(ids), "--data", str(catalog), "--format", "json")
    quiet = disco(*args, cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    with both_cores_busy():
        busy = disco(*args, cwd=tmp_path)
    assert busy.returncode == 0, busy.stderr
    assert busy.stdout == quiet.stdout
    result = json.loads(quiet.stdout)
    assert len(result["playlist"]) == 60 and not result["info"]["cut_short"]


def test_quick_evaluation_gives_the_same_numbers_on_a_quiet_and_on_a_busy_machine(tmp_path, real_csv,
                                                                                   trained_model):
    env = {"DISCO_DATA_DIR": str(real_csv.parent), "DISCO_CACHE_DIR": str(tmp_path / "cache")}
    runs = []
    for load in (contextlib.nullcontext, both_cores_busy):
        out = tmp_path / f"{load.__name__}.json"
        with load():
            run = disco("evaluate", "--quick", "--no-progress", "--json", str(out), cwd=tmp_path, env=env)
        assert run.returncode == 0, run.stderr
        runs.append((run.stdout.replace(str(out), "OUT"), json.loads(out.read_text())))
    (quiet_text, quiet), (busy_text, busy) = runs
    assert busy_text == quiet_text
    assert "runtime" in quiet and {k: v for k, v in busy.items() if k != "runtime"} == \
        {k: v for k, v in quiet.items() if k != "runtime"}
    assert quiet["ordering"]["disco_reorder"]["total_loss_dj"] > 0
