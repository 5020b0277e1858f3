"""The Data page's Spotify section: import a playlist, add it to the catalog or reorder it, connect an account.

Session-state keys (the hook for tests and for other pages):

- ``CLIENT_KEY`` (``"spotify_client"``): the app :class:`~disco.spotify.client.SpotifyClient`. Built from the
  credentials on first use; a client put there beforehand (tests inject one on a fake HTTP layer) is used as is.
- ``USER_CLIENT_KEY`` (``"spotify_user_client"``): the connected user's client (OAuth), None until then;
  pass it to :func:`disco.spotify.send_playlist`.
- ``IMPORT_KEY`` (``"spotify_import"``): the last :class:`~disco.spotify.importer.SpotifyImport`.
- ``REORDER_IDS_KEY``/``REORDER_INPUT_KEY``: the Reorder page's pasted-ids text area and input choice.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from disco.app.errors import user_errors
from disco.app.pages import page_file
from disco.app.reorder import track_lists
from disco.app.session import sources
from disco.app.spotify.spotify_tables import import_table, merged_table, parquet_bytes, skipped_table
from disco.app.text import md_escape
from disco.errors import CatalogError, DiscoError, SpotifyError
from disco.spotify import send_playlist
from disco.spotify.client import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_REDIRECT_URI,
    Credentials,
    SpotifyClient,
    from_user_code,
    login_url,
    resolve_credentials,
    user_oauth,
)
from disco.spotify.importer import SpotifyImport, import_playlist

CLIENT_KEY = "spotify_client"
USER_CLIENT_KEY = "spotify_user_client"
OAUTH_KEY = "spotify_oauth"
IMPORT_KEY = "spotify_import"
REF_KEY = "spotify_playlist_ref"
NOTE_KEY = "spotify_note"
REORDER_IDS_KEY = track_lists.IDS_KEY
REORDER_INPUT_KEY = track_lists.INPUT_KEY
REORDER_PASTE = track_lists.PASTE

NO_CREDENTIALS = (f"Spotify is not set up: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (environment variables, "
                  "or in `.streamlit/secrets.toml`) to the id and secret of an app from "
                  "https://developer.spotify.com/dashboard, then reload this page.")


# -- session ------------------------------------------------------------------------------------------------
def session_catalog():
    """The session's catalog (None when there is none yet); without a model, the catalog alone."""
    src = sources.current_source()
    if src.is_default and not sources.has_default_data():
        return None
    try:
        return sources.load_disco(src).catalog
    except DiscoError:  # e.g. no model: the catalog can still fill features
        from disco.data.catalog import load_catalog, load_default_catalog
        try:
            return load_default_catalog() if src.is_default else load_catalog(src.data, name=src.name, cache=False)
        except DiscoError:
            return None


def streamlit_secrets() -> dict:
    """The app's Streamlit secrets (``.streamlit/secrets.toml``); empty when there is no such file."""
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, ValueError):  # no secrets file, or one that does not parse
        return {}


def credentials() -> Credentials | None:
    """App credentials from the environment or the Streamlit secrets, or None."""
    try:
        return resolve_credentials(secrets=streamlit_secrets())
    except SpotifyError:
        return None


def app_client(creds: Credentials | None) -> SpotifyClient | None:
    """The session's app client: an injected one, else one built from ``creds`` (kept for the session)."""
    client = st.session_state.get(CLIENT_KEY)
    if client is None and creds is not None:
        client = SpotifyClient.from_credentials(creds)
        st.session_state[CLIENT_KEY] = client
    return client


