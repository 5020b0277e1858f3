"""Streamlit glue for the dashboard: cached loaders, shared widgets, the error boundary.

Pages stay thin: they lay out widgets and call these helpers. Caching: the catalog, model and
:class:`~disco.service.Disco` facade live in ``st.cache_resource`` (loaded once per process and data
source); playlists in ``st.cache_data`` keyed by every setting, so moving a slider re-runs only the
engine. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from disco import config, plots
from disco.errors import CatalogError, DiscoError, ModelError

log = logging.getLogger("disco.ui")

MAX_SEEDS = 5
SEEDS_KEY = "seeds"  # session_state: ordered list of seed song indices (Build page)
SOURCE_KEY = "catalog_source"  # session_state: None = default data set, else an uploaded file's bytes + name
BACKGROUND_POINTS = 1500  # catalog sample drawn faintly behind the 3D trajectory
POOL_SOURCES = {  # disco.candidates.SOURCES -> what the pool holds
    "union": "Mix: co-occurrence, neighbours, subgenre, genre",
    "subgenre": "Songs of the seeds' subgenres",
    "genre": "Songs of the seeds' genres",
    "cooccurrence": "Songs sharing playlists with the seeds",
    "knn": "Nearest neighbours in feature space",
}


# -- errors ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a :class:`DiscoError` (or an unexpected failure) as ``st.error`` instead of a traceback.

    ``st.stop()``/``st.rerun()`` raise BaseException subclasses, so they pass through."""
    try:
        yield
    except DiscoError as exc:
        st.error(f"{exc}", icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - a dashboard never shows a traceback; the console gets it
        log.exception("unexpected error in the dashboard")
        st.error(f"Something went wrong: {type(exc).__name__}: {exc}. The server console has the details; "
                 "please report it with the settings you used.", icon=":material/bug_report:")


NAV_KEY = "_disco_navigation"  # session_state: set by app.py when it has routed this session


def _leave_legacy_multipage_mode() -> None:
    # A `pages/` folder makes Streamlit start in its legacy multipage mode: until app.py has called
    # st.navigation once in this process, a direct link (/model) runs the page alone, without app.py's
    # navigation and page config. Leave that mode; a session that never went through app.py reruns
    # once so app.py routes it (a session that did may have a click pending, which a rerun would lose).
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        if not st.session_state.get(NAV_KEY):
            st.rerun()


def run_page(body: Callable[[], None]) -> None:
    """Run a page's body inside :func:`user_errors`."""
    _leave_legacy_multipage_mode()
    with user_errors():
        body()


# -- data source and cached loaders ----------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where the session's catalog comes from: the default data set or an uploaded file."""

    name: str | None = None  # uploaded file name (None = default data set)
    data: bytes | None = None
    sha256: str | None = None

    @property
    def is_default(self) -> bool:
        return self.data is None


def current_source() -> Source:
    return st.session_state.get(SOURCE_KEY) or Source()


def use_uploaded(name: str, data: bytes) -> None:
    """Make an uploaded song file the session's catalog (validated by the caller with :func:`load_disco`)."""
    st.session_state[SOURCE_KEY] = Source(name, data, hashlib.sha256(data).hexdigest())
    st.session_state.pop(SEEDS_KEY, None)


def use_default() -> None:
    st.session_state[SOURCE_KEY] = None
    st.session_state.pop(SEEDS_KEY, None)


def _dataset_stamp() -> tuple[str, float]:
    path = config.default_dataset_path()
    return str(path), (path.stat().st_mtime if path.is_file() else -1.0)


@st.cache_resource(show_spinner="Loading the catalog and the flow model...")
def _default_disco(path: str, mtime: float, models: str):
    from disco.catalog import load_catalog
    from disco.service import Disco

    return Disco.from_model(load_catalog(path), _flow_model(models))  # the model page shares the cached model


@st.cache_resource(show_spinner="Loading your song file...", max_entries=4)
def _uploaded_disco(sha256: str, name: str, _data: bytes, models: str):
    from disco.catalog import load_catalog
    from disco.service import Disco

    model = _flow_model(models)
    catalog = load_catalog(_data, name=name)
    if len(catalog) == 0:
        raise CatalogError(f"{name} holds no usable song: {catalog.report.summary()}")
    return Disco.from_model(catalog, model)


def load_disco():
    """The session's :class:`~disco.service.Disco` (cached); raises CatalogError/ModelError for the caller."""
    src = current_source()
    models = str(config.models_dir())
    if src.is_default:
        path, mtime = _dataset_stamp()
        if mtime < 0:
            raise CatalogError(f"no song catalog at {path}")
        return _default_disco(path, mtime, models)
    return _uploaded_disco(src.sha256, src.name, src.data, models)


def disco_key(disco) -> str:
    """A cache key for results computed from ``disco`` (its catalog and model)."""
    return f"{disco.catalog.sha256}:{disco.network_name}:{len(disco.arrays)}"


def has_default_data() -> bool:
    return config.default_dataset_path().is_file()


def require_disco():
    """The loaded facade, or the first-start screen (no data) / an error, then ``st.stop()``."""
    if current_source().is_default and not has_default_data():
        first_start()
        st.stop()
    try:
        return load_disco()
    except ModelError as exc:
        st.error(f"The flow model could not be loaded: {exc}", icon=":material/error:")
        st.stop()
    except DiscoError as exc:
        st.error(f"The song catalog could not be loaded: {exc}", icon=":material/error:")
        if not current_source().is_default:
            st.button("Go back to the default data set", on_click=use_default)
        st.stop()


def first_start() -> None:
    """No catalog yet: one sentence, and the two ways forward."""
    st.info(
        f"DISCO needs a song catalog with audio features, and there is none at "
        f"`{config.default_dataset_path()}` yet: fetch the public TidyTuesday data set (about 7 MB) "
        "or upload your own CSV.", icon=":material/library_music:")
    left, right = st.columns(2)
    with left:
        st.subheader("1. Fetch the public data set")
        fetch_widget()
    with right:
        st.subheader("2. Upload your own song file")
        upload_widget()


def fetch_dataset(progress: Callable[[int, int | None], None]) -> Path:
    """Download the public data set into :func:`config.default_dataset_path` (checksum verified), trying each
    known address. ``progress(done_bytes, total_bytes_or_None)`` is called as bytes arrive."""
    import inspect

    from disco import download
    from disco.errors import DownloadError

    dest = config.default_dataset_path()
    params = inspect.signature(download.download).parameters
    callback = next((name for name in ("on_progress", "callback", "progress_callback") if name in params), None)
    kwargs = {"progress": False} if "progress" in params and callback else {}
    if callback:
        kwargs[callback] = progress
    failures = []
    for url in config.DATASET_URLS:
        try:
            download.download(url, dest, sha256=config.DATASET_SHA256, **kwargs)
            return dest
        except DownloadError as exc:
            failures.append(str(exc))
    raise DownloadError("could not download the data set: " + " | ".join(failures)
                        + f". Check your connection, or download it yourself into {dest}.")


def fetch_widget(key: str = "fetch") -> None:
    """A button that downloads the public data set with a progress bar."""
    if not st.button("Fetch the TidyTuesday songs", key=f"{key}_button", type="primary"):
        return
    bar = st.progress(0.0, text="Connecting...")

    def progress(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(done / total, 1.0), text=f"Downloaded {done / 1e6:.1f} of {total / 1e6:.1f} MB")
        else:
            bar.progress(0.0, text=f"Downloaded {done / 1e6:.1f} MB")

    with user_errors():
        path = fetch_dataset(progress)
        bar.progress(1.0, text="Done")
        st.success(f"Saved to {path}.")
        use_default()
        st.rerun()


def upload_widget(key: str = "upload") -> None:
    """A CSV/Parquet uploader; a valid file becomes the session's catalog."""
    file = st.file_uploader("Song file (CSV or Parquet, any common Spotify export layout)",
                            type=["csv", "parquet"], key=key)
    if file is None:
        return
    data = file.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    if current_source().sha256 == sha:
        st.success(f"Using {file.name}.")
        return
    with user_errors():
        src = Source(file.name, data, sha)
        _uploaded_disco(src.sha256, src.name, src.data, str(config.models_dir()))  # validate before switching
        use_uploaded(file.name, data)
        st.rerun()


# -- seeds ---------------------------------------------------------------------------------------------
def default_seed(catalog) -> int:
    """A well-known song to start from: the most popular one (lowest index on ties; index 0 without
    popularity)."""
    pop = pd.to_numeric(catalog.songs["popularity"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(pop).any():
        return 0
    return int(np.nanargmax(pop))


def seed_label(catalog, i: int) -> str:
    """``"artist - title (genre)"`` of song ``i``."""
    genre = catalog.songs["genre"].iat[int(i)]
    return f"{catalog.label(i)} ({genre})" if genre else catalog.label(i)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def md_escape(text: str) -> str:
    """``text`` shown literally in ``st.markdown`` (song titles hold ``*``, ``_``, ``#``...)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _add_seed(catalog) -> None:
    picked = st.session_state.get("seed_match")
    seeds = st.session_state.setdefault(SEEDS_KEY, [])
    if picked is not None and picked not in seeds and len(seeds) < MAX_SEEDS:
        seeds.append(int(picked))
    st.session_state["seed_match"] = None
    st.session_state["seed_query"] = ""


def _remove_seed(i: int) -> None:
    st.session_state[SEEDS_KEY] = [s for s in st.session_state.get(SEEDS_KEY, []) if s != i]


def seed_picker(catalog) -> list[int]:
    """Search-as-you-type seed picker (1-5 seeds, kept in the order picked). Returns song indices."""
    if SEEDS_KEY not in st.session_state:
        st.session_state[SEEDS_KEY] = [default_seed(catalog)] if len(catalog) else []
    seeds: list[int] = st.session_state[SEEDS_KEY]
    full = len(seeds) >= MAX_SEEDS
    query = st.text_input("Search a seed song (artist or title)", key="seed_query", live=True, type="search",
                          placeholder="e.g. daft punk one more time", disabled=full,
                          help=f"Up to {MAX_SEEDS} seeds; they open the playlist in the order you pick them.")
    if query and query.strip():
        hits = catalog.search(query, limit=25)
        options = [int(i) for i in hits["index"] if int(i) not in seeds]
        if options:
            st.selectbox(f"{len(options)} matches: pick one to add it", options, index=None, key="seed_match",
                         format_func=lambda i: seed_label(catalog, i), on_change=_add_seed, args=(catalog,),
                         placeholder="Choose a match")
        else:
            st.caption(f"No song matches “{query}”.")
    if seeds:
        st.markdown("**Seeds** (in order):")
        for n, i in enumerate(seeds, start=1):
            c1, c2 = st.columns([12, 1], vertical_alignment="center")
            c1.markdown(f"**{n}.** {md_escape(seed_label(catalog, i))}")
            c2.button("✕", key=f"remove_seed_{i}", on_click=_remove_seed, args=(i,), help="Remove this seed")
    return list(seeds)


# -- engine settings -------------------------------------------------------------------------------------
PRESET_KEY = "preset"
KEY_SCORE_LABELS = {"camelot": "Camelot wheel, graded (DJ)", "reference": "circle of fifths (spec)"}
TEMPO_SCORE_LABELS = {"dj": "DJ kernel: 2% seamless, 6% the edge", "reference": "cosine of the tempo ratio (spec)"}
ARC_LABELS = {"none": "none", "peak": "warm-up → peak → cool-down", "build": "steady build",
              "waves": "waves (build-ups and break-downs)", "custom": "custom points"}
ARC_POINTS_KEY = "arc_points"
_PRESET_WIDGETS = {"w_flow": "flow", "w_spicy": "spicy", "w_sweetness": "sweetness", "w_smoothness": "smoothness"}


def _preset_values(name: str) -> dict:
    """Session-state values of the widgets a preset sets."""
    from disco.scoring import preset, preset_search

    w, sc = preset(name)
    out = {key: float(getattr(w, attr)) for key, attr in _PRESET_WIDGETS.items()}
    out.update(key_score=sc.key, tempo_score=sc.tempo, arc_weight=float(sc.arc_weight), search=preset_search(name))
    return out


def _apply_preset() -> None:
    st.session_state.update(_preset_values(st.session_state[PRESET_KEY]))


def default_arc_points(name: str = "peak") -> pd.DataFrame:
    """Editable control points (position 0..1, energy 0..1) starting from a named shape."""
    from disco import arcs

    pts = arcs.shape_points(name if name in arcs.ARC_SHAPES[1:] else "peak")
    return pd.DataFrame(pts, columns=["position", "energy"])


def arc_points_of(frame: pd.DataFrame) -> tuple[tuple[float, float], ...]:
    """Control points of an edited table: rows with both cells filled, sorted by position. Raises
    DiscoError (what is wrong) when fewer than two remain or a value is outside 0..1."""
    pts = frame[["position", "energy"]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(pts) < 2:
        raise DiscoError("a custom energy arc needs at least two points (position, energy), both 0..1")
    bad = pts[(pts < 0).any(axis=1) | (pts > 1).any(axis=1)]
    if len(bad):
        raise DiscoError(f"custom arc point {tuple(bad.iloc[0])} is outside 0..1: positions and energies are 0..1")
    return tuple(sorted((float(x), float(y)) for x, y in pts.to_numpy()))


def engine_settings(where=st.sidebar, *, with_length: bool = True, with_pool: bool = True) -> dict:
    """The preset, loss weights, DJ scoring (key/tempo scores, hard rules, energy arc), length, pool and
    search. Returns the settings as a dict (see :func:`weights_of`, :func:`scoring_of`)."""
    from disco.scoring import DEFAULT_PRESET, PRESET_LABELS, PRESET_NAMES

    ss = st.session_state
    if PRESET_KEY not in ss:
        ss[PRESET_KEY] = DEFAULT_PRESET
    for key, value in _preset_values(ss[PRESET_KEY]).items():
        ss.setdefault(key, value)  # first run, or the widget was not on the last page
    where.header("Flow settings")
    out = {"preset": where.selectbox(
        "preset", PRESET_NAMES, key=PRESET_KEY, format_func=lambda k: PRESET_LABELS[k], on_change=_apply_preset,
        help="Sets the sliders and scores below: DJ (DISCO's default) mixes in key and tempo like a DJ; "
             "Reference is the spec's algorithm.")}
    out.update({
        "flow": where.slider("flow (feature distance)", 0.0, 3.0, step=0.1, key="w_flow",
                             help="Weight of the distance to the network's predicted next song."),
        "spicy": where.slider("spicy (scale of the prediction)", 0.5, 2.0, step=0.05, key="w_spicy",
                              help="> 1 asks for bolder moves: the network under-estimates magnitudes."),
        "sweetness": where.slider("sweetness (key consonance)", 0.0, 3.0, step=0.1, key="w_sweetness",
                                  help="Weight of the key score chosen below."),
        "smoothness": where.slider("smoothness (tempo)", 0.0, 3.0, step=0.1, key="w_smoothness",
                                   help="Weight of the tempo score chosen below."),
    })
    with where.expander("Key, tempo and hard rules", expanded=False):
        out["key_score"] = st.selectbox(
            "key score", list(KEY_SCORE_LABELS), key="key_score", format_func=KEY_SCORE_LABELS.get,
            help="Camelot: same code 1, ±1 0.9, A↔B 0.8, diagonal 0.55, ±2 0.45, else 0.1. Circle of fifths: "
                 "neighbours on the circle score 1 (diagonal moves too).")
        out["tempo_score"] = st.selectbox(
            "tempo score", list(TEMPO_SCORE_LABELS), key="tempo_score", format_func=TEMPO_SCORE_LABELS.get,
            help="DJ: exp(-(change/4%)²) after folding double/half time. Spec: cos(2π log2 ratio), lenient "
                 "(5% still scores 0.9).")
        out["camelot_only"] = st.checkbox("Camelot-compatible moves only", key="rule_camelot",
                                          help="Same code, ±1 or A↔B only, while the pool allows; else relaxed "
                                               "for that move (marked ⚠ in the table).")
        bpm_on = st.checkbox("Limit the BPM change", key="rule_bpm_on",
                             help="A hard limit on each move's tempo change (after folding double/half time).")
        bpm = st.slider("max BPM change (%)", 1.0, 15.0, 6.0, 0.5, key="rule_bpm", disabled=not bpm_on,
                        help="6% is what DJs can beat-match without it being heard.")
        out["max_bpm_change"] = float(bpm) if bpm_on else None
        out["no_repeat_artist"] = st.checkbox("No artist twice in a row", key="rule_artist",
                                              help="Never the same artist on two consecutive songs.")
    with where.expander("Energy arc", expanded=False):
        out["arc"] = st.selectbox("energy arc", list(ARC_LABELS), key="arc", format_func=ARC_LABELS.get,
                                  help="A target energy curve over the playlist's positions; named shapes are "
                                       "stretched to the energy range the pool can reach.")
        out["arc_points"] = None
        if out["arc"] == "custom":
            edited = st.data_editor(default_arc_points(), key=ARC_POINTS_KEY, num_rows="dynamic", hide_index=True,
                                    column_config={
                                        "position": st.column_config.NumberColumn(
                                            min_value=0.0, max_value=1.0, step=0.05,
                                            help="0 = first song, 1 = last song"),
                                        "energy": st.column_config.NumberColumn(
                                            min_value=0.0, max_value=1.0, step=0.05, help="target energy 0..1")})
            st.caption("Control points (position, energy), both 0..1; the curve runs straight between them.")
            out["arc_points"] = arc_points_of(edited)
        out["arc_weight"] = st.slider("arc weight", 0.0, 10.0, step=0.5, key="arc_weight",
                                      disabled=out["arc"] == "none",
                                      help="Weight of |energy - target| in the loss: higher follows the curve "
                                           "more closely, at the cost of flow.")
    if with_length:
        out["length"] = where.slider("playlist length", 5, 50, 15, 1, key="length")
    if with_pool:
        out["pool"] = where.selectbox("candidate pool", list(POOL_SOURCES), key="pool",
                                      format_func=lambda k: POOL_SOURCES[k])
        out["pool_size"] = where.slider("pool size", 50, 2000, 300, 50, key="pool_size")
    out["search"] = where.radio("search", ["greedy", "beam"], key="search", horizontal=True,
                                help="Greedy picks the best next song; beam search keeps the best partial "
                                     "playlists by total loss (never worse than greedy).")
    out["beam_width"] = (where.slider("beam width", 2, 32, 8, 1, key="beam_width")
                         if out["search"] == "beam" else 8)
    return out


def weights_of(settings: dict):
    from disco.engine import Weights

    return Weights(flow=settings["flow"], sweetness=settings["sweetness"], smoothness=settings["smoothness"],
                   spicy=settings["spicy"])


def scoring_of(settings: dict):
    """The :class:`~disco.scoring.Scoring` of the page's settings (missing keys: the preset's values)."""
    from disco import arcs
    from disco.scoring import DEFAULT_PRESET, Rules, Scoring, preset

    _, base = preset(settings.get("preset", DEFAULT_PRESET))
    name = settings.get("arc", "none")
    if name == "custom":
        arc = arcs.Arc.from_points(settings["arc_points"])
    else:
        arc = arcs.parse_arc(name)
    return Scoring(key=settings.get("key_score", base.key), tempo=settings.get("tempo_score", base.tempo),
                   rules=Rules(bool(settings.get("camelot_only", False)), settings.get("max_bpm_change"),
                               bool(settings.get("no_repeat_artist", False))),
                   arc=arc, arc_weight=float(settings.get("arc_weight", base.arc_weight)))


def scoring_key(scoring) -> str:
    """A stable cache key of a Scoring (its JSON record)."""
    import json

    return json.dumps(scoring.to_dict(), sort_keys=True)


def scoring_from_record(record: dict):
    """The Scoring a playlist was made with, from ``settings["scoring"]`` (a fitted arc as fitted)."""
    from disco import arcs
    from disco.scoring import Rules, Scoring

    arc = record.get("arc")
    return Scoring(key=record["key_score"], tempo=record["tempo_score"],
                   tempo_width=record.get("tempo_width", Scoring().tempo_width), rules=Rules(**record["rules"]),
                   arc=None if arc is None else arcs.Arc.from_points(arc["energy"], arc.get("valence"),
                                                                     arc.get("interpolation", "linear"),
                                                                     arc.get("name", "custom")),
                   arc_weight=record.get("arc_weight", 1.0), fit_arc=False)


@st.cache_data(show_spinner="Building the playlist...", max_entries=256)
def _cached_build(_disco, key: str, seeds: tuple[int, ...], length: int, pool: str, pool_size: int,
                  weights: tuple, search: str, beam_width: int, preset: str, scoring: str, _scoring=None):
    from disco.engine import Weights

    return _disco.build(list(seeds), length=length, pool=pool, pool_size=pool_size, weights=Weights(*weights),
                        search=search, beam_width=beam_width, scoring=_scoring, preset=preset)


def build(disco, seeds: list[int], settings: dict):
    """:meth:`Disco.build` with the page's settings, cached by every argument (the scoring by its record)."""
    w = weights_of(settings)
    sc = scoring_of(settings)
    return _cached_build(disco, disco_key(disco), tuple(int(s) for s in seeds), int(settings["length"]),
                         settings["pool"], int(settings["pool_size"]),
                         (w.flow, w.sweetness, w.smoothness, w.spicy), settings["search"],
                         int(settings["beam_width"]), settings.get("preset", "dj"), scoring_key(sc), _scoring=sc)


@st.cache_resource(show_spinner="Reading your songs...", max_entries=8)
def _cached_track_list(_disco, key: str, name: str, _data: bytes):
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="disco-upload-"))
    path = folder / (Path(name).name or "songs")
    path.write_bytes(_data)
    try:
        return _disco.read_track_list(path)
    except DiscoError as exc:  # name the user's file, not our temporary copy
        raise type(exc)(str(exc).replace(str(path), name)) from None
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()


