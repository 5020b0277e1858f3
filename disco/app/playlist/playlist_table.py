"""The playlist as tables: what a DJ reads (position, artist, title, key in the chosen notation, BPM, energy,
length, whether each move mixes in key and tempo, the rules a move had to relax), and the loss terms of each
move, with their ``st.dataframe`` column settings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from disco.theory.keys import CAMELOT_OTHER_LETTER, CAMELOT_SAME_LETTER, camelot_compatible, key_label
from disco.theory.tempo import TEMPO_TOLERANCE_PCT, tempo_compatible
from disco.wording import plural

NOTATION_LABELS = {"camelot": "Camelot", "open_key": "Open Key", "musical": "musical"}
RULE_WORDS = {"camelot_only": "key", "max_bpm_change": "BPM", "artist_gap": "artist", "no_repeat_artist": "artist"}
KEY_TERM, TEMPO_TERM = "key term (-1..1)", "tempo term (-1..1)"
OK, CLASH, UNKNOWN = "✓", "✗", "?"
LOCK = "🔒"  # marks a song locked at its position
DJ_COLUMNS = ("#", "artist", "title", "key", "BPM", "energy", "time", "key mix", "tempo mix", "relaxed")
_TERM = "{:g}".format


def clock(ms) -> str:
    """A length in milliseconds as ``m:ss`` (``h:mm:ss`` from an hour); "" when unknown."""
    try:
        seconds = float(ms) / 1000
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(seconds) or seconds < 0:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def set_length(frame: pd.DataFrame) -> str:
    """"15 songs · 58:12" (the summed lengths), and how many songs have no known length."""
    ms = pd.to_numeric(frame.get("duration_ms", pd.Series(dtype=float)), errors="coerce")
    known = ms.notna() & (ms >= 0)
    text = f"{plural(len(frame), 'song')} · {clock(ms[known].sum()) or '0:00'}"
    missing = int((~known).sum())
    return text + (f" (+ {plural(missing, 'song')} of unknown length)" if missing else "")


def move_marks(ok, known) -> list[str]:
    """"" for the first song, then per move ✓ (mixes), ✗ (clashes) or ? (a key or tempo is unknown)."""
    return [""] + [OK if k and o else (CLASH if k else UNKNOWN) for o, k in zip(ok, known)]


def relaxed_text(relaxed) -> str:
    """``"camelot_only,artist_gap"`` -> "⚠ key, artist"; "" when no rule was relaxed."""
    rules = [r for r in str(relaxed or "").split(",") if r]
    return f"⚠ {', '.join(RULE_WORDS.get(r, r.replace('_', ' ')) for r in rules)}" if rules else ""


def dj_table(frame: pd.DataFrame, notation: str = "camelot") -> pd.DataFrame:
    """The playlist table of :data:`DJ_COLUMNS` from a :func:`~disco.export.formats.playlist_frame`."""
    keys = frame["key"].to_numpy(np.int64)
    modes = frame["mode"].to_numpy(np.int64)
    tempo = pd.to_numeric(frame["tempo"], errors="coerce").to_numpy(np.float64)
    has_key, has_tempo = keys >= 0, np.nan_to_num(tempo) > 0
    names = np.atleast_1d(key_label(keys, modes, notation)) if len(frame) else np.empty(0, dtype=object)
    return pd.DataFrame({
        "#": frame["position"].to_numpy(),
        "artist": frame["artist"].astype(str).to_numpy(),
        "title": frame["track_name"].astype(str).to_numpy(),
        "key": [str(k) for k in names],
        "BPM": np.where(has_tempo, tempo, np.nan),
        "energy": pd.to_numeric(frame["energy"], errors="coerce").to_numpy(np.float64),
        "time": [clock(ms) for ms in frame["duration_ms"]],
        "key mix": move_marks(camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:]),
                              has_key[:-1] & has_key[1:]) if len(frame) else [],
        "tempo mix": move_marks(tempo_compatible(tempo[:-1], tempo[1:]), has_tempo[:-1] & has_tempo[1:])
        if len(frame) else [],
        "relaxed": [relaxed_text(r) for r in frame["relaxed"]],
    })


def dj_columns(notation: str) -> dict:
    """``st.dataframe`` column settings of :func:`dj_table`: widths that fit 1440 px without scrolling, with
    #, artist and title first (a phone scrolls the rest)."""
    cc = st.column_config
    return {
        "#": cc.NumberColumn("#", width=40),
        "artist": cc.TextColumn("artist", width=150),
        "title": cc.TextColumn("title", width=200),
        "key": cc.TextColumn("key", width=58, help=f"The song's key in {NOTATION_LABELS[notation]} notation."),
        "BPM": cc.NumberColumn("BPM", format="%.1f", width=62),
        "energy": cc.NumberColumn("energy", format="%.2f", width=62, help="0 = calm, 1 = intense."),
        "time": cc.TextColumn("time", width=58, help="The song's length (m:ss)."),
        "key mix": cc.TextColumn("key mix", width=68,
                                 help="The move into this song on the Camelot wheel: ✓ compatible (same key, "
                                      "±1, or A↔B), ✗ a clash, ? a key is unknown."),
        "tempo mix": cc.TextColumn("tempo mix", width=78,
                                   help=f"The move into this song: ✓ within {TEMPO_TOLERANCE_PCT:g}% after folding "
                                        "double/half time, ✗ beyond, ? a tempo is unknown."),
        "relaxed": cc.TextColumn("relaxed", width=92,
                                 help="⚠ a hard rule this move had to relax (key, BPM or artist): no song left in "
                                      "the pool met it there."),
    }