def add_to_catalog(result: SpotifyImport) -> str:
    """Merge the imported tracks that have features into the session's catalog, through the same route as an
    uploaded song file (validated before switching). Returns the new source's name."""
    if not (pd.Series(result.sources) != "missing").any():
        raise CatalogError(f"none of the {len(result.frame)} imported tracks has audio features: nothing "
                           "can be added to the catalog")
    catalog = session_catalog()
    src = sources.current_source()
    base = Path(src.name).stem if not src.is_default else ("TidyTuesday songs" if catalog is not None else "")
    name = f"{base} + {result.playlist_name}.parquet" if base else f"{result.playlist_name}.parquet"
    data = parquet_bytes(merged_table(catalog, result))
    previous = st.session_state.get(sources.SOURCE_KEY)
    sources.use_uploaded(name, data)
    try:
        sources.load_disco()  # validate (and cache) before keeping it
    except DiscoError:
        st.session_state[sources.SOURCE_KEY] = previous
        raise
    return name


def use_as_reorder_input(result: SpotifyImport) -> tuple[int, bool]:
    """Put the imported tracks that have features into the Reorder page's pasted ids; tracks not in the
    session's catalog are merged into it first. Returns (songs handed over, whether the catalog grew)."""
    ids = result.with_features()["track_id"].tolist()
    if len(ids) < 2:
        raise CatalogError(f"only {len(ids)} of the {len(result.frame)} imported tracks have audio features: "
                           "reordering needs two")
    catalog = session_catalog()
    known = set(catalog.songs["track_id"]) if catalog is not None else set()
    grew = not set(ids) <= known
    if grew:
        add_to_catalog(result)
    st.session_state[REORDER_IDS_KEY] = "\n".join(ids)
    st.session_state[REORDER_INPUT_KEY] = REORDER_PASTE
    return len(ids), grew


# -- widgets ------------------------------------------------------------------------------------------------
def render() -> None:
    """The Spotify section: credentials check, playlist import, results and actions, account connection."""
    creds = credentials()
    injected = st.session_state.get(CLIENT_KEY) is not None
    if creds is None and not injected:
        st.info(NO_CREDENTIALS, icon=":material/key:")
        return
    st.caption("Import a Spotify playlist: its songs get audio features from Spotify when the app still has "
               "access, else from the loaded catalog (same track id, then same artist + title).")
    ref = st.text_input("Playlist link, URI or id", key=REF_KEY,
                        placeholder="https://open.spotify.com/playlist/...")
    if st.button("Import", key="spotify_import_button", type="primary"):
        try:
            if not (ref or "").strip():
                raise SpotifyError("paste a playlist link (https://open.spotify.com/playlist/...), URI or id "
                                   "first")
            with st.spinner("Reading the playlist from Spotify..."):
                st.session_state[IMPORT_KEY] = import_playlist(
                    ref, client=app_client(creds), catalog=session_catalog(), use_default_catalog=False)
        except SpotifyError as exc:
            st.error(str(exc), icon=":material/error:")
    result = st.session_state.get(IMPORT_KEY)
    if result is not None:
        show_import(result)
    if creds is not None:
        connect_section(creds)


def show_import(result: SpotifyImport) -> None:
    """The import's tracks (missing features marked), warnings, skipped entries and the two actions."""
    st.markdown(f"**{md_escape(result.playlist_name)}**: {md_escape(result.summary())}")
    for text in dict.fromkeys(result.warnings):  # each once
        st.warning(text, icon=":material/warning:")
    st.dataframe(import_table(result), hide_index=True, key="spotify_tracks",
                 column_config={"#": st.column_config.NumberColumn(width=40),
                                "BPM": st.column_config.NumberColumn(format="%.0f", width=50),
                                "energy": st.column_config.NumberColumn(format="%.2f", width=60)})
    if result.skipped:
        st.markdown(f"**{len(result.skipped)} playlist entries were not imported**")
        st.dataframe(skipped_table(result), hide_index=True, key="spotify_skipped")
    usable = sum(s != "missing" for s in result.sources)
    left, right = st.columns(2)
    add = left.button("Add to the catalog", key="spotify_add", disabled=usable == 0,
                      help="The session's catalog becomes the loaded one plus this playlist's songs that have "
                           "features (as if uploaded), for Build and Reorder.")
    reorder = right.button("Use as reorder input", key="spotify_reorder", disabled=usable < 2,
                           help="Hand the songs with features to the Reorder page (adding any the catalog lacks).")
    if add:
        with user_errors():
            name = add_to_catalog(result)
            st.session_state[NOTE_KEY] = f"The session's catalog is now {name}."
            st.rerun()  # the page's top sections show the new catalog
    if reorder:
        with user_errors():
            n, grew = use_as_reorder_input(result)
            left_out = len(result.frame) - n
            st.success(f"{n} songs are ready on the Reorder page"
                       + (f" ({left_out} without features left out)" if left_out else "")
                       + ("; they were added to the session's catalog first." if grew else "."))
            st.page_link(page_file("reorder"), label="Open Reorder", icon=":material/shuffle:")
    note = st.session_state.pop(NOTE_KEY, None)
    if note:
        st.success(note)


