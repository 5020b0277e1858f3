"""The figures of a playlist, as the figure panel shows them: the 3D trajectory (its axes named by the features
they weigh most), the key moves on the Camelot wheel and as a strip, the folded tempo, the flow over the set,
the loss terms. Made once per playlist and cached as Plotly JSON."""

from __future__ import annotations

import functools
import hashlib

import numpy as np
import plotly.io as pio
import streamlit as st

from disco.app.session import loaders
from disco.engine.playlist import Playlist
from disco.engine.service import Disco
from disco.model.bundle import FALLBACK_AXES
from disco.plots import keys as key_plots
from disco.plots import playlist as plots
from disco.plots import tempo as tempo_plots
from disco.plots import trajectory as trajectory_plots

FIGURES = {"trajectory": "Flow in 3D", "wheel": "Key wheel", "strip": "Key strip", "tempo": "Tempo",
           "flow": "Flow over the set", "loss": "Loss terms"}  # figure name -> its tab
LONG_SET = 25  # songs: beyond this the strip reads easier than the wheel (both stay available)
DEFAULT_AXES = ("PC1", "PC2", "PC3")


def axis_titles(disco: Disco) -> tuple[str, str, str]:
    """The 3D plot's axis titles for ``disco``'s songs: the PCA components of the network's feature space named
    by their strongest features, or the fallback axes of songs without a network."""
    model, status = disco.model, disco.status
    if model is None or status is None:
        return DEFAULT_AXES
    if status.network is None:
        songs = disco.catalog.songs
        return trajectory_plots.fallback_axis_names(
            [c for c in FALLBACK_AXES if c in songs and songs[c].notna().all()][:3])
    spaces = {model.name: model.features, **{v.name: v.features for v in model.variants}}
    space = spaces.get(status.network)
    if space is None or not hasattr(space, "pca_components_"):
        return DEFAULT_AXES
    return trajectory_plots.axis_names(space.pca_components_, space.features)


def figures(disco: Disco, playlist: Playlist, names=tuple(FIGURES), with_background: bool = False,
            changed=None) -> dict:
    """The playlist's figures ``names`` (of :data:`FIGURES`) by name. ``changed``: a flag per move, highlighted
    on the key views."""
    idx = np.asarray(playlist.indices, dtype=np.int64)
    songs = disco.catalog.songs.iloc[idx]
    labels = [disco.catalog.label(i) for i in idx]
    is_seed = np.arange(len(idx)) < playlist.n_seeds
    target = np.asarray(playlist.arc_target, dtype=np.float64).reshape(len(idx), -1)[:, 0]
    keys, modes = songs["key"].to_numpy(), songs["mode"].to_numpy()
    note = "A long set: the Key strip tab reads easier." if len(idx) > LONG_SET else ""
    makers = {
        "trajectory": lambda: trajectory_plots.trajectory_3d(
            np.asarray(disco.arrays.pca)[idx], labels, is_seed, axes=axis_titles(disco),
            background=loaders.background(disco) if with_background else None),
        "wheel": lambda: _with_note(key_plots.key_wheel(keys, modes, labels, is_seed, changed=changed), note),
        "strip": lambda: key_plots.key_strip(keys, modes, labels, is_seed, changed=changed),
        "tempo": lambda: tempo_plots.tempo_view(songs["tempo"].to_numpy(), labels, is_seed),
        "flow": lambda: plots.flow_over_set({c: songs[c].to_numpy() for c in ("energy", "danceability", "valence")},
                                            labels, is_seed,
                                            target=target if playlist.settings.arc is not None else None),
        "loss": lambda: plots.loss_bars(playlist),
    }
    return {name: makers[name]() for name in names}


def _with_note(fig, note: str):
    """``fig`` with ``note`` under its title."""
    if note:
        fig.update_layout(title_text=f"{fig.layout.title.text}<br><sup>{note}</sup>")
    return fig


def playlist_id(disco: Disco, playlist: Playlist) -> str:
    """A key of ``playlist``'s content: its songs, scores and settings on ``disco``."""
    digest = hashlib.sha256(f"{loaders.disco_key(disco)}|{playlist.settings.key()}|{playlist.n_seeds}".encode())
    for values in (playlist.indices, playlist.loss, playlist.arc_target):
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()


@functools.cache
def _template() -> dict:
    return pio.templates["plotly_white"].to_plotly_json()


def figure_json(fig) -> str:
    """A figure's Plotly JSON, on the white template (set on the dict: much cheaper than on the figure)."""
    spec = fig.to_plotly_json()
    spec["layout"]["template"] = _template()
    return pio.json.to_json_plotly(spec)


@st.cache_data(max_entries=32, ttl=loaders.USER_DATA_TTL, scope="session")
def figure_specs(_disco: Disco, _playlist: Playlist, content_id: str, with_background: bool,
                 names: tuple[str, ...] = tuple(FIGURES), changed: tuple[bool, ...] | None = None) -> dict[str, str]:
    """Tab title -> the Plotly JSON of each figure ``names`` of the playlist (``content_id``:
    :func:`playlist_id`)."""
    made = figures(_disco, _playlist, names, with_background, changed=changed)
    return {FIGURES[name]: figure_json(fig) for name, fig in made.items()}
