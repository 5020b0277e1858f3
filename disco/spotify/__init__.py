"""Spotify for DISCO: search, import a playlist (features from Spotify or the local catalog),
send a built playlist to the user's account. The pieces live in :mod:`disco.spotify_client`
(auth, retries, errors) and :mod:`disco.spotify_import` (playlist -> canonical rows)."""

from disco.spotify.client import (  # noqa: F401
    FEATURES_GONE,
    NOT_CONNECTED,
    USER_SCOPE,
    Credentials,
    PlaylistItems,
    SentPlaylist,
    SpotifyClient,
    from_user_code,
    is_track_id,
    login_url,
    make_session,
    parse_playlist_id,
    resolve_credentials,
    translate_error,
    user_oauth,
)
from disco.spotify.importer import (  # noqa: F401
    PLAYLIST_COLUMNS,
    SOURCES,
    CatalogMatcher,
    Skipped,
    SpotifyImport,
    build_import,
    import_playlist,
    name_key,
    normalize_text,
    search_tracks,
)


def send_playlist(client: SpotifyClient | None, name: str, track_ids, description: str = "") -> SentPlaylist:
    """Create a private playlist in the connected user's Spotify; ``client=None`` = not connected."""
    from disco.errors import SpotifyError

    if client is None or not client.user:
        raise SpotifyError(NOT_CONNECTED)
    return client.send_playlist(name, list(track_ids), description)


def dashboard_section() -> None:
    """The Data page's Spotify section (Streamlit); lives in :mod:`disco.spotify_panel`, imported only here
    so that ``import disco.spotify`` never loads Streamlit."""
    from disco.spotify_panel import render

    render()
