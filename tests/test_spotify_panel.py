"""The Data page's Spotify section (disco.app.spotify_panel) through AppTest, on the fake Spotify of test_spotify.

No network: the app client is injected into ``st.session_state[spotify_panel.CLIENT_KEY]`` before the page
runs (the documented hook), and its HTTP goes to :class:`test_spotify.FakeSpotify`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from disco import config, spotify
from disco.app.spotify import spotify_panel, spotify_tables
from disco.data.catalog import Catalog
from support import songgen
from support.spotify import (
    CLIENT_ID,
    FORBIDDEN,
    PID,
    SECRET,
    FakeSpotify,
    add_playlist,
    app_client,
    entry,
    sp_id,
    sp_track,
    token_client,
)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
N_SONGS = 60
DATA_PAGE = "disco/app/views/data.py"
REORDER_PAGE = "disco/app/views/reorder.py"


@pytest.fixture(autouse=True)
def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _has_model() -> bool:
    return (config.models_dir() / "model_card.json").is_file()


def _data_page(monkeypatch, data_dir: Path, creds: bool, client=None, redirect: str | None = None,
               secrets: dict | None = None):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DISCO_DATA_DIR", str(data_dir))
    for name in ("SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET", "SPOTIPY_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    if creds:
        monkeypatch.setenv("SPOTIPY_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("SPOTIPY_CLIENT_SECRET", SECRET)
    if redirect:
        monkeypatch.setenv("SPOTIPY_REDIRECT_URI", redirect)
    at = AppTest.from_file(APP, default_timeout=120)
    if secrets:
        at.secrets.update(secrets)
    if client is not None:
        at.session_state[spotify_panel.CLIENT_KEY] = client
    at.run()  # the navigation registers the pages
    at.switch_page(DATA_PAGE)
    return at.run()


def _texts(at) -> str:
    """Every element the page sent (their protobufs as text: labels, values, link URLs)."""
    out, todo = [], [at._tree]
    while todo:
        node = todo.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            todo.extend(children.values())
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
    return "\n".join(out)


def _made_up_data(tmp_path) -> pd.DataFrame:
    folder = tmp_path / "data"
    folder.mkdir()
    return songgen.write_tidy_csv(folder / "spotify_songs.csv", n_songs=N_SONGS, n_playlists=4)


def _playlist(fake: FakeSpotify, songs: pd.DataFrame) -> dict:
    """Catalog songs by id, one under another id (artist + title match), one unknown, a local file, a null."""
    first = songs.drop_duplicates("track_id").reset_index(drop=True)
    by_id = [sp_track(first.at[i, "track_id"], first.at[i, "track_name"], first.at[i, "track_artist"])
             for i in range(3)]
    by_name = sp_track(sp_id(1), f"{first.at[5, 'track_name']} - 2011 Remaster", first.at[5, "track_artist"])
    unknown = sp_track(sp_id(2), "Nowhere To Be Found", "Nobody Known")
    local = sp_track(None, "My Demo", "Me", is_local=True)
    entries = [entry(by_id[0]), entry(by_name), entry(unknown), entry(local, is_local=True), entry(None),
               entry(by_id[1]), entry(by_id[2])]
    add_playlist(fake, entries, name="Road Trip")
    fake.add("GET", r"/v1/audio-features", FORBIDDEN)
    return {"ids": [t["id"] for t in (by_id[0], by_name, unknown, by_id[1], by_id[2])],
            "with_features": [t["id"] for t in (by_id[0], by_name, by_id[1], by_id[2])], "new": sp_id(1)}


def _frame(at, column: str) -> pd.DataFrame:
    """The page's table having ``column`` (AppTest does not expose dataframe keys)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _import(at, ref: str = PID):
    at.text_input(key=spotify_panel.REF_KEY).input(ref)
    return at.button(key="spotify_import_button").click().run()


# -- without credentials ------------------------------------------------------------------------------------
def test_without_credentials_the_data_page_says_what_to_set(tmp_path, monkeypatch):
    at = _data_page(monkeypatch, tmp_path / "empty", creds=False)
    assert not at.exception and not at.error
    said = [i.value for i in at.info if "SPOTIPY_CLIENT_ID" in i.value]
    assert len(said) == 1 and "SPOTIPY_CLIENT_SECRET" in said[0] and "secrets.toml" in said[0]
    assert not at.text_input  # no import form without a client


def test_credentials_from_the_streamlit_secrets(tmp_path, monkeypatch):
    at = _data_page(monkeypatch, tmp_path / "empty", creds=False,
                    secrets={"spotify": {"client_id": CLIENT_ID, "client_secret": SECRET}})
    assert not at.exception and not at.error
    assert not any("SPOTIPY_CLIENT_ID" in i.value for i in at.info)
    assert at.text_input(key=spotify_panel.REF_KEY).value in ("", None)  # the import form is there
    assert SECRET not in _texts(at)


# -- with (fake) credentials -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_import_shows_tracks_marks_missing_and_lists_skipped(tmp_path, monkeypatch):
    songs = _made_up_data(tmp_path)
    fake = FakeSpotify()
    plan = _playlist(fake, songs)
    at = _data_page(monkeypatch, tmp_path / "data", creds=True, client=app_client(fake))
    assert not at.exception
    at = _import(at, f"https://open.spotify.com/playlist/{PID}?si=x")
    assert not at.exception, [e.value for e in at.exception]
    tracks = _frame(at, "features from")
    assert tracks["track id"].tolist() == plan["ids"]
    assert tracks["features from"].tolist() == ["catalog (same track id)", "catalog (artist + title)",
                                                "⚠ missing", "catalog (same track id)", "catalog (same track id)"]
    assert np.isnan(tracks.loc[2, "BPM"]) and np.isfinite(tracks["BPM"].drop(index=2)).all()
    gone = [w.value for w in at.warning if "no longer gives" in w.value]
    assert len(gone) == 1 and "403" in gone[0]
    assert any("1 tracks have no audio features" in w.value for w in at.warning)
    skipped = _frame(at, "reason")
    assert skipped["reason"].tolist() == ["local file", "unavailable"]
    assert skipped["position"].tolist() == [4, 5]
    assert SECRET not in _texts(at)


