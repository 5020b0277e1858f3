"""Getting song files into the data folder: the public catalog (downloaded with pooch, sha256-verified) or a file
of the user's, copied. Nothing is ever left half-written: downloads land in a staging folder that is emptied
first, and only a complete, verified file replaces the destination.

Errors are one line (:class:`~disco.errors.DownloadError`): "could not reach <host>: no network?", an HTTP
status, a transfer cut short, a checksum that does not match.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from disco import config
from disco.errors import DownloadError

CHUNK = 1 << 16
STAGING = ".disco-fetch"  # staging folder inside the data folder; emptied before each download
Progress = Callable[[int, "int | None"], None]  # (bytes so far, total bytes or None)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _ProgressBar:
    """What pooch calls as a progress bar: a tqdm bar in the terminal and/or a callback (the dashboard)."""

    def __init__(self, name: str, terminal: bool, on_progress: Progress | None):
        self.name, self.terminal = name, terminal
        self.total = None
        self.done = 0
        self.reported = 0  # pooch resets and refills the bar at the end: report only growth
        self.on_progress = on_progress
        self.bar = None  # drawn once bytes arrive: a failed connection leaves no empty bar behind

    def update(self, n: int) -> None:
        total = self.total or None
        self.done = self.done + int(n) if total is None else min(self.done + int(n), total)
        if self.done > self.reported:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=self.name,
                                disable=not self.terminal, leave=False)
            self.bar.total = total
            self.bar.update(self.done - self.reported)
            self.reported = self.done
            if self.on_progress is not None:
                self.on_progress(self.done, total)

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _staging(folder: Path) -> Path:
    staging = folder / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # whatever a killed fetch left behind
    staging.mkdir(parents=True, exist_ok=True)
    return staging


def download(url: str, dest: str | Path, sha256: str | None = None, timeout: float = 30.0,
             progress: bool = True, on_progress: Progress | None = None) -> str:
    """Fetch ``url`` into ``dest`` (with ``sha256`` checked when given); returns the file's sha256.

    ``progress`` shows a tqdm bar; ``on_progress(done, total)`` is called as bytes arrive (total None when
    the server does not say). On any failure ``dest`` is left as it was and :class:`DownloadError` says why.
    """
    import pooch
    import requests

    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = _staging(dest.parent)
    except OSError as exc:
        raise DownloadError(f"cannot write to {dest.parent}: {exc.strerror or exc}; set DISCO_DATA_DIR to a "
                            "writable folder") from None
    bar = _ProgressBar(dest.name, progress, on_progress)
    pooch.get_logger().setLevel(logging.WARNING)  # its "Downloading data from ..." line is ours to say
    host = urlparse(url).netloc or url
    try:
        got = pooch.retrieve(url, known_hash=None if sha256 is None else f"sha256:{sha256.lower()}",
                             fname=dest.name, path=staging,
                             downloader=pooch.HTTPDownloader(progressbar=bar, timeout=timeout, chunk_size=CHUNK))
        digest = sha256_of(got)
        os.replace(got, dest)
        return digest
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise DownloadError(f"{url} answered HTTP {status}; nothing was written") from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise DownloadError(f"the download of {url} was cut short; nothing was written, try again") from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout):
        raise DownloadError(f"could not reach {host}: no network?") from None
    except ValueError as exc:  # pooch: the hash does not match
        if "hash" not in str(exc).lower():
            raise
        raise DownloadError(f"{url} does not match its published checksum (sha256 {sha256}); nothing was "
                            "written") from None
    finally:
        bar.close()
        shutil.rmtree(dest.parent / STAGING, ignore_errors=True)


def copy_file(src: str | Path, dest: str | Path, sha256: str | None = None,
              on_progress: Progress | None = None) -> str:
    """Copy a local file into ``dest`` atomically (checksum checked when given). Returns its sha256."""
    src, dest = Path(src).expanduser(), Path(dest)
    if not src.is_file():
        raise DownloadError(f"source file not found: {src}")
    got = sha256_of(src)
    if sha256 and got != sha256.lower():
        raise DownloadError(f"{src} does not match its expected checksum (sha256 {got}, expected {sha256})")
    if dest.exists() and src.resolve() == dest.resolve():
        return got
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            total, done = src.stat().st_size, 0
            for block in iter(lambda: fh.read(CHUNK), b""):
                out.write(block)
                done += len(block)
                if on_progress is not None:
                    on_progress(done, total)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return got


@dataclass(frozen=True)
class Fetched:
    """The result of :func:`fetch_catalog`: where the catalog is and whether it was downloaded now."""

    path: Path
    downloaded: bool


def fetch_catalog(dest: str | Path | None = None, *, force: bool = False, timeout: float = 30.0,
                  progress: bool = True, on_progress: Progress | None = None) -> Fetched:
    """The public TidyTuesday catalog at ``dest`` (default :func:`config.default_dataset_path`): nothing to do
    when a verified copy is there (unless ``force``), else downloaded from each known address in turn.
    Raises :class:`DownloadError` (one line: the last address's failure) when none works."""
    dest = Path(dest) if dest is not None else config.default_dataset_path()
    if not force and dest.is_file() and sha256_of(dest) == config.DATASET_SHA256:
        return Fetched(dest, False)
    failures = []
    for url in config.DATASET_URLS:
        try:
            download(url, dest, sha256=config.DATASET_SHA256, timeout=timeout, progress=progress,
                     on_progress=on_progress)
            return Fetched(dest, True)
        except DownloadError as exc:
            failures.append(str(exc))
    unique = list(dict.fromkeys(failures))
    raise DownloadError(f"could not download the song catalog ({'; '.join(unique)}); get spotify_songs.csv "
                        "another way and use `disco data fetch --source FILE`, or upload your own song file")
