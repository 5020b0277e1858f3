"""``python -m disco build``: a playlist from seed songs."""

from __future__ import annotations

import argparse
import math
import sys

from disco.cli.options import (
    add_engine_options,
    add_model_options,
    add_output_options,
    load_service,
    number,
    positive_int,
    settings_from_args,
    write_playlist,
)
from disco.engine.pools import SOURCES
from disco.errors import DiscoError

DEFAULT_LENGTH = 20


def number_range(what: str, whole: bool = False):
    """A ``LO-HI`` range of numbers (``120-130``, ``0.4-0.8``, ``1990-1999``) as a (low, high) tuple."""
    def parse(text: str) -> tuple:
        low, sep, high = text.strip().partition("-")
        try:
            if not sep:
                raise ValueError
            values = tuple((int if whole else float)(v.strip()) for v in (low, high))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} as LO-HI (like {'1990-1999' if whole else '120-130'}),"
                                             f" got {text!r}") from None
        if not all(math.isfinite(v) for v in values) or values[0] > values[1]:
            raise argparse.ArgumentTypeError(f"expected {what} as LO-HI with LO <= HI, got {text!r}")
        return values
    return parse


def lock_spec(text: str) -> tuple[int, str]:
    """``POS=SONG`` -> (POS, SONG); POS counts from 1 as the output numbers songs."""
    pos, sep, song = text.partition("=")
    try:
        position = int(pos.strip())
    except ValueError:
        position = 0
    if not sep or position < 1 or not song.strip():
        raise argparse.ArgumentTypeError(f"expected POS=SONG with POS a position from 1 (as the output numbers "
                                         f"songs) and SONG like --seed, got {text!r}")
    return position, song.strip()


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="build a playlist with flow from seed songs",
        description="Build a playlist: the seeds first, in your order, then songs chosen from a candidate pool "
        "around them by predicted flow, key consonance and tempo.")
    p.add_argument("--seed", action="append", required=True, metavar="SONG",
                   help="'artist - title', a Spotify track id/URI/URL or a search text; repeat for several seeds")
    p.add_argument("--length", type=positive_int, default=None,
                   help=f"songs in the playlist, seeds included (default {DEFAULT_LENGTH})")
    p.add_argument("--minutes", type=number("a number of minutes", strict=True), metavar="M", default=None,
                   help="plan a set of M minutes instead of a song count: as many songs as reach M minutes (songs "
                        "without a duration count as the pool's median)")
    p.add_argument("--pool", choices=SOURCES, default="union", help="where candidates come from (default union)")
    p.add_argument("--pool-size", type=positive_int, default=300, help="candidates (default 300)")
    p.add_argument("--playlist", metavar="NAME", help="take the candidates from this playlist of --data (e.g. a "
                   "crate of your DJ library) instead of a pool around the seeds")
    e = p.add_argument_group("editing the set")
    e.add_argument("--lock", action="append", type=lock_spec, default=[], metavar="POS=SONG",
                   help="put SONG (like --seed) at position POS, counted from 1 as the output numbers songs (after "
                        "the seeds); the rest is chosen around it; repeatable")
    e.add_argument("--ban", action="append", default=[], metavar="SONG",
                   help="never choose SONG (like --seed); repeatable")
    f = p.add_argument_group("candidate filters (songs missing a value a filter needs are left out)")
    f.add_argument("--bpm", type=number_range("a BPM range"), metavar="LO-HI",
                   help="tempo range; double/half time counts (a 64 BPM song matches 120-130)")
    f.add_argument("--years", type=number_range("a range of years", whole=True), metavar="LO-HI",
                   help="release years, inclusive")
    f.add_argument("--genre", action="append", metavar="G", help="only songs of this genre (repeatable: any of them)")
    f.add_argument("--subgenre", action="append", metavar="S",
                   help="only songs of this subgenre (repeatable: any of them)")
    f.add_argument("--energy", type=number_range("an energy range"), metavar="LO-HI", help="energy range, 0..1")
    add_engine_options(p)
    add_output_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from disco.engine.pools import PoolFilters

    if args.length is not None and args.minutes is not None:
        raise DiscoError("give --length (songs) or --minutes (a set's duration), not both")
    length = DEFAULT_LENGTH if args.length is None else args.length
    if args.minutes is None and length < len(args.seed):
        raise DiscoError(f"--length {length} is shorter than the {len(args.seed)} seeds; "
                         "the length counts the seeds")
    positions = [pos for pos, _ in args.lock]
    if len(set(positions)) != len(positions):
        raise DiscoError(f"--lock: position {next(p for p in positions if positions.count(p) > 1)} is locked twice")
    k = len(args.seed)
    for pos in positions:  # said here in the output's numbering (the engine counts from 0)
        if pos <= k:
            raise DiscoError(f"--lock {pos}: positions 1..{k} hold the seeds; lock positions {k + 1} and up")
        if args.minutes is None and pos > length:
            raise DiscoError(f"--lock {pos} is past the end of a {length}-song playlist")
    settings = settings_from_args(args)
    filters = PoolFilters(bpm=args.bpm, years=args.years, genres=args.genre, subgenres=args.subgenre,
                          energy=args.energy)
    disco = load_service(args)
    playlist = disco.build(args.seed, settings, length=length, pool=args.pool, pool_size=args.pool_size,
                           playlist=args.playlist, locked={pos - 1: song for pos, song in args.lock},
                           banned=args.ban, target_minutes=args.minutes,
                           filters=filters if filters.active else None)
    if playlist.message:
        print(f"note: {playlist.message}", file=sys.stderr)
    info = playlist.info
    if args.minutes is not None:
        print(f"set: {len(playlist)} songs, {info['minutes']:.1f} minutes (asked {args.minutes:g})", file=sys.stderr)
    if "filtered" in info:
        counts = info["filtered"]
        print(f"filters: {counts.get('matching', 0):,} songs match, {info['pool_size']} candidates"
              + (f"; {counts['missing_dropped']:,} left out for a missing value" if counts.get("missing_dropped")
                 else ""), file=sys.stderr)
    write_playlist(args, disco.catalog, playlist, name=f"DISCO from {disco.catalog.label(playlist.indices[0])}")
    return 0
