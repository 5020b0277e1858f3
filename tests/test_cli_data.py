"""``python -m disco data``: check, fetch and info, with one-line errors and no tracebacks."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from disco import config
from disco.cli.main import main
from support.http_server import serve


def test_check_prints_report(tidy_csv, capsys):
    assert main(["data", "check", str(tidy_csv)]) == 0
    out = capsys.readouterr().out
    n = pd.read_csv(tidy_csv)["track_id"].nunique()
    assert f"songs kept: {n:,}" in out and "playlists: 12" in out and "rows excluded: 0" in out


def test_check_reports_excluded_rows(tmp_path, tidy_csv, capsys):
    frame = pd.read_csv(tidy_csv)
    frame.loc[4, "danceability"] = 7.0
    frame.to_csv(tmp_path / "s.csv", index=False)
    assert main(["data", "check", str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out
    assert "rows excluded: 1" in out and "danceability outside 0..1: 1 rows (e.g. rows 5)" in out


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary", b"track_id,title\nA,x\n", b"a,b\n"])
def test_check_unusable_file_one_line(tmp_path, capsys, content):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert main(["data", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and str(path) in err


def test_check_in_subprocess_has_no_traceback(tmp_path):
    path = tmp_path / "missing_cols.csv"
    path.write_text("Track Name,Tempo\nSong,120\n")
    proc = subprocess.run([sys.executable, "-m", "disco", "data", "check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "missing required column" in proc.stderr and "Track Name" in proc.stderr


@pytest.mark.slow
def test_check_real_file(real_csv, capsys):
    assert main(["data", "check", str(real_csv)]) == 0
    out = capsys.readouterr().out
    assert "rows read: 32,833" in out and "playlists: 471" in out


def _fake_dataset(monkeypatch, tmp_path, routes_body: bytes):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(config, "DATASET_SHA256", hashlib.sha256(routes_body).hexdigest())


def test_fetch_default_urls_verifies_and_is_idempotent(tmp_path, tidy_csv, monkeypatch, capsys):
    body = tidy_csv.read_bytes()
    _fake_dataset(monkeypatch, tmp_path, body)
    routes = {"/main.csv": (b"not it", None, 404), "/master.csv": (body, None, 200)}
    with serve(routes) as url:
        monkeypatch.setattr(config, "DATASET_URLS", (f"{url}/main.csv", f"{url}/master.csv"))
        assert main(["data", "fetch"]) == 0
        dest = config.default_dataset_path()
        assert dest.read_bytes() == body
        assert "verified" in capsys.readouterr().out
        assert main(["data", "fetch"]) == 0
        assert "nothing to do" in capsys.readouterr().out
        dest.write_bytes(body[:100])  # corrupt local copy: fetched again
        assert main(["data", "fetch"]) == 0
        assert dest.read_bytes() == body


def test_fetch_all_sources_bad(tmp_path, tidy_csv, monkeypatch, capsys):
    body = tidy_csv.read_bytes()
    _fake_dataset(monkeypatch, tmp_path, body)
    routes = {"/trunc.csv": (body[:500], len(body), 200), "/wrong.csv": (body + b"\n", None, 200)}
    with serve(routes) as url:
        monkeypatch.setattr(config, "DATASET_URLS", (f"{url}/trunc.csv", f"{url}/wrong.csv"))
        assert main(["data", "fetch"]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # above it only the (cleared) progress bar
    assert "checksum" in last and "cut short" in last and last.startswith("error: could not download")
    assert "Traceback" not in err
    folder = tmp_path / "data"
    assert [p.name for p in folder.iterdir()] == []


def test_fetch_source_file_and_url(tmp_path, tidy_csv, monkeypatch, capsys):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "data"))
    assert main(["data", "fetch", "--source", str(tidy_csv)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "data" / tidy_csv.name).read_bytes() == tidy_csv.read_bytes()
    assert hashlib.sha256(tidy_csv.read_bytes()).hexdigest() in out and "not the published" in out
    with serve({"/x/spotify_songs.csv": (tidy_csv.read_bytes(), None, 200),
                "/bad.csv": (b"\x00\x01binary", None, 200)}) as url:
        monkeypatch.setattr(config, "DATASET_SHA256", hashlib.sha256(tidy_csv.read_bytes()).hexdigest())
        assert main(["data", "fetch", "--source", f"{url}/x/spotify_songs.csv"]) == 0
        assert config.default_dataset_path().is_file()
        assert "checksum verified" in capsys.readouterr().out
        assert main(["data", "fetch", "--source", f"{url}/bad.csv"]) == 2
        assert "binary" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted([tidy_csv.name, "spotify_songs.csv"])


def test_fetch_source_never_replaces_the_verified_catalog(tmp_path, tidy_csv, monkeypatch, capsys):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "data"))
    catalog = config.default_dataset_path()
    catalog.parent.mkdir(parents=True)
    catalog.write_bytes(tidy_csv.read_bytes())
    monkeypatch.setattr(config, "DATASET_SHA256", hashlib.sha256(tidy_csv.read_bytes()).hexdigest())
    smaller = pd.read_csv(tidy_csv).head(30)
    other = tmp_path / "elsewhere" / "spotify_songs.csv"  # another file under the catalog's name
    other.parent.mkdir()
    smaller.to_csv(other, index=False)
    assert main(["data", "fetch", "--source", str(other)]) == 0
    assert catalog.read_bytes() == tidy_csv.read_bytes()  # untouched
    kept = [p for p in catalog.parent.iterdir() if p.name.startswith("spotify_songs-")]
    assert len(kept) == 1 and kept[0].read_bytes() == other.read_bytes()
    assert "not the published" in capsys.readouterr().out


def test_info(tmp_path, tidy_csv, monkeypatch, capsys):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path))
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "songs.csv" in out and "absent" in out