def key_term_help() -> str:
    """What the key term column holds (the Model page explains the same scores)."""
    same, other = 2 * CAMELOT_SAME_LETTER - 1, 2 * CAMELOT_OTHER_LETTER - 1
    return ("The key term of the loss for the move into this song, -1..1 (higher = more consonant); the loss "
            "subtracts sweetness x this. DJ preset: 2 x the Camelot score - 1 (same code "
            f"{_TERM(same[0])}, ±1 {_TERM(same[1])}, A↔B {_TERM(other[0])}, diagonal {_TERM(other[1])}, ±2 "
            f"{_TERM(same[2])}, else {_TERM(same[3])}). Reference preset: the circle-of-fifths similarity. "
            "Empty for seeds.")


TEMPO_TERM_HELP = ("The tempo term of the loss for the move into this song, -1..1 (1 = same, double or half "
                   "tempo); the loss subtracts smoothness x this. DJ preset: 2 x the DJ tempo kernel - 1; "
                   "Reference preset: cos(2π log2 ratio). Empty for seeds.")


def terms_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The loss terms of each move (NaN for seeds): #, title, seed, distance, key term, tempo term, arc
    penalty (only with an arc), loss."""
    out = pd.DataFrame({"#": frame["position"].to_numpy(), "title": frame["track_name"].astype(str).to_numpy(),
                        "seed": frame["is_seed"].to_numpy(bool), "distance": frame["distance"].to_numpy(float),
                        KEY_TERM: frame["key_score"].to_numpy(float), TEMPO_TERM: frame["tempo_score"].to_numpy(float)})
    penalty = frame["arc_penalty"].to_numpy(float)
    if np.isfinite(penalty).any():
        out["|energy - target|"] = penalty
    out["loss"] = frame["loss"].to_numpy(float)
    return out


def terms_columns() -> dict:
    cc = st.column_config
    return {"#": cc.NumberColumn(width=40), "seed": cc.CheckboxColumn("seed", width=50),
            "distance": cc.NumberColumn(format="%.2f", help="Distance of the song's features to the network's "
                                                            "prediction (spicy-scaled)."),
            KEY_TERM: cc.NumberColumn(format="%+.2f", help=key_term_help()),
            TEMPO_TERM: cc.NumberColumn(format="%+.2f", help=TEMPO_TERM_HELP),
            "|energy - target|": cc.NumberColumn(format="%.2f", help="Distance to the energy arc's target."),
            "loss": cc.NumberColumn(format="%.2f", help="The move's loss: lower is better.")}
