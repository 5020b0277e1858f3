"""Spotify: search, import a playlist as songs (features from Spotify or the local catalog), send a playlist to
the user's account. :mod:`~disco.spotify.client` holds auth, retries and errors; :mod:`~disco.spotify.importer`
turns a playlist into song rows. No Streamlit here: the dashboard passes its secrets in."""

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
    search_tracks,
)


def send_playlist(client: SpotifyClient | None, name: str, track_ids, description: str = "") -> SentPlaylist:
    """Create a private playlist in the connected user's Spotify; ``client=None`` = not connected."""
    from disco.errors import SpotifyError

    if client is None or not client.user:
        raise SpotifyError(NOT_CONNECTED)
    return client.send_playlist(name, list(track_ids), description)
