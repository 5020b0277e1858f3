"""Scanning a folder of the user's own audio files into songs, on all cores, with a cache of finished files.

:func:`scan` walks a folder recursively, analyses every audio file (by extension: :data:`AUDIO_EXTENSIONS`)
in a pool of processes and returns a :class:`ScanResult`: the songs as a table in DISCO's song-file schema,
and every file it could not use with the reason. A file that cannot be decoded never stops a scan.
:func:`measure_files` does the same for a given list of files (a DJ library's tracks); :func:`scan` finds
the files and calls it.

The cache (:class:`AnalysisCache`) is one SQLite file, ``audio-analyses-v1.sqlite`` in :func:`cache_dir`
(``$DISCO_CACHE_DIR``, else ``~/.cache/disco``). One row per absolute path holds the file's size and
modification time (ns), the :data:`~disco.audio.analysis.ANALYSIS_VERSION` and the outcome (the song as
JSON, or the reason it was excluded); a row counts only when all of them match the file now, so a rescan
analyses only new or changed files. Each outcome is committed the moment its file finishes, so an
interrupted scan (Ctrl-C, a killed process) keeps everything finished before. Exclusions that depend on
this machine rather than the file (no ffmpeg for .m4a, no permission to read) are never cached.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from disco.audio.analysis import ANALYSIS_VERSION, ROW_COLUMNS, SongAnalysis, analyse_file, warm_up
from disco.audio.decode import AUDIO_EXTENSIONS, DecodeError
from disco.errors import DiscoError

CACHE_FILE_NAME = "audio-analyses-v1.sqlite"  # v1 = the table layout below, not the analysis version
SQLITE_TIMEOUT_S = 30.0  # a second scan writing the same cache waits this long for its turn
IN_FLIGHT_PER_WORKER = 2  # files handed to each worker ahead, so no core waits between files
# "spawn" starts clean worker processes: forking a process that runs threads (the dashboard does) can
# deadlock, and spawn behaves the same on Linux, macOS and Windows.
POOL_START_METHOD = "spawn"
ORPHAN_CHECK_S = 1.0  # how often a worker checks that the scan that started it is still alive
APPLEDOUBLE_PREFIX = "._"  # macOS metadata files named like the audio file beside them: never audio

ProgressCallback = Callable[[int, int, float, float], None]


class ScanError(DiscoError):
    """A folder that cannot be scanned (missing, not a folder)."""


# ============================================================ cache


def cache_dir() -> Path | None:
    """The analysis cache folder: ``$DISCO_CACHE_DIR``, else ``~/.cache/disco`` (created if needed);
    None when it cannot be created or written."""
    env = os.environ.get("DISCO_CACHE_DIR")
    folder = Path(env).expanduser() if env else Path.home() / ".cache" / "disco"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def default_cache_path() -> Path | None:
    """The SQLite file of the analysis cache in :func:`cache_dir`, or None when there is no cache folder."""
    folder = cache_dir()
    return folder / CACHE_FILE_NAME if folder is not None else None


def _path_key(path: str) -> bytes:
    # bytes, not text: a file name that is not valid UTF-8 (surrogate-escaped by Python) is still a key
    return os.fsencode(path)


@dataclass(frozen=True)
class FileState:
    """What identifies one version of a file: absolute path, size (bytes), modification time (ns)."""

    path: str
    size: int
    mtime_ns: int


class AnalysisCache:
    """The SQLite cache of finished files (see the module docstring). Use as a context manager.

    ``get`` returns ``("song", SongAnalysis)``, ``("excluded", reason)`` or None; ``put_song`` and
    ``put_excluded`` commit at once.
    """

    def __init__(self, path: str | os.PathLike, version: int = ANALYSIS_VERSION):
        self.path = Path(path)
        self.version = version
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open()
        except sqlite3.DatabaseError:  # not a database (damaged): set it aside and start afresh
            self.path.replace(self.path.with_name(self.path.name + ".damaged"))
            return self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=SQLITE_TIMEOUT_S)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            db.execute("PRAGMA synchronous=NORMAL")  # each commit survives a killed process
            db.execute("CREATE TABLE IF NOT EXISTS analyses (path BLOB PRIMARY KEY, size INTEGER NOT NULL, "
                       "mtime_ns INTEGER NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL, "
                       "result TEXT NOT NULL, written_at REAL NOT NULL)")
            db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get(self, state: FileState) -> tuple[str, object] | None:
        try:
            row = self._db.execute(
                "SELECT status, result FROM analyses WHERE path = ? AND size = ? AND mtime_ns = ? AND version = ?",
                (_path_key(state.path), state.size, state.mtime_ns, self.version)).fetchone()
        except sqlite3.Error:  # a damaged page: a miss, the file is analysed again
            return None
        if row is None:
            return None
        status, result = row
        try:
            if status == "song":
                return "song", SongAnalysis.from_json(json.loads(result))
            if status == "excluded":
                return "excluded", str(result)
        except (ValueError, TypeError, KeyError):  # an entry this code cannot read: analyse again
            return None
        return None

    def _put(self, state: FileState, status: str, result: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (_path_key(state.path), state.size, state.mtime_ns, self.version, status, result,
                          time.time()))
        self._db.commit()

    def put_song(self, state: FileState, song: SongAnalysis) -> None:
        self._put(state, "song", json.dumps(song.to_json()))

    def put_excluded(self, state: FileState, reason: str) -> None:
        self._put(state, "excluded", reason)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AnalysisCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ============================================================ finding files


def find_audio_files(folder: str | os.PathLike) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every audio file under ``folder`` (recursively, by extension, case-insensitive; symlinked folders
    are not followed), sorted by path, and ``(folder, reason)`` for each subfolder that could not be read."""
    root = Path(folder)
    found: list[Path] = []
    problems: list[tuple[str, str]] = []

    def on_error(exc: OSError) -> None:
        problems.append((str(exc.filename or root), f"cannot read this folder ({exc.strerror or exc})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(APPLEDOUBLE_PREFIX):
                continue
            if os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                found.append(Path(dirpath) / name)
    return sorted(found), problems


# ============================================================ analysing (runs in the workers)


def _analyse_one(path: str, root: str) -> tuple[str, str, object, bool]:
    """``(path, "song", song json, True)`` or ``(path, "excluded", reason, cacheable)``. Catches every
    ordinary error so one bad file never stops a scan; KeyboardInterrupt still stops it."""
    try:
        return path, "song", analyse_file(path, root).to_json(), True
    except DecodeError as exc:
        return path, "excluded", exc.reason, exc.cacheable
    except MemoryError:
        return path, "excluded", "not enough memory to analyse it", False
    except Exception as exc:  # a bug or a library failure on a strange file: report it, keep scanning
        return path, "excluded", f"analysis failed ({type(exc).__name__}: {exc})", False


def _exit_when_orphaned(parent_pid: int) -> None:
    while True:
        time.sleep(ORPHAN_CHECK_S)
        if os.getppid() != parent_pid:  # the scan was killed: stop instead of idling forever
            os._exit(1)


def _init_worker(parent_pid: int) -> None:
    # The parent handles Ctrl-C and stops the pool; workers would only print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    try:  # one thread per worker process: the pool already uses every core
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:
        pass


def _run_in_process(paths: Iterable[str], root: str, on_result: Callable) -> None:
    for path in paths:
        on_result(_analyse_one(path, root))


def _run_pool(paths: list[str], root: str, workers: int, on_result: Callable,
              task: Callable = _analyse_one) -> None:
    """Run ``task(path, root)`` (default :func:`_analyse_one`) for ``paths`` on ``workers`` processes,
    handing each result to ``on_result`` as it finishes.

    If a worker process dies (a decoder crashing on a damaged file), the files it may have been working
    on are analysed again one at a time in a one-worker pool; a file that kills that one too is excluded.
    """
    if task is _analyse_one:
        warm_up()  # compile librosa's kernels here once, not in every worker at the same time
    context = multiprocessing.get_context(POOL_START_METHOD)
    pending = deque(paths)
    suspects: deque[str] = deque()
    while pending or suspects:
        alone = bool(suspects)
        queue = suspects if alone else pending
        size = 1 if alone else workers
        limit = 1 if alone else workers * IN_FLIGHT_PER_WORKER
        executor = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_init_worker,
                                       initargs=(os.getpid(),))
        in_flight: dict = {}
        broken = False
        try:
            while (queue or in_flight) and not broken:
                while queue and len(in_flight) < limit:
                    path = queue.popleft()
                    try:
                        in_flight[executor.submit(task, path, root)] = path
                    except BrokenProcessPool:  # broke since the last wait: resubmit it to the next pool
                        queue.appendleft(path)
                        break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    path = in_flight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if alone:  # it was the only file in the pool: the culprit
                            on_result((path, "excluded", "the decoder crashed on it (its process died)", True))
                        else:
                            suspects.append(path)
                        continue
                    on_result(result)
            if broken:
                suspects.extend(in_flight.values())
        finally:
            executor.shutdown(wait=not broken, cancel_futures=True)


# ============================================================ the scan


@dataclass
class ScanResult:
    """The outcome of :func:`scan` or :func:`measure_files`.

    ``songs``: one row per analysed file, columns :data:`~disco.audio.analysis.ROW_COLUMNS` (DISCO's
    song-file schema plus ``year``, ``path``, ``tempo_alternative``, ``key_confidence``), sorted by path.
    ``excluded``: ``(path, reason)`` for every file not turned into a song (and every subfolder that could
    not be read). ``files_found`` = ``analysed`` (songs analysed now) + ``from_cache`` (songs from the
    cache) + excluded files (``excluded_from_cache`` of them known from the cache). ``processed``: files
    decoded in this run (songs or not); ``seconds``: wall time; ``songs_per_s``: processed per second;
    ``cached``: the paths of the ``from_cache`` songs.
    """

    folder: Path
    songs: pd.DataFrame
    excluded: list[tuple[str, str]]
    files_found: int
    analysed: int
    from_cache: int
    excluded_from_cache: int
    processed: int
    seconds: float
    workers: int
    cache_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)  # paths of the songs that came from the cache

    @property
    def songs_per_s(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else math.nan

    def summary(self) -> str:
        rate = f"{self.songs_per_s:.2f} songs/s" if self.processed else "nothing new to analyse"
        cache = f"cache {self.cache_path}" if self.cache_path else "no cache"
        return (f"{_count(self.files_found, 'audio file')} found in {self.folder}: {self.analysed} analysed, "
                f"{self.from_cache} from cache, {len(self.excluded)} excluded; {_count(len(self.songs), 'song')} "
                f"in {self.seconds:.1f} s ({rate}, {_count(self.workers, 'worker')}, {cache})")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _open_cache(cache) -> tuple[AnalysisCache | None, str | None]:
    if cache is False or cache is None:
        return None, None
    if isinstance(cache, AnalysisCache):
        return cache, None
    path = default_cache_path() if cache is True else Path(cache)
    if path is None:
        return None, "no writable cache folder ($DISCO_CACHE_DIR or ~/.cache/disco): nothing is cached"
    if path.is_dir():
        path = path / CACHE_FILE_NAME
    try:
        return AnalysisCache(path), None
    except (sqlite3.Error, OSError) as exc:
        return None, f"cache {path} unusable ({exc}): nothing is cached"


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a byte name that is not UTF-8, surrogate-escaped by Python
        return False
    return True


def _printable(text: str) -> str:
    """The name with each undecodable byte shown as U+FFFD, for messages."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _stat(path: Path) -> FileState | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return FileState(str(path), int(st.st_size), int(st.st_mtime_ns))


def scan(folder: str | os.PathLike, *, workers: int | None = None, cache: bool | str | os.PathLike |
         AnalysisCache | None = True, progress: ProgressCallback | None = None) -> ScanResult:
    """Analyse every audio file under ``folder`` into songs (see the module docstring): the files
    :func:`find_audio_files` finds, analysed by :func:`measure_files` (see it for ``workers``, ``cache`` and
    ``progress``); subfolders that cannot be read are among ``excluded``.

    Raises :class:`ScanError` when ``folder`` is missing or not a folder; never for a bad file.
    """
    start = time.perf_counter()
    root = Path(os.path.abspath(os.path.expanduser(os.fspath(folder))))
    if not root.exists():
        raise ScanError(f"{root}: no such folder")
    if not root.is_dir():
        raise ScanError(f"{root}: not a folder (give the folder holding your music)")
    files, folder_problems = find_audio_files(root)
    result = measure_files(files, workers=workers, cache=cache, progress=progress, root=root)
    result.excluded = sorted(result.excluded + folder_problems)
    result.seconds = time.perf_counter() - start
    return result


def measure_files(paths: Iterable[str | os.PathLike], *, workers: int | None = None,
                  cache: bool | str | os.PathLike | AnalysisCache | None = True,
                  progress: ProgressCallback | None = None, root: str | os.PathLike | None = None) -> ScanResult:
    """Analyse the given audio files into songs: the work of :func:`scan` for a list of files (a DJ library's
    tracks, say) instead of a folder.

    ``paths``: files (made absolute; each analysed once, in the given order's first occurrence). A path
    that is not a readable file, or whose name is not valid UTF-8, is among ``excluded`` with the reason,
    as is every file that cannot be decoded. ``workers``: processes to use (default: every core); 1
    analyses in this process. ``cache``: True for the default cache file, a path (file or folder) for
    another, False/None for none, or an open :class:`AnalysisCache`. ``progress(done, total, songs_per_s,
    eta_s)`` is called once the cache is read and after every file: ``done``/``total`` count files (cached
    ones included), ``songs_per_s`` is the rate of files analysed in this run, ``eta_s`` the seconds left at
    that rate (NaN until the first file finishes). ``root``: the folder the files were found in (the
    artist fallback of :func:`~disco.audio.tags.names_from_path`, and the result's ``folder``); default:
    the folder holding them all.

    Never raises for a bad file.
    """
    start = time.perf_counter()
    workers = max(1, int(workers if workers is not None else (os.cpu_count() or 1)))
    files = [Path(p) for p in dict.fromkeys(os.path.abspath(os.path.expanduser(os.fspath(p))) for p in paths)]
    if root is None:
        try:
            root = os.path.commonpath([str(f.parent) for f in files]) if files else os.getcwd()
        except ValueError:  # paths on different drives (Windows)
            root = os.getcwd()
    root = Path(root)
    excluded: list[tuple[str, str]] = []
    songs: list[SongAnalysis] = []
    store, note = _open_cache(cache)
    opened = store if store is not None and not isinstance(cache, AnalysisCache) else None
    cache_path = store.path if store is not None else None
    notes = [note] if note else []
    from_cache = excluded_from_cache = 0
    todo: list[str] = []
    cached: list[str] = []
    states: dict[str, FileState] = {}
    try:
        for path in files:
            if not _is_unicode(str(path)):
                excluded.append((_printable(str(path)), "its name is not valid UTF-8 text (rename the file or "
                                 "its folder; the song table cannot hold the name)"))
                continue
            state = _stat(path)
            if state is None:
                excluded.append((str(path), "cannot read the file (it vanished or is not accessible)"))
                continue
            hit = store.get(state) if store is not None else None
            if hit is None:
                states[state.path] = state
                todo.append(state.path)
            elif hit[0] == "song":
                songs.append(hit[1])
                cached.append(hit[1].path)
                from_cache += 1
            else:
                excluded.append((state.path, hit[1]))
                excluded_from_cache += 1

        total = len(files)
        done = total - len(todo)
        analysed = 0
        work_start = time.perf_counter()
        if progress is not None:
            progress(done, total, math.nan, math.nan)

        def on_result(result: tuple[str, str, object, bool]) -> None:
            nonlocal done, analysed, store
            path, status, payload, cacheable = result
            state = states[path]
            try:
                if status == "song":
                    song = SongAnalysis.from_json(payload)
                    songs.append(song)
                    analysed += 1
                    if store is not None:
                        store.put_song(state, song)
                else:
                    excluded.append((path, str(payload)))
                    if store is not None and cacheable:
                        store.put_excluded(state, str(payload))
            except sqlite3.Error as exc:  # disk full, locked too long: finish the scan, stop caching
                notes.append(f"cache {store.path} stopped taking results ({exc}): the rest is not cached")
                store = None
            done += 1
            if progress is not None:
                elapsed = time.perf_counter() - work_start
                finished_now = done - (total - len(todo))
                rate = finished_now / elapsed if elapsed > 0 else math.nan
                eta = (total - done) / rate if rate and rate > 0 else math.nan
                progress(done, total, rate, eta)

        if todo:
            if workers == 1 or len(todo) == 1:
                _run_in_process(todo, str(root), on_result)
            else:
                _run_pool(todo, str(root), min(workers, len(todo)), on_result)
    finally:
        if opened is not None:
            opened.close()

    songs.sort(key=lambda s: s.path)
    excluded.sort()
    table = pd.DataFrame([s.row() for s in songs], columns=list(ROW_COLUMNS))
    table = _typed(table)
    return ScanResult(folder=root, songs=table, excluded=excluded, files_found=len(files),
                      analysed=analysed, from_cache=from_cache, excluded_from_cache=excluded_from_cache,
                      processed=done - (len(files) - len(todo)), seconds=time.perf_counter() - start,
                      workers=workers, cache_path=cache_path, notes=notes, cached=sorted(cached))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """The song-file schema's types: text str, key/mode int64, every other number float64."""
    text = ("track_id", "track_name", "artist", "album", "genre", "subgenre", "path", "measured_by")
    for c in text:
        table[c] = table[c].astype(object).fillna("").astype(str)
    for c in ("key", "mode"):
        table[c] = table[c].astype("int64")
    for c in ROW_COLUMNS:
        if c not in text + ("key", "mode"):
            table[c] = pd.to_numeric(table[c], errors="coerce").astype("float64")
    return table
