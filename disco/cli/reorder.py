"""``python -m disco reorder FILE``: your songs, in the order with the best flow."""

from __future__ import annotations

import sys
import time

from disco.cli.options import (
    add_engine_options,
    add_model_options,
    add_output_options,
    add_song_file_arguments,
    load_service,
    settings_from_args,
    write_playlist,
)
from disco.errors import DiscoError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reorder", help="order your own songs for the best flow",
        description="Order the songs of FILE to minimise the summed loss: starting orders from the optimum of "
        "the key and tempo terms (a travelling-salesman path), the DJ sort and beam search, then 2-opt/or-opt "
        "local search on the true loss, network included. The search is bounded by counted work that grows "
        "with the songs (about 1.5 s for 100), so the same songs and settings give the same order on any "
        "machine. FILE is a song table in any schema the catalog reads, or a text file of Spotify track "
        "ids/URIs/URLs (one per line) found in the catalog. A summary goes to stderr; `disco score` on the "
        "output prints the same total.")
    add_song_file_arguments(p)
    p.add_argument("--best-start", action="store_true", help="also choose the first song (default: keep it)")
    p.add_argument("--time-budget", type=float, metavar="SECONDS", default=None,
                   help="also cap the search at about this many seconds (default: no cap; the order then "
                        "depends on the machine's speed, and the summary says when the cap cut the search short)")
    p.add_argument("--no-improve", action="store_true",
                   help="skip the local search: the best starting order as it is")
    add_engine_options(p)
    add_output_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def summary(playlist, given_total: float | None = None, seconds: float | None = None) -> str:
    """One line on a reorder: songs, loss (against the given order's), time taken, where the result came from,
    the pairwise part, and whether a time cap cut the search short."""
    info = playlist.info
    took = "" if seconds is None else f" in {seconds:.1f} s"
    parts = [f"reordered {len(playlist)} songs{took}: total loss {playlist.total_loss:.3f}"]
    if given_total is not None:
        change = playlist.total_loss - given_total
        parts[0] += f" (the order given: {given_total:.3f}, {change:+.3f})"
    if playlist.relaxed_moves:
        parts.append(f"{playlist.relaxed_moves} moves break a hard rule the songs cannot all keep")
    if info.get("chosen"):
        parts.append(f"best from the {info['chosen']} start")
    pair = info.get("pairwise")
    if pair:  # the key and tempo terms (and rule penalties) alone: a travelling-salesman path
        what = "key/tempo/rule part" if playlist.settings.active_rules else "key/tempo part"
        if pair.get("optimal"):
            parts.append(f"{what} of the pairwise start {pair['cost']:.3f}, certified optimal")
        elif pair.get("lower_bound") is not None:
            parts.append(f"{what} of the pairwise start {pair['cost']:.3f} (its optimum >= "
                         f"{pair['lower_bound']:.3f})")
    if "arc_error" in info:
        thirds = " / ".join(f"{v:.2f}" for v in info["energy_thirds"])
        parts.append(f"arc: mean |energy - target| {info['arc_error']:.3f}, energy thirds {thirds}")
    if info.get("cut_short"):
        parts.append(f"the time cap ({info['time_budget']:g} s) cut the search short: "
                     + "; ".join(info.get("cut_short_by", [])))
    return "; ".join(parts)


def run(args) -> int:
    settings = settings_from_args(args)
    disco = load_service(args)
    tracks = disco.read_track_list(args.file, playlist=args.playlist)
    print(tracks.summary(), file=sys.stderr)
    if args.time_budget is not None and not args.time_budget > 0:
        raise DiscoError(f"--time-budget must be a number of seconds > 0, got {args.time_budget:g}")
    started = time.perf_counter()
    playlist = disco.reorder(tracks, settings, keep_first=not args.best_start, improve=not args.no_improve,
                             time_budget=args.time_budget)
    given = playlist.info.get("given_total_loss")
    print(summary(playlist, given, seconds=time.perf_counter() - started), file=sys.stderr)
    write_playlist(args, tracks.catalog, playlist, name=args.playlist or f"DISCO {args.file.stem}",
                   inputs=[args.file])
    return 0