def track_list(disco, name: str, data: bytes):
    """The songs of an uploaded file or pasted list (:meth:`Disco.read_track_list`), cached by content."""
    return _cached_track_list(disco, f"{disco_key(disco)}:{hashlib.sha256(data).hexdigest()}", name, data)


def track_list_view(disco, tracks):
    """A :class:`Disco` over the track list's own catalog and arrays (songs of an uploaded table need not be
    in the session's catalog), sharing the session's predictor."""
    if tracks.catalog is disco.catalog:
        return disco
    from disco.service import Disco

    return Disco(tracks.catalog, tracks.arrays, disco.predictor, model=disco.model)


@st.cache_data(show_spinner="Finding the best order...", max_entries=64)
def _cached_reorder(_disco, _tracks, key: str, weights: tuple, search: str, beam_width: int, keep_first: bool,
                    preset: str, scoring: str, _scoring=None):
    from disco.engine import Weights

    return _disco.reorder(_tracks, weights=Weights(*weights), search=search, beam_width=beam_width,
                          keep_first=keep_first, scoring=_scoring, preset=preset)


def reorder(disco, tracks, key: str, settings: dict, keep_first: bool):
    """:meth:`Disco.reorder` of a track list (``key`` identifies its content), cached by every setting."""
    w = weights_of(settings)
    sc = scoring_of(settings)
    return _cached_reorder(disco, tracks, f"{disco_key(disco)}:{key}", (w.flow, w.sweetness, w.smoothness, w.spicy),
                           settings["search"], int(settings["beam_width"]), bool(keep_first),
                           settings.get("preset", "dj"), scoring_key(sc), _scoring=sc)


