"""The Build page's plan of the set, in the sidebar: its length as a song count or in minutes, the candidate
pool and the pool filters (BPM, release years, genres, subgenres, energy), each off by default. Drawn from the
session's record and written back in the widgets' callbacks, as :mod:`disco.app.sidebar.controls` does; and the line
that says how the built set meets the plan.
"""

from __future__ import annotations

import streamlit as st

from disco.app.session import loaders, state
from disco.app.session.loaders import CatalogValues
from disco.app.session.state import SessionSettings
from disco.app.sidebar.controls import clamp
from disco.engine.playlist import Playlist
from disco.engine.pools import SOURCES, PoolFilters
from disco.wording import plural

POOL_LABELS = {  # disco.engine.pools.SOURCES -> what the pool holds
    "union": "Mix: co-occurrence, neighbours, subgenre, genre",
    "subgenre": "Songs of the seeds' subgenres",
    "genre": "Songs of the seeds' genres",
    "cooccurrence": "Songs sharing playlists with the seeds",
    "knn": "Nearest neighbours in feature space",
}
LENGTH_RANGE = (5, 50)
POOL_SIZE_RANGE = (50, 2000, 50)
UNIT_KEY = "length_unit"
UNITS = {"songs": "songs", "minutes": "minutes"}
MINUTES_KEY = "target_minutes"
MINUTES_RANGE = (5.0, 600.0, 5.0)
DEFAULT_MINUTES = 60.0
BPM_FILTER = (60.0, 200.0, 1.0)  # slider bounds; double/half time folds any tempo into them
DEFAULT_BPM = (120.0, 130.0)
ENERGY_FILTER = (0.0, 1.0, 0.05)
DEFAULT_ENERGY = (0.5, 1.0)
RANGE_FILTERS = ("bpm", "years", "energy")  # PoolFilters fields drawn as an on/off box and a range slider
NAME_FILTERS = ("genres", "subgenres")  # drawn as a multiselect: none picked = off


def _on(name: str) -> str:
    return f"filter_{name}_on"


def _range(name: str) -> str:
    return f"filter_{name}"


def _year_default(values: CatalogValues) -> tuple[int, int]:
    return values.years or (1950, 2030)


def widget_values(record: SessionSettings, values: CatalogValues) -> dict:
    """Widget key -> the value it shows for ``record`` (the ranges of filters that are off keep whatever the
    user set last: see :func:`_show`)."""
    f = record.filters
    out = {UNIT_KEY: "minutes" if record.target_minutes is not None else "songs",
           "length": clamp(record.length, *LENGTH_RANGE), "pool": record.pool,
           "pool_size": clamp(record.pool_size, *POOL_SIZE_RANGE[:2])}
    if record.target_minutes is not None:
        out[MINUTES_KEY] = clamp(record.target_minutes, *MINUTES_RANGE[:2])
    bounds = {"bpm": BPM_FILTER[:2], "years": _year_default(values), "energy": ENERGY_FILTER[:2]}
    for name in RANGE_FILTERS:
        value = getattr(f, name)
        out[_on(name)] = value is not None
        if value is not None:  # within the slider's bounds (another catalog may span other years)
            out[_range(name)] = tuple(clamp(v, *bounds[name]) for v in value)
    for name in NAME_FILTERS:
        out[_range(name)] = list(getattr(f, name) or ())
    return out


def _show(record: SessionSettings, values: CatalogValues) -> None:
    for key, value in widget_values(record, values).items():
        st.session_state[key] = value
    # a range keeps its value while its filter is off (and across pages: written on every run)
    defaults = {MINUTES_KEY: DEFAULT_MINUTES, _range("bpm"): DEFAULT_BPM, _range("years"): _year_default(values),
                _range("energy"): DEFAULT_ENERGY}
    for key, value in defaults.items():
        st.session_state[key] = st.session_state.get(key, value)
    span = _year_default(values)  # a kept range from another catalog's years
    st.session_state[_range("years")] = tuple(clamp(int(v), *span) for v in st.session_state[_range("years")])


def filters_from_widgets() -> PoolFilters:
    """The pool filters the filter widgets hold."""
    spec = {}
    for name in RANGE_FILTERS:
        if st.session_state.get(_on(name)):
            spec[name] = tuple(st.session_state[_range(name)])
    for name in NAME_FILTERS:
        picked = st.session_state.get(_range(name)) or []
        if picked:
            spec[name] = tuple(picked)
    return PoolFilters(**spec)


def _set_filters() -> None:
    state.store(state.current().replace(filters=filters_from_widgets()))


def _set_unit() -> None:
    minutes = st.session_state.get(MINUTES_KEY, DEFAULT_MINUTES)
    target = float(minutes) if st.session_state[UNIT_KEY] == "minutes" else None
    state.store(state.current().replace(target_minutes=target))


