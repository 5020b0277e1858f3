"""A playlist as a table, JSON, CSV, M3U8, Rekordbox XML or Traktor NML, all derived from :func:`playlist_frame`.

CSV and JSON carry every column of the song file schema, so an exported playlist loads again as a song file
(to score, reorder or import it). CSV text cells that start like a spreadsheet formula get a leading ``'``
(:func:`disco.export.text.safe_cell`; the loader removes it); JSON and the M3U8 keep titles exact, except that
a title can never break a line of the M3U8 or reach the terminal as a control sequence.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd

from disco.data import schema
from disco.engine.playlist import Playlist
from disco.export import dj
from disco.export.text import one_line, safe_cell
from disco.theory.keys import camelot_code

FORMATS = ("table", "json", "csv", "m3u8", "rekordbox", "nml")
# the file names each format is written to: an existing file with another suffix is not overwritten
SUFFIXES = {"table": (".txt",), "json": (".json",), "csv": (".csv",), "m3u8": (".m3u8", ".m3u"),
            "rekordbox": (".xml",), "nml": (".nml",)}
ALIASES = {"m3u": "m3u8"}  # earlier name of the M3U8 export
TRANSITION_FIELDS = ("distance", "key_score", "tempo_score", "loss", "arc_target", "arc_penalty", "relaxed")
FIELDS = ("position",) + schema.SONG_COLUMNS + ("camelot",) + TRANSITION_FIELDS
_CSV_TEXT = ("track_id", "track_name", "artist", "album", "genre", "subgenre", "path")


def playlist_frame(catalog, playlist: Playlist) -> pd.DataFrame:
    """One row per song, in order: position (1-based), index (song index), every song column of the catalog
    (:data:`disco.data.schema.SONG_COLUMNS`), camelot, the move's terms (distance, key_score, tempo_score,
    loss; NaN for seeds), the arc's ``arc_target`` (energy; plus ``arc_target_valence`` when the arc has a
    valence curve) and ``arc_penalty`` (NaN without an arc), ``relaxed`` (the hard rules the move into this
    song breaks, comma-separated, "" for none) and is_seed."""
    idx = np.asarray(playlist.indices, dtype=np.int64)
    songs = catalog.songs.iloc[idx].reset_index(drop=True)
    frame = pd.DataFrame({"position": np.arange(1, len(idx) + 1), "index": idx})
    for c in schema.SONG_COLUMNS:
        frame[c] = songs[c].to_numpy() if c in songs else (np.nan if c not in schema.TEXT_COLUMNS else "")
    frame["camelot"] = camelot_code(frame["key"].to_numpy(np.int64), frame["mode"].to_numpy(np.int64)) \
        if len(idx) else np.empty(0, dtype=object)
    target = np.asarray(playlist.arc_target, dtype=np.float64).reshape(len(idx), -1)
    frame["distance"] = playlist.distance
    frame["key_score"] = playlist.key_score
    frame["tempo_score"] = playlist.tempo_score
    frame["loss"] = playlist.loss
    frame["arc_target"] = target[:, 0]
    if target.shape[1] > 1:
        frame["arc_target_valence"] = target[:, 1]
    frame["arc_penalty"] = np.asarray(playlist.arc_penalty, dtype=np.float64)
    frame["relaxed"] = [",".join(r) for r in playlist.relaxed]
    frame["is_seed"] = np.arange(len(idx)) < playlist.n_seeds
    return frame


def _fields(frame: pd.DataFrame) -> list[str]:
    extra = ["arc_target_valence"] if "arc_target_valence" in frame else []
    return list(FIELDS) + extra


def _clean(value):
    """JSON-safe scalar: NaN -> None, NumPy -> Python."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(catalog, playlist: Playlist, indent: int | None = 2) -> str:
    """``{"playlist": [{position, every song column, camelot, move terms, relaxed: [...]}], "total_loss",
    "settings", "info", "relaxed_moves", "message"}``; seed move fields are null."""
    frame = playlist_frame(catalog, playlist)
    fields = _fields(frame)
    rows = [{f: _clean(v) for f, v in zip(fields, values)} for values in frame[fields].itertuples(index=False)]
    for row, rel in zip(rows, playlist.relaxed):
        row["relaxed"] = list(rel)
    doc = {"playlist": rows, "total_loss": _clean(float(playlist.total_loss)),
           "settings": playlist.settings.to_dict(),
           "info": json.loads(json.dumps(playlist.info, default=_clean)),
           "relaxed_moves": playlist.relaxed_moves}
    if playlist.message:
        doc["message"] = playlist.message
    return json.dumps(doc, indent=indent, ensure_ascii=False)