@st.cache_data(max_entries=8)
def _background(_arrays, key: str, n: int) -> np.ndarray:
    pca = np.asarray(_arrays.pca)
    rows = np.random.default_rng(0).choice(len(pca), size=min(n, len(pca)), replace=False)
    return pca[np.sort(rows)].astype(np.float32)


def background(disco) -> np.ndarray:
    """A fixed random sample of the catalog's PCA coordinates (context for the 3D trajectory)."""
    return _background(disco.arrays, disco_key(disco), BACKGROUND_POINTS)


# -- showing a playlist -------------------------------------------------------------------------------------
VIEW_TABS = {"Key moves": "key", "Tempo moves": "tempo", "Energy & valence": "energy", "Loss terms": "loss"}
TABLE_COLUMNS = {  # playlist_frame column -> shown header
    "position": "#", "artist": "artist", "track_name": "title", "camelot": "Camelot", "tempo": "BPM",
    "distance": "distance", "key_similarity": "key sim.", "tempo_similarity": "tempo sim.", "loss": "loss",
    "is_seed": "seed", "relaxed": "rule relaxed",
}


def playlist_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The shown table: position, artist, title, Camelot, BPM, per-transition scores, seed flag, and the
    hard rules a move had to relax (``⚠ camelot_only``; empty when none)."""
    cols = [c for c in TABLE_COLUMNS if c in frame.columns]
    out = frame[cols].copy()
    if "relaxed" in out:
        out["relaxed"] = [f"⚠ {r.replace(',', ', ')}" if r else "" for r in out["relaxed"].astype(str)]
    return out.rename(columns=TABLE_COLUMNS)


def arc_targets(playlist) -> np.ndarray | None:
    """The energy target at every position (L,) of the arc a playlist was made with; None without one."""
    record = playlist.settings.get("scoring") if isinstance(playlist.settings, dict) else None
    if not record or not record.get("arc"):
        return None
    return scoring_from_record(record).arc.curve(len(playlist.indices))


FIGURES = ("trajectory", "key", "tempo", "energy", "loss")


def figures(disco, playlist, names=FIGURES, with_background: bool = False) -> dict:
    """The playlist's figures ``names`` (of :data:`FIGURES`) by name."""
    idx = np.asarray(playlist.indices, dtype=np.int64)
    songs = disco.catalog.songs.iloc[idx]
    labels = [disco.catalog.label(i) for i in idx]
    is_seed = np.arange(len(idx)) < playlist.n_seeds
    w = playlist.settings.get("weights", {}) if isinstance(playlist.settings, dict) else {}
    makers = {
        "trajectory": lambda: plots.trajectory_3d(np.asarray(disco.arrays.pca)[idx], labels, is_seed,
                                                  background=background(disco) if with_background else None),
        "key": lambda: plots.key_view(songs["key"].to_numpy(), songs["mode"].to_numpy(), labels, is_seed),
        "tempo": lambda: plots.tempo_view(songs["tempo"].to_numpy(), labels, is_seed),
        "energy": lambda: plots.energy_arc(songs["energy"].to_numpy(), songs["valence"].to_numpy(), labels,
                                           is_seed, target=arc_targets(playlist)),
        "loss": lambda: plots.loss_bars(playlist.distance, playlist.key_similarity, playlist.tempo_similarity, w),
    }
    return {name: makers[name]() for name in names}