@pytest.mark.slow
def test_spotify_error_is_shown_as_a_message(tmp_path, monkeypatch):
    fake = FakeSpotify()
    fake.add("GET", rf"/v1/playlists/{PID}", (404, {"error": {"status": 404, "message": "Not found"}}, {}))
    at = _data_page(monkeypatch, tmp_path / "empty", creds=True, client=app_client(fake))
    at = _import(at)
    assert not at.exception
    assert any("404" in e.value and "private" in e.value for e in at.error)
    at = _import(at, "not a playlist!")
    assert any("not a Spotify playlist link" in e.value for e in at.error)


@pytest.mark.skipif(not _has_model(), reason="no trained model in models/ (run `python -m disco train`)")
@pytest.mark.slow
def test_add_to_catalog_and_use_as_reorder_input(tmp_path, monkeypatch):
    songs = _made_up_data(tmp_path)
    fake = FakeSpotify()
    plan = _playlist(fake, songs)
    at = _data_page(monkeypatch, tmp_path / "data", creds=True, client=app_client(fake))
    at.switch_page(REORDER_PAGE).run()  # its text area exists already: it must still take the ids
    at.text_area(key="reorder_ids").input("junk").run()
    at.switch_page(DATA_PAGE).run()
    at = _import(at)
    before = {m.label: m.value for m in at.metric}
    at = at.button(key="spotify_add").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Road Trip" in " ".join(m.value for m in at.markdown)  # the new source's name
    after = {m.label: m.value for m in at.metric}
    assert int(after["songs kept"]) == int(before["songs kept"]) + 1  # the re-released one; missing not added
    assert int(after["playlists"]) == int(before["playlists"]) + 1
    at = at.button(key="spotify_reorder").click().run()
    assert not at.exception and not at.error
    assert at.session_state[spotify_panel.REORDER_IDS_KEY].split() == plan["with_features"]
    at.switch_page(REORDER_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_area(key="reorder_ids").value.split() == plan["with_features"]
    assert not any("not in the loaded catalog" in w.value for w in at.warning)


def test_connect_offers_the_spotify_login_without_showing_the_secret(tmp_path, monkeypatch):
    at = _data_page(monkeypatch, tmp_path / "empty", creds=True, client=app_client(FakeSpotify()),
                    redirect="http://127.0.0.1:8501/data")
    assert not at.exception and not at.error
    tree = _texts(at)
    assert "accounts.spotify.com/authorize" in tree and "playlist-modify-private" in tree
    assert SECRET not in tree


def _send_script():
    from disco.app.spotify import spotify_panel

    spotify_panel.send_button([f"S{i:021d}" for i in range(3)], "DISCO flow", key="build")


@pytest.mark.slow
def test_send_button_appears_once_connected_and_creates_the_playlist():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_send_script).run()
    assert not at.button and not at.exception  # not connected: nothing to click
    fake = FakeSpotify()
    fake.add("POST", r"/v1/me/playlists$", (201, {"id": "NEWPLAYLIST", "external_urls": {
        "spotify": "https://open.spotify.com/playlist/NEWPLAYLIST"}}, {}))
    fake.add("POST", r"/v1/playlists/NEWPLAYLIST/items", (201, {"snapshot_id": "x"}, {}))
    at.session_state[spotify_panel.USER_CLIENT_KEY] = token_client(fake, user=True)
    at.run().button(key="build_spotify_send").click().run()
    assert not at.exception and not at.error
    assert "open.spotify.com/playlist/NEWPLAYLIST" in at.success[0].value and "3 songs" in at.success[0].value
    assert fake.count("POST", r"/NEWPLAYLIST/items") == 1


# -- merging (no Streamlit) ---------------------------------------------------------------------------------
def test_merged_table_keeps_the_catalog_and_adds_the_playlist():
    catalog = Catalog.from_frame(songgen.tidy_frame(n_songs=N_SONGS, n_playlists=4), source="made-up")
    s = catalog.songs
    items = [entry(sp_track(s.at[i, "track_id"], s.at[i, "track_name"], s.at[i, "artist"])) for i in (4, 0)]
    items += [entry(sp_track(sp_id(7), s.at[9, "track_name"], s.at[9, "artist"])),
              entry(sp_track(sp_id(8), "Unknown", "Nobody"))]
    result = spotify.build_import("P1", "Mine", items, None, catalog, features_refused=True)
    merged = Catalog.from_frame(spotify_tables.merged_table(catalog, result), source="merged")
    assert set(merged.songs["track_id"]) == set(s["track_id"]) | {sp_id(7)}
    assert merged.playlists["P1"] == [s.at[4, "track_id"], s.at[0, "track_id"], sp_id(7)]
    for pid, tracks in catalog.playlists.items():
        assert merged.playlists[pid] == tracks
    got = merged.songs.set_index("track_id").loc[sp_id(7), ["tempo", "key"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, s.loc[9, ["tempo", "key"]].to_numpy(dtype=float))
    assert merged.report.rows_excluded == 0