def to_csv(catalog, playlist: Playlist) -> str:
    """CSV with the JSON fields plus is_seed (empty cells for seeds' move fields), CRLF line ends (RFC 4180:
    a line break inside a title is quoted) and formula-like text cells neutralised."""
    frame = playlist_frame(catalog, playlist)
    out = frame[_fields(frame) + ["is_seed"]].copy()
    for c in _CSV_TEXT:
        out[c] = out[c].map(safe_cell)
    buf = io.StringIO()
    out.to_csv(buf, index=False, float_format="%.6g", lineterminator="\r\n")
    return buf.getvalue()


def to_m3u8(catalog, playlist: Playlist, base_dir=None) -> str:
    """Extended M3U (UTF-8) of the playlist's files, Spotify links for songs without one
    (:func:`disco.export.dj.to_m3u8`)."""
    return dj.to_m3u8(playlist_frame(catalog, playlist), base_dir)


def to_rekordbox(catalog, playlist: Playlist, name: str = "DISCO") -> str:
    """Rekordbox XML with the songs and one playlist in DISCO's order (:func:`disco.export.dj.to_rekordbox_xml`)."""
    return dj.to_rekordbox_xml(playlist_frame(catalog, playlist), name)


def to_nml(catalog, playlist: Playlist, name: str = "DISCO") -> str:
    """Traktor NML with the songs and one playlist in DISCO's order (:func:`disco.export.dj.to_nml`)."""
    return dj.to_nml(playlist_frame(catalog, playlist), name)


def to_table(catalog, playlist: Playlist, width: int = 34) -> str:
    """A fixed-width table for the terminal (seeds marked ``*``, moves that break a hard rule ``!``; with an
    arc, energy and its target), then the total loss and which rules were relaxed. Titles are printed on one
    line without control characters."""
    frame = playlist_frame(catalog, playlist)
    has_arc = bool(np.isfinite(frame["arc_target"].to_numpy(dtype=np.float64)).any())

    def cut(text) -> str:
        text = one_line(text)
        return text if len(text) <= width else text[: width - 1] + "…"

    def num(v, fmt):
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)

    head = f"{'#':>3}  {'artist':<{width}}  {'title':<{width}}  {'key':>3}  {'bpm':>5}  " \
           f"{'dist':>6}  {'keysc':>6}  {'tempo':>6}  {'loss':>6}"
    if has_arc:
        head += f"  {'energy':>6}  {'target':>6}"
    lines = [head, "-" * len(head)]
    for _, r in frame.iterrows():
        mark = "*" if r["is_seed"] else ("!" if r["relaxed"] else " ")
        line = (f"{r['position']:>2}{mark}  {cut(r['artist']):<{width}}  {cut(r['track_name']):<{width}}  "
                f"{r['camelot']:>3}  {num(r['tempo'], '5.1f'):>5}  {num(r['distance'], '6.3f'):>6}  "
                f"{num(r['key_score'], '6.2f'):>6}  {num(r['tempo_score'], '6.2f'):>6}  "
                f"{num(r['loss'], '6.3f'):>6}")
        if has_arc:
            line += f"  {num(r['energy'], '6.2f'):>6}  {num(r['arc_target'], '6.2f'):>6}"
        lines.append(line)
    moves = playlist.moves
    lines.append(f"total loss {playlist.total_loss:.3f} over {moves} move{'s' if moves != 1 else ''} (* = seed)")
    if playlist.relaxed_moves:
        counts: dict[str, int] = {}
        for rel in playlist.relaxed:
            for name in rel:
                counts[name] = counts.get(name, 0) + 1
        what = ", ".join(f"{name} {n}x" for name, n in counts.items())
        word = "move" if playlist.relaxed_moves == 1 else "moves"
        lines.append(f"! {playlist.relaxed_moves} {word} relaxed a hard rule that could not be met ({what})")
    if playlist.message:
        lines.append(f"note: {playlist.message}")
    return "\n".join(lines) + "\n"


def render(catalog, playlist: Playlist, fmt: str = "table", *, name: str = "DISCO", base_dir=None) -> str:
    """The playlist in ``fmt`` (one of :data:`FORMATS`); ``name`` names the playlist in Rekordbox/NML,
    ``base_dir`` is the folder an M3U8 is saved in (its paths are written relative to it)."""
    fmt = ALIASES.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "m3u8":
        return to_m3u8(catalog, playlist, base_dir)
    if fmt in ("rekordbox", "nml"):
        return {"rekordbox": to_rekordbox, "nml": to_nml}[fmt](catalog, playlist, name)
    return {"table": to_table, "json": to_json, "csv": to_csv}[fmt](catalog, playlist)