def transition_counts(disco, indices) -> dict:
    """Camelot- and tempo-compatible moves of a song order."""
    from disco import theory

    s = disco.catalog.songs.iloc[np.asarray(indices, dtype=np.int64)]
    k, m, t = s["key"].to_numpy(), s["mode"].to_numpy(), s["tempo"].to_numpy()
    return {"moves": max(len(s) - 1, 0),
            "camelot": int(theory.camelot_compatible(k[:-1], m[:-1], k[1:], m[1:]).sum()),
            "tempo": int(theory.tempo_compatible(t[:-1], t[1:]).sum())}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "playlist"


def show_playlist(disco, playlist, *, key: str, title: str = "") -> None:
    """Table, 3D trajectory, key/tempo/energy views and downloads of ``playlist``."""
    from disco import export

    if playlist.message:
        st.warning(playlist.message)
    frame = export.playlist_frame(disco.catalog, playlist)
    with_bg = st.session_state.get(f"{key}_background", False)
    left, right = st.columns([1, 1])
    with left:
        st.dataframe(playlist_table(frame), hide_index=True, key=f"{key}_table",
                     height=min(35 * (len(frame) + 1) + 3, 563),  # 35 px rows: no empty rows below
                     column_config={
                         "#": st.column_config.NumberColumn(width=40),
                         "Camelot": st.column_config.TextColumn(width=70),
                         "seed": st.column_config.CheckboxColumn("seed", width=50),
                         "BPM": st.column_config.NumberColumn(format="%.0f", width=50),
                         "distance": st.column_config.NumberColumn(format="%.2f"),
                         "key sim.": st.column_config.NumberColumn(format="%.1f"),
                         "tempo sim.": st.column_config.NumberColumn(format="%.2f"),
                         "loss": st.column_config.NumberColumn(format="%.2f"),
                     })
        relaxed = playlist.relaxed_moves
        rules = sorted({r for rs in playlist.relaxed for r in rs})
        note = (f" {relaxed} move{'s' if relaxed != 1 else ''} relaxed a hard rule ({', '.join(rules)}): "
                "no song in the pool met it there (⚠)." if relaxed else "")
        st.caption(f"total loss {playlist.total_loss:.2f} over {len(playlist) - playlist.n_seeds} chosen songs "
                   f"(lower is better); seed rows have no transition scores.{note}")
    with right:
        st.plotly_chart(figures(disco, playlist, ["trajectory"], with_bg)["trajectory"], key=f"{key}_trajectory")
        st.toggle("Show the catalog around it", key=f"{key}_background",
                  help="Faint dots: a sample of the whole catalog in the same space.")
    # Only the open tab's figure is sent: each Plotly chart costs the browser time to draw.
    tabs = st.tabs(list(VIEW_TABS), key=f"{key}_views", on_change="rerun")
    for tab, name in zip(tabs, VIEW_TABS.values()):
        if tab.open:
            with tab:
                st.plotly_chart(figures(disco, playlist, [name])[name], key=f"{key}_{name}")
    download_buttons(disco, playlist, key=key, title=title)


