"""``python -m disco train``: fit the feature space and the flow networks, write ``models/`` and the card
(the steps are :mod:`disco.model.training`'s).

``--features audio`` trains the audio network instead: the same split and steps on mode + the features DISCO's
own audio analysis measures (danceability, energy, loudness), added to the card as a variant; the main
network's files stay as they are."""

from __future__ import annotations

import argparse
from pathlib import Path

from disco import config
from disco.errors import DiscoError
from disco.model.bundle import CARD_NAME, FEATURE_SPACE_NAME, VARIANT_FEATURE_SETS
from disco.model.training import DEFAULT_CANDIDATES, QUANTILES_SUFFIX

ALL_FEATURES = "all"  # the main network, on the 8 abstract features


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train the flow network and write models/ (weights, feature space, model card)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=None,
                   help="song table with playlists (default: $DISCO_DATA_DIR/spotify_songs.csv)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: models/ or $DISCO_MODELS_DIR)")
    p.add_argument("--epochs", type=int, default=200, help="maximum epochs per network (default 200)")
    p.add_argument("--patience", type=int, default=15, help="early-stopping patience in epochs (default 15)")
    p.add_argument("--batch-size", type=int, default=64, help="windows per training batch (default 64)")
    p.add_argument("--learning-rate", type=float, default=2e-3, help="Adam learning rate (default 0.002)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split and of training (default 0)")
    p.add_argument("--candidates", default=",".join(DEFAULT_CANDIDATES),
                   help=f"comma-separated networks to train (default {','.join(DEFAULT_CANDIDATES)}; "
                        "also: lstm)")
    p.add_argument("--features", choices=(ALL_FEATURES,) + tuple(VARIANT_FEATURE_SETS), default=ALL_FEATURES,
                   help="all: the main network on the 8 abstract features (default); audio: a variant on "
                        "mode + " + ", ".join(VARIANT_FEATURE_SETS["audio"]) + " (what DISCO measures from audio), "
                        "on the main card's split, added to its card (train the main network first)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from disco.data.catalog import load_catalog, load_default_catalog
    from disco.model.network import ARCHITECTURES
    from disco.model.training import train

    names = [c.strip() for c in args.candidates.split(",") if c.strip()]
    unknown = [n for n in names if n not in ARCHITECTURES]
    if not names or unknown:
        raise DiscoError(f"unknown candidate network(s) {unknown or names}; choose from {', '.join(ARCHITECTURES)}")
    for opt in ("epochs", "batch_size", "patience"):
        if getattr(args, opt) < 1:
            raise DiscoError(f"--{opt.replace('_', '-')} must be >= 1, got {getattr(args, opt)}")
    if not args.learning_rate > 0:
        raise DiscoError(f"--learning-rate must be > 0, got {args.learning_rate}")
    if args.data is not None and not args.data.is_file():
        raise DiscoError(f"--data {args.data}: no such file")
    catalog = load_catalog(args.data) if args.data is not None else load_default_catalog()
    out = Path(args.out) if args.out is not None else config.models_dir()
    if args.features != ALL_FEATURES:
        return _run_variant(args, catalog, out, names)
    card = train(catalog, out, candidates=names, epochs=args.epochs, patience=args.patience,
                 seed=args.seed, batch_size=args.batch_size, learning_rate=args.learning_rate,
                 progress=not args.quiet)
    mae = card["test"]["mae"]
    print(f"wrote {out}/ ({CARD_NAME}, {FEATURE_SPACE_NAME}, " + ", ".join(f"{n}.keras/.npz" for n in names) + ")")
    print("test MAE: " + ", ".join(f"{c['name']} {c['test_mae']:.4f}" for c in card["candidates"])
          + f" | global_mean {mae['global_mean']:.4f}, last_song {mae['last_song']:.4f}, "
            f"playlist_mean {mae['playlist_mean']:.4f} | MAD {card['test']['mad']:.4f}")
    print(card["verdict"])
    return 0


def _run_variant(args: argparse.Namespace, catalog, out: Path, names: list[str]) -> int:
    from disco.model.training import train_variant

    entry = train_variant(catalog, out, feature_set=args.features, candidates=names, epochs=args.epochs,
                          patience=args.patience, seed=args.seed, batch_size=args.batch_size,
                          learning_rate=args.learning_rate, progress=not args.quiet)
    prefix = f"{args.features}_"
    mae, cost = entry["test"]["mae"], entry["mapping_cost"]
    print(f"wrote {out}/ ({prefix}{FEATURE_SPACE_NAME}, {prefix}{QUANTILES_SUFFIX}, "
          + ", ".join(f"{prefix}{n}.keras/.npz" for n in names) + f"; variant {entry['name']!r} in {CARD_NAME})")
    print(f"features: mode + {', '.join(entry['features'])}")
    print("test MAE: " + ", ".join(f"{c['name']} {c['test_mae']:.4f}" for c in entry["candidates"])
          + f" | global_mean {mae['global_mean']:.4f}, last_song {mae['last_song']:.4f}, "
            f"playlist_mean {mae['playlist_mean']:.4f} | MAD {entry['test']['mad']:.4f}")
    print(entry["verdict"])
    print("rank mapping of DISCO's measures, network test MAE (playlist mean): " + ", ".join(
        f"{k} {cost[k]['network']:.4f} ({cost[k]['playlist_mean']:.4f})"
        for k in ("true", "mapped_as_one_library", "mapped_per_playlist", "distorted_unmapped")))
    return 0
