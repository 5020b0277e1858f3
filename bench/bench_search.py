"""Seed search speed: median query time on the real catalog and on a 1,000,000-song synthetic one.

    DISCO_DATA_DIR=../shared/data python bench/bench_search.py [--songs 1000000] [--queries 200]

Queries are made from random songs: the exact "artist title", a lowercased accent-free version,
a prefix, and versions with one or two typos (a letter dropped, swapped or replaced). "found"
is the share of queries whose song (or one with the same artist and title) is in the top 10.
Targets: < 10 ms on the 28k catalog, < 300 ms on 1M songs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd

from disco import config
from disco.data import schema
from disco.data.catalog import Catalog, load_catalog
from disco.data.text_search import normalize

_SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "da", "bel", "chor", "fin", "gar", "hel",
              "jun", "kor", "lan", "mor", "nix", "pra", "quin", "ros", "sta", "tri", "ul", "von", "wen",
              "xa", "yel", "zor", "é", "ño", "an", "er", "is", "on", "us", "ay", "ei", "ou"]


def synthetic_catalog(real: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` songs: features resampled (row-wise) from ``real``, generated artist and title names."""
    rng = np.random.default_rng(seed)
    syl = np.array(_SYLLABLES, dtype=object)
    n_words = 40_000
    parts = rng.integers(0, len(syl), size=(n_words, 3))
    lens = rng.integers(1, 4, n_words)
    words = np.array(["".join(syl[parts[i, : lens[i]]]).capitalize() for i in range(n_words)], dtype=object)
    real_words = pd.Series(real["track_name"]).str.split().explode().dropna().unique()
    pool = np.concatenate([words, np.asarray(real_words, dtype=object)])
    n_artists = max(1, n // 8)
    artist_names = np.array([" ".join(pool[rng.integers(0, len(pool), 2)]) for _ in range(n_artists)], dtype=object)
    title_len = rng.integers(1, 6, n)
    word_idx = rng.integers(0, len(pool), size=(n, 5))
    titles = [" ".join(pool[word_idx[i, : title_len[i]]]) for i in range(n)]
    rows = rng.integers(0, len(real), n)
    out = real.iloc[rows].reset_index(drop=True).copy()
    out["track_id"] = [f"S{i:021d}" for i in range(n)]
    out["artist"] = artist_names[rng.integers(0, n_artists, n)]
    out["track_name"] = titles
    return out[list(schema.SONG_COLUMNS)]


def typo(text: str, rng: np.random.Generator, k: int) -> str:
    chars = list(text)
    for _ in range(k):
        if len(chars) < 4:
            break
        j = int(rng.integers(1, len(chars) - 1))
        op = rng.integers(0, 3)
        if op == 0:
            del chars[j]
        elif op == 1:
            chars[j], chars[j + 1] = chars[j + 1], chars[j]
        else:
            chars[j] = "qwertyuiopasdfghjklzxcvbnm"[int(rng.integers(0, 26))]
    return "".join(chars)


def make_queries(cat: Catalog, n: int, seed: int = 1) -> list[tuple[str, str, int]]:
    rng = np.random.default_rng(seed)
    s = cat.songs
    ok = np.flatnonzero((s["artist"] != "").to_numpy() & (s["track_name"] != "").to_numpy())
    out = []
    kinds = ["exact", "plain", "prefix", "1 typo", "2 typos"]
    for j, i in enumerate(rng.choice(ok, n, replace=False)):
        full = f"{s.at[i, 'artist']} {s.at[i, 'track_name']}"
        kind = kinds[j % len(kinds)]
        q = {"exact": full, "plain": normalize(full), "prefix": normalize(full)[: max(6, len(full) // 2)],
             "1 typo": typo(normalize(full), rng, 1), "2 typos": typo(normalize(full), rng, 2)}[kind]
        out.append((kind, q, int(i)))
    return out


def run(cat: Catalog, queries: list[tuple[str, str, int]]) -> dict:
    cat.search("warm up")
    times, found = {}, {}
    keys = (cat.songs["artist"].str.lower() + "\x1f" + cat.songs["track_name"].str.lower()).to_numpy()
    for kind, q, i in queries:
        t0 = time.perf_counter()
        hits = cat.search(q, limit=10)
        times.setdefault(kind, []).append(time.perf_counter() - t0)
        ok = (keys[hits["index"].to_numpy()] == keys[i]).any() if kind != "prefix" else True
        found.setdefault(kind, []).append(bool(ok))
    return {"times": times, "found": found}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--songs", type=int, default=1_000_000, help="size of the synthetic catalog")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    path = config.default_dataset_path()
    if not path.is_file():
        print(f"no real catalog at {path}: set DISCO_DATA_DIR or run `python -m disco data fetch`", file=sys.stderr)
        return 2
    real = load_catalog(path)
    results = []
    t0 = time.perf_counter()
    real.search("warm up")
    results.append((f"real ({len(real):,})", time.perf_counter() - t0, run(real, make_queries(real, args.queries))))

    t0 = time.perf_counter()
    syn = Catalog.from_frame(synthetic_catalog(real.songs, args.songs), source="synthetic")
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    syn.search("warm up")
    build = time.perf_counter() - t0
    print(f"synthetic catalog: generated and validated in {gen:.1f} s, search index built in {build:.1f} s")
    results.append((f"synthetic ({len(syn):,})", build, run(syn, make_queries(syn, args.queries))))

    print()
    print(f"{'catalog':<22} {'index build s':>13} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}  "
          "found in top 10 by query kind")
    for name, build, res in results:
        all_t = [t for ts in res["times"].values() for t in ts]
        found = "  ".join(f"{k} {100 * np.mean(v):.0f}%" for k, v in res["found"].items() if k != "prefix")
        print(f"{name:<22} {build:>13.2f} {1000 * statistics.median(all_t):>10.2f} "
              f"{1000 * np.percentile(all_t, 90):>8.2f} {1000 * max(all_t):>8.2f}  {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
