"""``python -m disco data``: get the song catalog (fetch), check a song file (check), see what is there (info)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "data", help="download the song catalog, check a song file, show the data folder",
        description="Manage DISCO's song data. The data folder is $DISCO_DATA_DIR (default ./data).",
    )
    sub = p.add_subparsers(dest="data_command", metavar="ACTION")

    f = sub.add_parser(
        "fetch", help="download the TidyTuesday song catalog into the data folder",
        description="Download spotify_songs.csv (TidyTuesday 2020-01-21) into $DISCO_DATA_DIR, verify its "
        "sha256 and write it atomically. Does nothing when a valid copy is already there.",
    )
    f.add_argument("--source", metavar="PATH_OR_URL",
                   help="take a song file from a local file or an http(s) URL instead. Any song file that "
                        "loads is accepted; only the published catalog (by checksum) becomes spotify_songs.csv, "
                        "any other file is saved under its own name")
    f.add_argument("--force", action="store_true", help="download again even when a valid copy is there")
    f.add_argument("--timeout", type=float, default=30.0, help="network timeout in seconds (default 30)")
    f.set_defaults(func=run_fetch)

    c = sub.add_parser(
        "check", help="load a song file and print what was kept and excluded",
        description="Load a song table (CSV or Parquet: TidyTuesday, spotifyr, Exportify, Kaggle layouts) "
        "and print the load report. Exits 2 with one line when the file cannot be used.",
    )
    c.add_argument("file", type=Path, help="the CSV or Parquet file")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.add_argument("--no-cache", action="store_true", help="ignore and do not write the fast-reload cache")
    c.set_defaults(func=run_check)

    i = sub.add_parser("info", help="show the data folder, its files and the cache folder")
    i.set_defaults(func=run_info)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def run_fetch(args: argparse.Namespace) -> int:
    from disco import config
    from disco.data.fetch import fetch_catalog

    if args.source:
        return _fetch_source(args.source, config.data_dir(), timeout=args.timeout)
    dest = config.default_dataset_path()
    print(f"fetching the song catalog into {dest}")
    fetched = fetch_catalog(dest, force=args.force, timeout=args.timeout)
    if fetched.downloaded:
        print(f"saved {dest} (sha256 {config.DATASET_SHA256}, verified)")
    else:
        print(f"{dest} is already there and verified: nothing to do")
    return 0


def _fetch_source(source: str, folder: Path, timeout: float) -> int:
    """Take a song file from a local file or URL. Only the published catalog (by its checksum) may become
    ``spotify_songs.csv``; any other file is kept under its own name, never replacing it."""
    import tempfile

    from disco import config
    from disco.data.catalog import load_catalog
    from disco.data.fetch import copy_file, download

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".disco-source-") as tmp:
        staging = Path(tmp) / "songs"
        if _is_url(source):
            got = download(source, staging, sha256=None, timeout=timeout)
            name = Path(source.split("?", 1)[0]).name or "songs.csv"
        else:
            got = copy_file(source, staging)
            name = Path(source).name
        cat = load_catalog(staging, name=source, cache=False)  # raises CatalogError when unusable
        known = got == config.DATASET_SHA256
        if known:
            name = config.DATASET_FILENAME
        elif name == config.DATASET_FILENAME:  # a different file by the catalog's name: keep both
            name = f"{Path(name).stem}-{got[:8]}{Path(name).suffix}"
        dest = folder / name
        staging.replace(dest)
    r = cat.report
    print(f"saved {dest}: {r.songs_kept:,} songs, {r.playlists:,} playlists, sha256 {got}")
    if known:
        print("this is the published TidyTuesday catalog (checksum verified)")
    else:
        print(f"note: not the published TidyTuesday file (its sha256 is {config.DATASET_SHA256}); "
              f"load it with `--data {dest}` or check it with `disco data check {dest}`")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from disco.data.catalog import load_catalog

    cat = load_catalog(args.file, cache=not args.no_cache)
    if args.json:
        print(json.dumps(cat.report.to_dict(), indent=2))
    else:
        print(cat.report.summary())
    return 0


def run_info(args: argparse.Namespace) -> int:
    from disco import config
    from disco.data import cache as catalog_cache
    from disco.data.fetch import sha256_of

    folder = config.data_dir()
    print(f"data folder: {folder.resolve()}" + ("" if folder.is_dir() else " (does not exist yet)"))
    if folder.is_dir():
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        for p in files:
            print(f"  {p.name:<40} {p.stat().st_size / 1e6:>9.1f} MB")
        if not files:
            print("  (no files)")
    dest = config.default_dataset_path()
    if dest.is_file():
        ok = sha256_of(dest) == config.DATASET_SHA256
        print(f"song catalog: {dest.name} " + ("(verified)" if ok else "(differs from the published file)"))
    else:
        print("song catalog: absent; run `python -m disco data fetch`")
    cache = catalog_cache.cache_dir()
    print(f"cache folder: {cache if cache else '(none writable: loads will not be cached)'}")
    return 0
