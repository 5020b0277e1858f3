"""The Evaluate page in words: a plain-language summary of a saved evaluation result, and its tables with
every code name shown as words (:mod:`disco.plots.names`)."""

from __future__ import annotations

import pandas as pd

from disco.plots import names
from disco.theory.tempo import TEMPO_TOLERANCE_PCT


def pct(share) -> str:
    return f"{100 * float(share):.0f}%"


def summary(result: dict) -> str | None:
    """"DISCO's playlists have N% harmonic moves against M% for human playlists, K% of tempo changes within 6%
    against L%...": DISCO's default builds (or, without builds, its orderings) against the human order of the
    test playlists. None when the result lacks either."""
    ordering = result.get("ordering") or {}
    human = ordering.get("human")
    builds = ((result.get("builds") or {}).get("rows") or {}).get("dj")
    disco = builds or ordering.get("disco_beam") or ordering.get("disco_greedy")
    if not human or not disco or any(disco.get(k) is None or human.get(k) is None
                                     for k in ("camelot_rate", "tempo_rate")):
        return None
    tolerance = (result.get("settings") or {}).get("tempo_tolerance_pct", TEMPO_TOLERANCE_PCT)
    made = "built with the default settings" if builds else "ordered with the default settings"
    text = (f"DISCO's playlists ({made}) have **{pct(disco['camelot_rate'])} harmonic moves** (keys that mix on "
            f"the Camelot wheel) against {pct(human['camelot_rate'])} for human playlists, and "
            f"**{pct(disco['tempo_rate'])} of tempo changes within {tolerance:g}%** against "
            f"{pct(human['tempo_rate'])}.")
    reorder = ordering.get("disco_reorder")
    if reorder and reorder.get("camelot_rate") is not None and reorder.get("tempo_rate") is not None:
        text += (f" Given a human playlist's own songs, DISCO's reorder reaches {pct(reorder['camelot_rate'])} "
                 f"harmonic moves and {pct(reorder['tempo_rate'])} within {tolerance:g}%.")
    playlists = (result.get("settings") or {}).get("test_playlists")
    if playlists:
        text += f" Measured on {playlists} test playlists the network never saw."
    return text


def methods_table(table: dict) -> pd.DataFrame:
    """A ``{method: {measure: value}}`` result section as a table: one row per method, every name in words."""
    frame = pd.DataFrame(table).T
    frame.index = [names.method(m) for m in frame.index]
    return frame.rename(columns=names.measure)


def predictors_table(prediction: dict) -> pd.DataFrame:
    """The next-song prediction section: test MAE (and MAE / MAD) per predictor, in words."""
    frame = pd.DataFrame({"test MAE": prediction["mae"], "MAE / MAD": prediction.get("mae_over_mad", {})})
    frame.index = [names.predictor(p) for p in frame.index]
    return frame


def sensitivity_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The slider sweep as a table, in words (the rule column only matters with rules on: left out)."""
    out = rows.drop(columns=[c for c in ("relaxed_rate",) if c in rows])
    return out.rename(columns={"is_default": "preset value", **{c: names.measure(c) for c in out.columns
                                                               if c not in ("slider", "value", "is_default")}})