def connect_section(creds: Credentials) -> None:
    """Optional OAuth user connection (scope playlist-modify-private), to save playlists to Spotify."""
    code = st.query_params.get("code")
    refused = st.query_params.get("error")
    with st.expander("Connect your Spotify account (to save playlists there)",
                     expanded=bool(code or refused or st.session_state.get(USER_CLIENT_KEY))):
        if st.session_state.get(USER_CLIENT_KEY) is not None:
            st.success("Connected: built playlists can be sent to your Spotify as private playlists.")
            st.button("Disconnect", key="spotify_disconnect", on_click=_disconnect)
            return
        if not creds.redirect_uri:
            st.caption(f"To connect, set {ENV_REDIRECT_URI} to this page's address (e.g. "
                       "`http://127.0.0.1:8501/data`) and register the same address on your Spotify app. "
                       "Without it, the CSV and M3U downloads remain.")
            return
        if refused:
            st.error(f"Spotify did not connect your account ({refused}).", icon=":material/error:")
            _clear_login_params()
        try:
            oauth = st.session_state.get(OAUTH_KEY)
            if oauth is None:
                oauth = st.session_state[OAUTH_KEY] = user_oauth(creds)
            if code:
                _clear_login_params()  # a code works once
                st.session_state[USER_CLIENT_KEY] = from_user_code(oauth, code)
                st.rerun()
            st.link_button("Connect to Spotify", login_url(oauth))
            st.caption("Spotify asks you to allow DISCO to create private playlists, then sends you back here.")
        except SpotifyError as exc:
            st.error(str(exc), icon=":material/error:")


def _clear_login_params() -> None:
    for name in ("code", "state", "error"):
        if name in st.query_params:
            del st.query_params[name]


def _disconnect() -> None:
    st.session_state.pop(USER_CLIENT_KEY, None)
    st.session_state.pop(OAUTH_KEY, None)


SEND_HOW = ("To send this playlist to Spotify, connect your account on the Data page (Spotify section); the "
            "downloads above work without it.")
SEND_SETUP = ("To send this playlist to Spotify, set up a Spotify app and connect your account (Data page, "
              "Spotify section); the downloads above work without it.")


def send_guidance() -> str:
    """The one line a page shows instead of the send button while no account is connected."""
    return SEND_HOW if credentials() is not None or st.session_state.get(CLIENT_KEY) is not None else SEND_SETUP


def send_button(track_ids, name: str, *, key: str, description: str = "") -> None:
    """For a page showing a playlist: "Send to my Spotify" when the account is connected, else one line saying
    how to connect."""
    user = st.session_state.get(USER_CLIENT_KEY)
    if user is None:
        st.caption(send_guidance())
        return
    if st.button("Send to my Spotify", key=f"{key}_spotify_send"):
        try:
            sent = send_playlist(user, name, list(track_ids), description)
        except SpotifyError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        extra = f" ({len(sent.skipped)} songs without a Spotify id left out)" if sent.skipped else ""
        st.success(f"Created the private playlist [{md_escape(name)}]({sent.url}) with {sent.added} "
                   f"songs{extra}.")