def download_buttons(disco, playlist, *, key: str, title: str = "") -> None:
    from disco import export

    stem = _slug(title or f"disco-{disco.catalog.label(playlist.indices[0])}")
    cols = st.columns(3)
    formats = (("CSV", "csv", "text/csv", export.to_csv), ("JSON", "json", "application/json", export.to_json),
               ("M3U", "m3u", "audio/x-mpegurl", export.to_m3u))
    for col, (label, ext, mime, fn) in zip(cols, formats):
        col.download_button(f"Download {label}", fn(disco.catalog, playlist), file_name=f"{stem}.{ext}",
                            mime=mime, key=f"{key}_dl_{ext}", on_click="ignore")


def read_pasted_ids(text: str) -> list[str]:
    """Track ids / Spotify URIs / open.spotify.com links from pasted text (one per line, or separated by
    commas, semicolons or spaces)."""
    return [t for t in re.split(r"[\s,;]+", text or "") if t]


# -- model page ---------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the flow model...")
def _flow_model(models: str):
    from disco.flow import FlowModel

    return FlowModel.load(models)


def load_model():
    """The trained :class:`~disco.flow.FlowModel` (cached; no TensorFlow). Raises ModelError."""
    return _flow_model(str(config.models_dir()))


def preset_note() -> str:
    """One line on the default preset and the reference (Model page)."""
    from disco.scoring import DEFAULT_PRESET, preset

    w, sc = preset(DEFAULT_PRESET)
    return (f"**Default scoring: the {DEFAULT_PRESET.upper()} preset** — graded Camelot key score, DJ tempo kernel "
            f"(2% seamless, 6% the edge), sweetness {w.sweetness:g}, smoothness {w.smoothness:g}, flow {w.flow:g}, "
            f"spicy {w.spicy:g}. The **Reference** preset is the spec's algorithm exactly: circle-of-fifths key "
            "similarity, cosine tempo similarity, all weights 1, spicy 1.2. Pick either on Build and Reorder.")


