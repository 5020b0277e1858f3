"""The sidebar's settings panel, drawn from the session's record (:mod:`disco.app.session.state`) and writing it back.

Every widget gets its value from the record at the start of each run and writes the record in its
``on_change`` callback, which Streamlit calls before the rerun. The record is what survives a page switch
(widget state does not: Streamlit keys a widget by its page too); the preset box always shows
``settings.preset``, "custom" once a value differs from both presets.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from disco.app.session import state
from disco.app.session.state import SessionSettings
from disco.engine.settings import CUSTOM, PARAMETER_CONSTRAINTS, PRESET_LABELS, PRESETS, SEARCHES
from disco.theory.arcs import ARC_SHAPES, Arc, shape_points
from disco.theory.tempo import DJ_TEMPO_WIDTH_PCT, TEMPO_TOLERANCE_PCT

PRESET_KEY = "preset"
WEIGHT_SLIDERS = {  # widget key: (EngineSettings field, label, help)
    "w_flow": ("flow", "flow (feature distance)", "Weight of the distance to the network's predicted next song."),
    "w_spicy": ("spicy", "spicy (scale of the prediction)",
                "> 1 asks for bolder moves: the network under-estimates magnitudes."),
    "w_sweetness": ("sweetness", "sweetness (key consonance)", "Weight of the key score chosen below."),
    "w_smoothness": ("smoothness", "smoothness (tempo)", "Weight of the tempo score chosen below."),
}
KEY_SCORE_LABELS = {"camelot": "Camelot wheel, graded (DJ)", "reference": "circle of fifths (spec)"}
TEMPO_SCORE_LABELS = {"dj": f"DJ kernel: 2% seamless, {TEMPO_TOLERANCE_PCT:g}% the edge",
                      "reference": "cosine of the tempo ratio (spec)"}
ARC_LABELS = {"none": "none", "peak": "warm-up → peak → cool-down", "build": "steady build",
              "waves": "waves (build-ups and break-downs)", "custom": "custom points"}
BEAM_SLIDER_MIN = 2  # a beam of one is greedy search, the radio's other choice
ARC_EDITOR_KEY = "arc_points"  # + a digest of the record's points: a new editor whenever the points change
ARC_ERROR_KEY = "arc_points_error"


# -- record <-> widgets ---------------------------------------------------------------------------------------
def arc_choice(arc: Arc | None) -> str:
    """The arc box's option for ``arc``: "none", a shape name, or "custom"."""
    if arc is None:
        return "none"
    return arc.name if arc.name in ARC_SHAPES[1:] else "custom"


def clamp(value, low, high):
    return min(max(value, low), high)


def slider_range(field: str) -> tuple:
    """(min, max, step) of the widget of the engine setting ``field``: from its declared allowed values."""
    return PARAMETER_CONSTRAINTS[field].slider


def widget_values(record: SessionSettings) -> dict:
    """Widget key -> the value it shows for ``record``."""
    e = record.engine
    out = {PRESET_KEY: e.preset}
    out.update({key: clamp(getattr(e, field), *slider_range(field)[:2]) for key, (field, *_) in WEIGHT_SLIDERS.items()})
    out.update(key_score=e.key_score, tempo_score=e.tempo_score, rule_camelot=e.camelot_only,
               rule_bpm_on=e.max_bpm_change is not None, rule_artist=e.artist_gap, arc=arc_choice(e.arc),
               arc_weight=clamp(e.arc_weight, *slider_range("arc_weight")[:2]), search=e.search,
               beam_width=clamp(e.beam_width, BEAM_SLIDER_MIN, slider_range("beam_width")[1]))
    if e.max_bpm_change is not None:
        out["rule_bpm"] = clamp(e.max_bpm_change, *slider_range("max_bpm_change")[:2])
    return out


def _show(record: SessionSettings) -> None:
    # Written every run, before the widgets exist: a widget drawn on another page last run is a new widget
    # here, and takes this value instead of its default.
    for key, value in widget_values(record).items():
        st.session_state[key] = value
    # the limit's slider keeps its value while the rule is off
    st.session_state["rule_bpm"] = st.session_state.get("rule_bpm", TEMPO_TOLERANCE_PCT)


def _set_field(field: str, key: str) -> None:
    state.update_engine(**{field: st.session_state[key]})


def _set_preset() -> None:
    state.choose_preset(st.session_state[PRESET_KEY])


def _set_bpm_rule() -> None:
    on = st.session_state["rule_bpm_on"]
    state.update_engine(max_bpm_change=float(st.session_state.get("rule_bpm", TEMPO_TOLERANCE_PCT)) if on else None)


def _set_arc() -> None:
    choice, previous = st.session_state["arc"], state.current().engine.arc
    if choice == "none":
        arc = None
    elif choice == "custom":  # start from the shape shown until now
        arc = Arc.from_points(previous.energy if previous is not None else shape_points("peak"))
    else:
        arc = Arc.named(choice)
    st.session_state.pop(ARC_ERROR_KEY, None)
    state.update_engine(arc=arc)


# -- the custom arc's points ----------------------------------------------------------------------------------
def points_frame(points) -> pd.DataFrame:
    return pd.DataFrame(list(points), columns=["position", "energy"], dtype=float)


def edited_points(base: pd.DataFrame, edits: dict) -> list[tuple[float, float]]:
    """The points after a data editor's ``edits`` (its session-state record of edited, added and deleted
    rows) on ``base``; rows missing a value are left out."""
    frame = base.copy()
    for row, changes in (edits.get("edited_rows") or {}).items():
        for column, value in changes.items():
            frame.loc[int(row), column] = value
    frame = frame.drop(index=[int(r) for r in edits.get("deleted_rows") or []], errors="ignore")
    added = pd.DataFrame(list(edits.get("added_rows") or []), columns=list(base.columns), dtype=float)
    frame = pd.concat([frame, added], ignore_index=True).dropna()
    return [(float(p), float(e)) for p, e in zip(frame["position"], frame["energy"])]


