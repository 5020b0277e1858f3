"""``python -m disco spotify``: search Spotify, import a playlist as a catalog CSV.

Needs SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET; without them it says so in one line (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from disco.errors import CatalogError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spotify", help="search Spotify or import a Spotify playlist as a song file",
        description="Search Spotify or import a playlist. Needs SPOTIPY_CLIENT_ID and "
        "SPOTIPY_CLIENT_SECRET (a free app at https://developer.spotify.com/dashboard).")
    sub = parser.add_subparsers(dest="spotify_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="write a playlist in DISCO's song-file (CSV) schema",
                         description="Import a playlist (URL, spotify:playlist: URI or id). Audio "
                         "features come from Spotify when it still gives them, else from the local "
                         "catalog by track id, then by artist + title.")
    imp.add_argument("playlist", metavar="URL", help="playlist URL, URI or id")
    imp.add_argument("--out", type=Path, default=None,
                     help="CSV to write (default: spotify_<playlist id>.csv)")
    imp.add_argument("--data", type=Path, default=None,
                     help="song file to take features from (default: the catalog in $DISCO_DATA_DIR)")
    imp.add_argument("--keep-missing", action="store_true",
                     help="also write tracks without audio features (empty feature cells)")
    imp.set_defaults(func=run)

    search = sub.add_parser("search", help="search Spotify tracks",
                            description="Search Spotify tracks (words of a title and/or artist).")
    search.add_argument("query", nargs="+", help="search words")
    search.add_argument("--limit", type=int, default=10, help="results to show (1..50, default 10)")
    search.set_defaults(func=run)

    send = sub.add_parser("send", help="save a playlist CSV as a private playlist in your Spotify",
                          description="Create a private playlist in your Spotify account from a CSV "
                          "with a track_id column (in order). Needs SPOTIPY_REDIRECT_URI registered on "
                          "your app; you log in in the browser and paste the address you land on.")
    send.add_argument("csv", type=Path, help="playlist CSV (e.g. written by `python -m disco build`)")
    send.add_argument("--name", default=None, help="playlist name (default: the file name)")
    send.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from disco import spotify

    if args.spotify_command == "search":
        table = spotify.search_tracks(" ".join(args.query), limit=args.limit)
        if table.empty:
            print("no tracks found")
            return 0
        for row in table.itertuples(index=False):
            minutes, seconds = divmod(int((row.duration_ms or 0) // 1000), 60)
            print(f"{row.track_id}  {row.artist} - {row.track_name}  [{row.album}]  {minutes}:{seconds:02d}")
        return 0
    if args.spotify_command == "send":
        return _send(args, spotify)
    return _import(args, spotify)


def _send(args: argparse.Namespace, spotify) -> int:
    import pandas as pd

    from disco.errors import SpotifyError

    if not args.csv.is_file():
        raise CatalogError(f"{args.csv}: no such playlist file")
    try:
        table = pd.read_csv(args.csv, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{args.csv}: not a readable CSV ({exc})") from None
    column = next((c for c in ("track_id", "track_uri", "uri", "id") if c in table.columns), None)
    if column is None:
        raise CatalogError(f"{args.csv}: no track_id column; columns found: {', '.join(table.columns)}")
    ids = [v.strip().rsplit(":", 1)[-1] for v in table[column] if v.strip()]
    oauth = spotify.user_oauth()
    print(f"Open this address, allow DISCO, then paste the address you land on:\n{spotify.login_url(oauth)}")
    try:
        answer = input("redirected address: ").strip()
    except EOFError:
        answer = ""
    if not answer:
        raise SpotifyError(spotify.NOT_CONNECTED)
    client = spotify.from_user_code(oauth, answer)
    sent = spotify.send_playlist(client, args.name or args.csv.stem, ids,
                                 description="Ordered by DISCO (playlists with flow)")
    print(f"created {sent.url} with {sent.added} tracks")
    if sent.skipped:
        print(f"warning: {len(sent.skipped)} rows have no Spotify track id and were not sent: "
              + ", ".join(sent.skipped[:10]), file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, spotify) -> int:
    client = spotify.SpotifyClient.from_credentials()  # fails fast without credentials
    catalog = None
    if args.data is not None:
        from disco.data.catalog import load_catalog

        if not args.data.is_file():
            raise CatalogError(f"{args.data}: no such song file")
        catalog = load_catalog(args.data)
    result = spotify.import_playlist(args.playlist, client=client, catalog=catalog,
                                     progress=sys.stderr.isatty())
    out = args.out or Path(f"spotify_{result.playlist_id}.csv")
    frame = result.frame if args.keep_missing else result.with_features()
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    print(result.summary())
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for s in result.skipped:
        label = f"{s.artist} - {s.track_name}" if s.track_name else "(no track data)"
        print(f"  not imported, position {s.position + 1}: {s.reason}: {label}", file=sys.stderr)
    for m in result.missing:
        print(f"  no features, position {m['position'] + 1}: {m['artist']} - {m['track_name']} "
              f"({m['track_id']})" + ("" if args.keep_missing else ", left out of the file"),
              file=sys.stderr)
    print(f"wrote {len(frame)} tracks to {out}")
    return 0
