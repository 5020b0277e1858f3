"""Download a file with a progress bar, verify its sha256 and write it atomically.

An interrupted, truncated or corrupt download leaves no file at ``dest`` (only the previous one,
if any) and raises :class:`DownloadError` saying what happened.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from disco.errors import DownloadError

CHUNK = 1 << 16
Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_target(dest: Path):
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    return os.fdopen(fd, "wb"), Path(tmp)


def download(url: str, dest: str | Path, sha256: str | None = None, timeout: float = 30.0,
             progress: bool = True, on_progress: Progress | None = None) -> str:
    """Fetch ``url`` into ``dest``; check ``sha256`` when given. Returns the file's sha256.

    ``progress`` shows a tqdm bar; ``on_progress(done, total)`` is called after each chunk with the
    bytes received so far and the Content-Length (None when the server sends none), e.g. for a
    dashboard progress bar.

    Raises DownloadError on a network error, an HTTP error status, a body shorter than its
    Content-Length, or a checksum mismatch; ``dest`` is then left as it was.
    """
    import requests
    from tqdm import tqdm

    dest = Path(dest)
    try:
        response = requests.get(url, stream=True, timeout=timeout)
    except requests.RequestException as exc:
        raise DownloadError(f"cannot reach {url}: {exc.__class__.__name__}: {exc}") from None
    with response:
        if response.status_code != 200:
            raise DownloadError(f"{url} answered HTTP {response.status_code} {response.reason or ''}".strip())
        expected = response.headers.get("Content-Length")
        expected_size = int(expected) if expected and expected.isdigit() else None
        # raw stream: Content-Length counts the bytes on the wire, before any gzip decoding
        encoded = response.headers.get("Content-Encoding", "identity") not in ("", "identity")
        out, tmp = _atomic_target(dest)
        digest, received, wire = hashlib.sha256(), 0, 0
        try:
            with out, tqdm(total=expected_size, unit="B", unit_scale=True, unit_divisor=1024,
                           desc=dest.name, disable=not progress, leave=False) as bar:
                for chunk in _chunks(response):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                    if on_progress is not None:
                        on_progress(received, expected_size)
                wire = response.raw.tell() if encoded else received
            if expected_size is not None and wire < expected_size:
                raise DownloadError(f"download of {url} was cut short: got {wire:,} of {expected_size:,} "
                                    f"bytes; nothing was written to {dest}, try again")
            got = digest.hexdigest()
            if sha256 and got != sha256.lower():
                raise DownloadError(f"{url} does not match its expected checksum (sha256 {got}, "
                                    f"expected {sha256}); nothing was written to {dest}")
            os.replace(tmp, dest)
            return got
        finally:
            if tmp.exists():
                tmp.unlink()


def _chunks(response) -> Iterable[bytes]:
    import requests

    try:
        yield from response.iter_content(CHUNK)
    except (requests.RequestException, OSError) as exc:  # connection dropped mid-body
        raise DownloadError(f"download of {response.url} was interrupted or cut short "
                            f"({exc.__class__.__name__}); nothing was written, try again") from None


def copy_file(src: str | Path, dest: str | Path, sha256: str | None = None,
              on_progress: Progress | None = None) -> str:
    """Copy a local file into ``dest`` atomically (checksum checked when given). Returns its sha256.

    ``on_progress(done, total)`` is called after each chunk copied (bytes so far, file size)."""
    src, dest = Path(src).expanduser(), Path(dest)
    if not src.is_file():
        raise DownloadError(f"source file not found: {src}")
    got = sha256_of(src)
    if sha256 and got != sha256.lower():
        raise DownloadError(f"{src} does not match its expected checksum (sha256 {got}, expected {sha256})")
    if src.resolve() == dest.resolve():
        return got
    out, tmp = _atomic_target(dest)
    try:
        with out, open(src, "rb") as fh:
            if on_progress is None:
                shutil.copyfileobj(fh, out, CHUNK)
            else:
                total, done = src.stat().st_size, 0
                for block in iter(lambda: fh.read(CHUNK), b""):
                    out.write(block)
                    done += len(block)
                    on_progress(done, total)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return got