def card_maes(card: dict) -> dict[str, float]:
    """Test MAE by predictor: every trained candidate (by name) and the baselines of the card."""
    maes = {k: float(v) for k, v in card.get("test", {}).get("mae", {}).items() if k != "network"}
    for c in card.get("candidates", []):
        if "test_mae" in c:
            maes[f"network: {c['name']}"] = float(c["test_mae"])
    if not any(k.startswith("network") for k in maes) and "network" in card.get("test", {}).get("mae", {}):
        maes["network"] = float(card["test"]["mae"]["network"])
    return maes


def card_tables(card: dict) -> dict[str, pd.DataFrame]:
    """The card as tables: "mae" (predictor, test MAE, MAE / MAD), "splits", "candidates"."""
    maes = card_maes(card)
    mad = card.get("test", {}).get("mad")
    mae = pd.DataFrame({"predictor": list(maes), "test MAE": list(maes.values())}).sort_values("test MAE")
    if mad:
        mae["MAE / MAD"] = mae["test MAE"] / mad
    splits = pd.DataFrame(card.get("split", {})).T.rename_axis("split").reset_index()
    cands = pd.DataFrame(card.get("candidates", []))
    return {"mae": mae.reset_index(drop=True), "splits": splits, "candidates": cands}


# -- data page ------------------------------------------------------------------------------------------------
@st.cache_data(max_entries=8)
def example_rows(source_key: str, _read: Callable[[], object], rows: tuple[int, ...]) -> pd.DataFrame:
    """Raw rows ``rows`` (1-based data rows, as in :class:`LoadReport`) of a song file, for showing exclusions."""
    wanted = set(rows)
    try:
        frame = pd.read_csv(_read(), skiprows=lambda r: r != 0 and r not in wanted, dtype=str,
                            keep_default_na=False)
    except Exception:  # noqa: BLE001 - examples are a nicety (e.g. Parquet uploads): show none
        return pd.DataFrame()
    frame.insert(0, "row", sorted(wanted)[:len(frame)])
    return frame


