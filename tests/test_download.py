"""Downloads against a local HTTP server: good, truncated and wrong-checksum responses; copies."""

from __future__ import annotations

import hashlib

import pytest

from disco.data import fetch
from disco.data.fetch import copy_file, download
from disco.errors import DownloadError
from support.http_server import serve

BODY = b"track_id,danceability\n" + b"".join(b"T%05d,0.5\n" % i for i in range(5000))
SHA = hashlib.sha256(BODY).hexdigest()


ROUTES = {"/good.csv": (BODY, None, 200),
          "/truncated.csv": (BODY[: len(BODY) // 2], len(BODY), 200),
          "/wrong.csv": (BODY.replace(b"0.5", b"0.6"), None, 200)}


@pytest.fixture(scope="module")
def server():
    with serve(ROUTES) as url:
        yield url


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name != "songs.csv"]


def test_good_download(server, tmp_path):
    dest = tmp_path / "sub" / "songs.csv"
    assert download(f"{server}/good.csv", dest, sha256=SHA, progress=False) == SHA
    assert dest.read_bytes() == BODY and _leftovers(dest.parent) == []


def test_a_killed_download_leaves_nothing_behind_after_the_next_one(server, tmp_path):
    staging = tmp_path / fetch.STAGING
    staging.mkdir()
    (staging / "tmp_half_written").write_bytes(b"half")  # what a killed fetch leaves
    download(f"{server}/good.csv", tmp_path / "songs.csv", sha256=SHA, progress=False)
    assert _leftovers(tmp_path) == []


def test_truncated_download_leaves_no_file(server, tmp_path):
    dest = tmp_path / "songs.csv"
    with pytest.raises(DownloadError, match="cut short"):
        download(f"{server}/truncated.csv", dest, sha256=None, progress=False)
    assert not dest.exists() and _leftovers(tmp_path) == []


def test_wrong_checksum_keeps_previous_copy(server, tmp_path):
    dest = tmp_path / "songs.csv"
    dest.write_bytes(b"previous")
    with pytest.raises(DownloadError, match="checksum"):
        download(f"{server}/wrong.csv", dest, sha256=SHA, progress=False)
    assert dest.read_bytes() == b"previous" and _leftovers(tmp_path) == []


def test_http_error_and_unreachable(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        download(f"{server}/missing.csv", tmp_path / "x.csv", progress=False)
    with serve({}) as url:
        closed = url
    with pytest.raises(DownloadError, match="could not reach 127.0.0.1.*no network"):
        download(f"{closed}/good.csv", tmp_path / "x.csv", timeout=2, progress=False)
    assert not (tmp_path / "x.csv").exists()


def test_copy_file(tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes(BODY)
    assert copy_file(src, tmp_path / "out" / "b.csv", sha256=SHA) == SHA
    assert (tmp_path / "out" / "b.csv").read_bytes() == BODY
    with pytest.raises(DownloadError, match="checksum"):
        copy_file(src, tmp_path / "c.csv", sha256="0" * 64)
    assert not (tmp_path / "c.csv").exists()


def test_on_progress_sees_growing_byte_counts_up_to_the_file_size(server, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "CHUNK", 4096)  # several chunks from the 50 KB body
    calls = []
    download(f"{server}/good.csv", tmp_path / "songs.csv", sha256=SHA, progress=False,
             on_progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert len(calls) > 1 and done == sorted(set(done)) and done[-1] == len(BODY)
    assert {t for _, t in calls} == {len(BODY)}  # the server's Content-Length


def test_copy_file_reports_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "CHUNK", 4096)
    src = tmp_path / "a.csv"
    src.write_bytes(BODY)
    calls = []
    copy_file(src, tmp_path / "b.csv", on_progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 1 and [d for d, _ in calls] == sorted({d for d, _ in calls})
    assert calls[-1] == (len(BODY), len(BODY)) and (tmp_path / "b.csv").read_bytes() == BODY