def _set_points(key: str, base: tuple) -> None:
    try:
        arc = Arc.from_points(edited_points(points_frame(base), st.session_state[key]))
    except ValueError as exc:
        st.session_state[ARC_ERROR_KEY] = str(exc)
        return
    st.session_state.pop(ARC_ERROR_KEY, None)
    state.update_engine(arc=arc)


def arc_editor(arc: Arc) -> None:
    """The custom arc's control points as an editable table (one editor per set of points)."""
    key = f"{ARC_EDITOR_KEY}_{abs(hash(arc.energy)):x}"
    st.data_editor(points_frame(arc.energy), key=key, num_rows="dynamic", hide_index=True,
                   on_change=_set_points, args=(key, arc.energy),
                   column_config={
                       "position": st.column_config.NumberColumn(min_value=0.0, max_value=1.0, step=0.05,
                                                                 help="0 = first song, 1 = last song"),
                       "energy": st.column_config.NumberColumn(min_value=0.0, max_value=1.0, step=0.05,
                                                               help="target energy 0..1")})
    st.caption("Control points (position, energy), both 0..1; the curve runs straight between them.")
    error = st.session_state.get(ARC_ERROR_KEY)
    if error:
        st.warning(f"These points are not used: {error}.")


# -- the panel -------------------------------------------------------------------------------------------------
def settings_panel() -> SessionSettings:
    """The preset, loss weights, key/tempo scores, hard rules, energy arc and search, in the sidebar (the
    Build page adds the set's plan: :mod:`disco.app.sidebar.plan_controls`). Returns the session's record."""
    record = state.current()
    _show(record)
    e = record.engine
    side = st.sidebar
    side.header("Flow settings")
    side.selectbox("preset", PRESETS + (CUSTOM,), key=PRESET_KEY, format_func=PRESET_LABELS.get,
                   on_change=_set_preset,
                   help="Sets every slider and score below: DJ (DISCO's default) mixes in key and tempo like a DJ; "
                        "Reference is the spec's algorithm. Custom: the values were changed.")
    for key, (field, label, text) in WEIGHT_SLIDERS.items():
        low, high, step = slider_range(field)
        side.slider(label, low, high, step=step, key=key, on_change=_set_field, args=(field, key), help=text)
    with side.expander("Key, tempo and hard rules", expanded=False):
        st.selectbox("key score", list(KEY_SCORE_LABELS), key="key_score", format_func=KEY_SCORE_LABELS.get,
                     on_change=_set_field, args=("key_score", "key_score"),
                     help="Camelot: same code 1, ±1 0.9, A↔B 0.8, diagonal 0.55, ±2 0.45, else 0.1. Circle of "
                          "fifths: neighbours on the circle score 1 (diagonal moves too).")
        st.selectbox("tempo score", list(TEMPO_SCORE_LABELS), key="tempo_score", format_func=TEMPO_SCORE_LABELS.get,
                     on_change=_set_field, args=("tempo_score", "tempo_score"),
                     help=f"DJ: exp(-(change/{DJ_TEMPO_WIDTH_PCT:g}%)²) after folding double/half time. Spec: "
                          "cos(2π log2 ratio), lenient (5% still scores 0.9).")
        st.checkbox("Camelot-compatible moves only", key="rule_camelot", on_change=_set_field,
                    args=("camelot_only", "rule_camelot"),
                    help="Same code, ±1 or A↔B only, while the pool allows; else relaxed for that move (marked ⚠ "
                         "in the table).")
        st.checkbox("Limit the BPM change", key="rule_bpm_on", on_change=_set_bpm_rule,
                    help="A hard limit on each move's tempo change (after folding double/half time).")
        low, high, step = slider_range("max_bpm_change")
        st.slider("max BPM change (%)", low, high, step=step, key="rule_bpm",
                  disabled=e.max_bpm_change is None, on_change=_set_bpm_rule,
                  help=f"{TEMPO_TOLERANCE_PCT:g}% is what DJs can beat-match without it being heard.")
        low, high, step = slider_range("artist_gap")
        st.number_input("no same artist within N songs (0 = off)", low, high, step=step, key="rule_artist",
                        on_change=_set_field, args=("artist_gap", "rule_artist"),
                        help="A song's artist is not among the N songs before it.")
    with side.expander("Energy arc", expanded=False):
        st.selectbox("energy arc", list(ARC_LABELS), key="arc", format_func=ARC_LABELS.get, on_change=_set_arc,
                     help="A target energy curve over the playlist's positions; named shapes are stretched to the "
                          "energy range the pool can reach.")
        if arc_choice(e.arc) == "custom":
            arc_editor(e.arc)
        low, high, step = slider_range("arc_weight")
        st.slider("arc weight", low, high, step=step, key="arc_weight",
                  disabled=e.arc is None, on_change=_set_field, args=("arc_weight", "arc_weight"),
                  help="Weight of |energy - target| in the loss: higher follows the curve more closely, at the "
                       "cost of flow.")
    side.radio("search", list(SEARCHES), key="search", horizontal=True, on_change=_set_field,
               args=("search", "search"),
               help="Greedy picks the best next song; beam search keeps the best partial playlists by total loss "
                    "(never worse than greedy).")
    if e.search == "beam":
        _, high, step = slider_range("beam_width")
        side.slider("beam width", BEAM_SLIDER_MIN, high, step=step, key="beam_width", on_change=_set_field,
                    args=("beam_width", "beam_width"))
    return state.current()