def _set_minutes() -> None:
    state.store(state.current().replace(target_minutes=float(st.session_state[MINUTES_KEY])))


def _set_request(field: str, key: str) -> None:
    state.store(state.current().replace(**{field: st.session_state[key]}))


def plan_panel(disco) -> SessionSettings:
    """The set's length (songs or minutes), candidate pool and pool filters in the sidebar. Returns the
    session's record."""
    values = loaders.catalog_values(disco)
    record = state.current()
    _show(record, values)
    side = st.sidebar
    side.header("The set")
    side.radio("length in", list(UNITS), key=UNIT_KEY, horizontal=True, format_func=UNITS.get,
               on_change=_set_unit, help="A number of songs, or a duration: as many songs as fill it.")
    if record.target_minutes is None:
        side.slider("playlist length", *LENGTH_RANGE, step=1, key="length", on_change=_set_request,
                    args=("length", "length"), help="Songs in the set, your seeds included.")
    else:
        side.number_input("set length (minutes)", *MINUTES_RANGE[:2], step=MINUTES_RANGE[2], key=MINUTES_KEY,
                          format="%.0f", on_change=_set_minutes,
                          help="Songs are added until the set lasts at least this long; it ends within one "
                               "song of it.")
    side.selectbox("candidate pool", list(SOURCES), key="pool", format_func=POOL_LABELS.get,
                   on_change=_set_request, args=("pool", "pool"))
    side.slider("pool size", *POOL_SIZE_RANGE[:2], step=POOL_SIZE_RANGE[2], key="pool_size",
                on_change=_set_request, args=("pool_size", "pool_size"))
    f = record.filters
    # a fixed label: a new label would be a new expander, closed again after each change inside it
    with side.expander("Pool filters", expanded=False, key="pool_filters"):
        st.caption("Only songs that match every filter that is on are candidates; your seeds and locked songs "
                   "need not. A song missing a value a filter needs is left out.")
        _range_filter("bpm", "BPM range", *BPM_FILTER, f.bpm is None, "%.0f",
                      "Double and half time count: a 65 BPM song matches 120-140 (DJs play it at 130).")
        if values.years is not None:
            st.checkbox("release years", key=_on("years"), on_change=_set_filters)
            st.slider("release years: from, to", *values.years, step=1, key=_range("years"), disabled=f.years is None,
                      on_change=_set_filters, label_visibility="collapsed")
        st.multiselect("genres", _options(values.genres, f.genres), key=_range("genres"), on_change=_set_filters,
                       placeholder="any genre", help="A song matches when its genre or that of a playlist listing "
                                                     "it is one of these.")
        st.multiselect("subgenres", _options(values.subgenres, f.subgenres), key=_range("subgenres"),
                       on_change=_set_filters, placeholder="any subgenre")
        _range_filter("energy", "energy range", *ENERGY_FILTER, f.energy is None, "%.2f",
                      "0 = calm, 1 = intense.")
    return state.current()


def _range_filter(name: str, label: str, low, high, step, off: bool, shown: str, text: str) -> None:
    st.checkbox(label, key=_on(name), on_change=_set_filters, help=text)
    st.slider(f"{label}: from, to", low, high, step=step, key=_range(name), disabled=off, format=shown,
              on_change=_set_filters, label_visibility="collapsed")


def _options(names: tuple[str, ...], picked) -> list[str]:
    # names the record holds stay offered (another catalog may lack them): the user can see and drop them
    return list(names) + [n for n in picked or () if n not in names]


# -- how the set meets the plan ---------------------------------------------------------------------------
def _minutes_text(minutes: float) -> str:
    seconds = int(round(minutes * 60))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def plan_summary(playlist: Playlist) -> str | None:
    """The set's duration against its target, and what the pool filters kept; None without either."""
    info, parts = playlist.info, []
    target = info.get("target_minutes")
    if target is not None:
        minutes = float(info.get("minutes", 0.0))
        estimated = int(info.get("minutes_estimated", 0))
        guess = (f" ({plural(estimated, 'song')} of unknown length counted at the pool's typical length)"
                 if estimated else "")
        parts.append(f"Target {_minutes_text(float(target))}: the set lasts {_minutes_text(minutes)}{guess}.")
    filtered = info.get("filtered")
    if info.get("filters") and filtered:
        text = f"Pool filters: {plural(int(filtered.get('matching', 0)), 'song')} of the catalog match"
        dropped = int(filtered.get("missing_dropped", 0))
        if dropped:
            text += f"; {plural(dropped, 'song')} left out for a missing value"
        parts.append(text + ".")
    return " ".join(parts) or None
