"""A playlist as a table, JSON, CSV or M3U. Every format is derived from :func:`playlist_frame`."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd

from disco.engine.playlist import Playlist
from disco.theory.keys import camelot_code

FORMATS = ("table", "json", "csv", "m3u")
FIELDS = ("position", "track_id", "track_name", "artist", "key", "mode", "camelot", "tempo", "energy", "distance",
          "key_score", "tempo_score", "loss", "arc_target", "arc_penalty", "relaxed")


def playlist_frame(catalog, playlist: Playlist) -> pd.DataFrame:
    """One row per song, in order: position (1-based), track_id, track_name, artist, album, key, mode,
    camelot, tempo (BPM), energy and valence (raw 0..1), duration_ms, the transition fields (distance,
    key_score, tempo_score, loss; NaN for seeds), the arc's ``arc_target`` (energy; plus
    ``arc_target_valence`` when the arc has a valence curve) and ``arc_penalty`` (NaN without an arc),
    ``relaxed`` (the hard rules the move into this song breaks, comma-separated, "" for none) and is_seed."""
    idx = np.asarray(playlist.indices, dtype=np.int64)
    songs = catalog.songs.iloc[idx]
    key = songs["key"].to_numpy().astype(np.int64)
    mode = songs["mode"].to_numpy().astype(np.int64)
    frame = pd.DataFrame({
        "position": np.arange(1, len(idx) + 1),
        "index": idx,
        "track_id": songs["track_id"].to_numpy(dtype=object),
        "track_name": songs["track_name"].to_numpy(dtype=object),
        "artist": songs["artist"].to_numpy(dtype=object),
        "album": songs["album"].to_numpy(dtype=object) if "album" in songs else "",
        "key": key,
        "mode": mode,
        "camelot": camelot_code(key, mode) if len(idx) else np.empty(0, dtype=object),
        "tempo": songs["tempo"].to_numpy(dtype=np.float64),
        "energy": songs["energy"].to_numpy(dtype=np.float64) if "energy" in songs else np.nan,
        "valence": songs["valence"].to_numpy(dtype=np.float64) if "valence" in songs else np.nan,
        "duration_ms": songs["duration_ms"].to_numpy(dtype=np.float64) if "duration_ms" in songs else np.nan,
        "distance": playlist.distance,
        "key_score": playlist.key_score,
        "tempo_score": playlist.tempo_score,
        "loss": playlist.loss,
        "arc_target": np.asarray(playlist.arc_target, dtype=np.float64).reshape(len(idx), -1)[:, 0],
        "arc_penalty": np.asarray(playlist.arc_penalty, dtype=np.float64),
        "relaxed": [",".join(r) for r in playlist.relaxed],
        "is_seed": np.arange(len(idx)) < playlist.n_seeds,
    })
    target = np.asarray(playlist.arc_target, dtype=np.float64).reshape(len(idx), -1)
    if target.shape[1] > 1:
        frame.insert(frame.columns.get_loc("arc_penalty"), "arc_target_valence", target[:, 1])
    return frame


def _clean(value):
    """JSON-safe scalar: NaN -> None, NumPy -> Python."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(catalog, playlist: Playlist, indent: int | None = 2) -> str:
    """``{"playlist": [{position, track_id, ..., loss, arc_target, arc_penalty, relaxed}], "total_loss",
    "settings", "relaxed_moves", "message"}``; seed transition fields are null, ``relaxed`` is a list of
    rule names, ``arc_target_valence`` appears when the arc has a valence curve."""
    frame = playlist_frame(catalog, playlist)
    fields = list(FIELDS) + (["arc_target_valence"] if "arc_target_valence" in frame else [])
    rows = [{f: _clean(row[f]) for f in fields} for _, row in frame.iterrows()]
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
    """CSV with the JSON fields plus is_seed (empty cells for seeds' transition fields)."""
    frame = playlist_frame(catalog, playlist)
    buf = io.StringIO()
    extra = ["arc_target_valence"] if "arc_target_valence" in frame else []
    frame[list(FIELDS) + extra + ["is_seed"]].to_csv(buf, index=False, float_format="%.6g")
    return buf.getvalue()


def spotify_url(track_id: str) -> str:
    return f"https://open.spotify.com/track/{track_id}"


def to_m3u(catalog, playlist: Playlist) -> str:
    """Extended M3U: ``#EXTINF:<seconds>,<artist> - <title>`` then the track's Spotify URL (-1 s when the
    duration is unknown)."""
    frame = playlist_frame(catalog, playlist)
    lines = ["#EXTM3U"]
    for _, row in frame.iterrows():
        dur = row["duration_ms"]
        seconds = int(round(dur / 1000)) if isinstance(dur, float) and not math.isnan(dur) else -1
        title = " - ".join(t for t in (str(row["artist"]), str(row["track_name"])) if t) or row["track_id"]
        lines.append(f"#EXTINF:{seconds},{title}")
        lines.append(spotify_url(row["track_id"]))
    return "\n".join(lines) + "\n"


def to_table(catalog, playlist: Playlist, width: int = 34) -> str:
    """A fixed-width table for the terminal (seeds marked ``*``, moves that break a hard rule ``!``; with an
    arc, energy and its target), then the total loss and which rules were relaxed."""
    frame = playlist_frame(catalog, playlist)
    has_arc = bool(np.isfinite(frame["arc_target"].to_numpy(dtype=np.float64)).any())

    def cut(text: str) -> str:
        text = str(text)
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
                f"{r['camelot']:>3}  {num(r['tempo'], '5.0f'):>5}  {num(r['distance'], '6.3f'):>6}  "
                f"{num(r['key_score'], '6.2f'):>6}  {num(r['tempo_score'], '6.2f'):>6}  "
                f"{num(r['loss'], '6.3f'):>6}")
        if has_arc:
            line += f"  {num(r['energy'], '6.2f'):>6}  {num(r['arc_target'], '6.2f'):>6}"
        lines.append(line)
    lines.append(f"total loss {playlist.total_loss:.3f} over {max(0, len(frame) - playlist.n_seeds)} "
                 f"transitions (* = seed)")
    if playlist.relaxed_moves:
        counts: dict[str, int] = {}
        for rel in playlist.relaxed:
            for name in rel:
                counts[name] = counts.get(name, 0) + 1
        what = ", ".join(f"{name} {n}x" for name, n in counts.items())
        moves = "move" if playlist.relaxed_moves == 1 else "moves"
        lines.append(f"! {playlist.relaxed_moves} {moves} relaxed a hard rule that could not be met ({what})")
    if playlist.message:
        lines.append(f"note: {playlist.message}")
    return "\n".join(lines) + "\n"


def render(catalog, playlist: Playlist, fmt: str = "table") -> str:
    """The playlist in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return {"table": to_table, "json": to_json, "csv": to_csv, "m3u": to_m3u}[fmt](catalog, playlist)