def exclusion_examples(report) -> pd.DataFrame:
    """Example excluded rows of the session's source with the reason of each (empty when unavailable)."""
    import io

    examples = {reason: rows for reason, rows in report.examples.items() if rows}
    if not examples:
        return pd.DataFrame()
    src = current_source()
    if src.is_default:
        path = config.default_dataset_path()
        if not path.is_file():
            return pd.DataFrame()
        key, read = f"{path}:{path.stat().st_mtime}", (lambda: path)
    else:
        key, read = src.sha256, (lambda: io.BytesIO(src.data))
    all_rows = tuple(sorted({r for rows in examples.values() for r in rows}))
    frame = example_rows(key, read, all_rows)
    if frame.empty:
        return frame
    reason_of = {r: reason for reason, rows in examples.items() for r in rows}
    frame.insert(1, "excluded because", [reason_of.get(r, "") for r in frame["row"]])
    return frame


# -- reorder page -------------------------------------------------------------------------------------------
def order_summary(disco, indices, settings: dict, scoring=None) -> dict:
    """Total loss (first song fixed) and compatible-move counts of a song order, for before/after figures;
    ``scoring``: the one the reordered playlist was made with (default: the page's settings)."""
    from disco.engine import evaluate_sequence

    scored = evaluate_sequence(indices, 1, arrays=disco.arrays, predictor=disco.predictor,
                               weights=weights_of(settings),
                               scoring=scoring_of(settings) if scoring is None else scoring)
    return {"total_loss": scored.total_loss, **transition_counts(disco, indices)}
