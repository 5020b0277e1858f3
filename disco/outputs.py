"""Writing a file the user named (``--out``) without harming another: never over an input, a folder, a device, a
read-only file or a file of another kind (an audio file named by mistake), always atomically and with the
permissions a new file gets from the user's umask (or those of the file it replaces)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from disco.errors import DiscoError


def _same_file(out: Path, given: Path) -> bool:
    """Whether ``out`` names the file ``given`` once written: the paths compared with links and ``..`` resolved
    (a folder to be created, ``missing/..``, counts as nothing), and hard links by their inode."""
    if out.resolve() == given.resolve():
        return True
    try:
        return out.exists() and os.path.samefile(out, given)
    except OSError:
        return False


def check_target(out: str | os.PathLike, inputs: Iterable = (), suffixes: Iterable[str] = ()) -> Path:
    """``out`` as a Path when DISCO may write it, else a :class:`DiscoError` saying why: it is one of the
    ``inputs``, exists but is not a regular file, is read-only, or exists with a suffix that is none of
    ``suffixes`` (lower case, with the dot; empty = any). Call it before the work, so a refusal costs nothing."""
    out = Path(out).expanduser()
    for given in inputs:
        if given is not None and Path(given).exists() and _same_file(out, Path(given)):
            raise DiscoError(f"--out {out} is the input file {given}: write the result to another file")
    if out.exists() or out.is_symlink():
        if not out.is_file():
            raise DiscoError(f"--out {out} exists and is not a regular file (a folder, link, pipe or device)")
        if not out.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise DiscoError(f"--out {out} is read-only: make it writable or choose another file")
        wanted = {s.lower() for s in suffixes}
        if wanted and out.suffix.lower() not in wanted:
            raise DiscoError(f"--out {out} exists and is not a {'/'.join(sorted(wanted))} file DISCO writes: "
                             "choose another name")
    return out


def _new_file_mode(out: Path) -> int:
    """The permissions of the file ``out`` replaces, else those a new file gets (0666 less the umask)."""
    try:
        return stat.S_IMODE(out.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(out: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Write ``out`` through ``write(temporary_path)``, then move it into place in one step (a reader never sees
    half a file, and a failed write leaves the old file intact), creating its folder. A
    :class:`DiscoError` names the file and the reason when the system refuses."""
    out = Path(out).expanduser()
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        os.close(fd)
        write(tmp)
        os.chmod(tmp, _new_file_mode(out))
        os.replace(tmp, out)
    except OSError as exc:
        raise DiscoError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return out
