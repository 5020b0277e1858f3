"""``python -m disco library scan DIR``: analyse a folder of your own audio files into songs DISCO can order."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

TABLE_ROWS = 20  # songs shown when no --out file is given
TABLE_COLUMNS = ("artist", "track_name", "tempo", "key", "loudness", "energy", "danceability")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "library", help="analyse your own audio files (tempo, key, loudness, energy, danceability)",
        description="Turn a folder of your own music into songs DISCO can order: tempo, key and mode, "
        "loudness (LUFS) from the audio, and DISCO's own energy and danceability measures. Spotify's "
        "other features (acousticness, valence, ...) cannot be measured honestly and stay empty.")
    sub = p.add_subparsers(dest="library_command", metavar="ACTION")

    s = sub.add_parser(
        "scan", help="analyse every audio file under a folder",
        description="Analyse every audio file under DIR (MP3, FLAC, WAV, OGG, AIFF; M4A/AAC when ffmpeg is "
        "installed) on all cores. Results are cached ($DISCO_CACHE_DIR, else ~/.cache/disco), so a rescan "
        "analyses only new or changed files and an interrupted scan keeps what it finished. Files that "
        "cannot be used are listed with the reason; they never stop the scan.")
    s.add_argument("folder", type=Path, metavar="DIR", help="the folder holding your music (searched recursively)")
    s.add_argument("--out", type=Path, metavar="FILE",
                   help="write the songs as a CSV in DISCO's song-file schema (default: print a short table)")
    s.add_argument("--workers", type=int, metavar="N", default=None,
                   help=f"processes to analyse with (default: every core, here {os.cpu_count() or 1})")
    s.add_argument("--no-cache", action="store_true", help="analyse every file again and cache nothing")
    s.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    s.set_defaults(func=run_scan)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


class ProgressBar:
    """An analysis's progress (a scan's, or a library's songs measured) as a tqdm bar on stderr: files done,
    songs/s and time left; use as the ``progress`` callback of :func:`disco.audio.scan.scan`."""

    def __init__(self, desc: str = "analysing") -> None:
        self.bar = None
        self.desc = desc

    def __call__(self, done: int, total: int, songs_per_s: float, eta_s: float) -> None:
        if self.bar is None:
            from tqdm import tqdm

            # files already known from the cache start the bar, so the rate counts analysed files only
            self.bar = tqdm(total=total, initial=done, unit="song", desc=self.desc, dynamic_ncols=True,
                            leave=False, file=sys.stderr)
            return
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_out(path: Path) -> Path:
    """Before the scan: the song file must be a CSV DISCO may write (never an existing audio file, nor a
    read-only one) in a folder that exists and takes new files, so a refusal costs no scanning."""
    from disco.errors import DiscoError
    from disco.outputs import check_target

    out = check_target(path, suffixes=(".csv",))
    folder = out.resolve().parent
    if not folder.is_dir():
        raise DiscoError(f"cannot write {path}: folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise DiscoError(f"cannot write {path}: folder {folder} takes no new file ({exc.strerror or exc})") from None
    return out


def _write_csv(songs, path: Path) -> None:
    """Write atomically: a reader never sees half a file, and a failed write leaves any old file intact."""
    from disco.outputs import write_atomically

    write_atomically(path, lambda tmp: songs.to_csv(tmp, index=False, encoding="utf-8", errors="surrogateescape"))


def _table(songs) -> str:
    from disco.theory.keys import musical_name

    shown = songs.head(TABLE_ROWS)
    rows = [("artist", "title", "BPM", "key", "LUFS", "energy", "dance")]
    for r in shown.itertuples(index=False):
        rows.append((
            _clip(r.artist or "?", 24), _clip(r.track_name or "?", 32),
            "" if math.isnan(r.tempo) else f"{r.tempo:.1f}",
            musical_name(r.key, r.mode) or "-",
            f"{r.loudness:.1f}", f"{r.energy:.2f}", f"{r.danceability:.2f}",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    if len(songs) > TABLE_ROWS:
        lines.append(f"... and {len(songs) - TABLE_ROWS} more (use --out FILE to save them all)")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_scan(args: argparse.Namespace) -> int:
    from disco.audio.decode import AUDIO_EXTENSIONS
    from disco.audio.scan import scan
    from disco.errors import DiscoError

    if args.workers is not None and args.workers < 1:
        raise DiscoError(f"--workers must be at least 1, got {args.workers}")
    if args.out is not None:
        _check_out(args.out)
    bar = None if args.quiet else ProgressBar()
    try:
        result = scan(args.folder, workers=args.workers, cache=not args.no_cache, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for path, reason in result.excluded:
        print(f"{path}: {reason}")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out is not None:
        _write_csv(result.songs, args.out)
    elif not args.quiet and len(result.songs):
        print(_table(result.songs))
    print(result.summary())
    if args.out is not None:
        print(f"wrote {len(result.songs)} songs to {args.out}")
    if result.files_found == 0:
        print(f"no audio files ({' '.join(AUDIO_EXTENSIONS)}) under {result.folder}", file=sys.stderr)
    return 0
