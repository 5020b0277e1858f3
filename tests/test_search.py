"""Seed search: case-, accent- and typo-tolerant, exact and prefix matches first."""

from __future__ import annotations

import pytest

from disco.data.catalog import Catalog, load_catalog
from disco.data.text_search import SongSearch, normalize
from support import songgen

KNOWN = [("Ed Sheeran", "I Don't Care (with Justin Bieber)"), ("Beyoncé", "Halo"), ("Sigur Rós", "Hoppípolla"),
         ("Daft Punk", "One More Time"), ("Maroon 5", "Memories"), ("Billie Eilish", "bad guy"),
         ("Fall Out Boy", "I Don't Care"), ("Offspin", "Don't Care")]


@pytest.fixture(scope="module")
def cat() -> Catalog:
    frame = songgen.tidy_frame(n_songs=400, n_playlists=4, seed=5).drop_duplicates("track_id")
    frame = frame.reset_index(drop=True)
    assert len(frame) > 60
    for j, (artist, title) in enumerate(KNOWN):
        frame.loc[3 + 7 * j, ["track_artist", "track_name"]] = [artist, title]
    return Catalog.from_frame(frame, source="made up")


def test_normalize():
    assert normalize("  Beyoncé - Don't STOP!! ") == "beyonce dont stop"
    assert normalize("Sigur Rós — Hoppípolla") == "sigur ros hoppipolla"
    assert normalize("Tiësto’s AFTR:HRS") == "tiestos aftr hrs"


@pytest.mark.parametrize("query, artist, title", [
    ("ed sheeran i dont care", "Ed Sheeran", "I Don't Care (with Justin Bieber)"),
    ("ed sheren i dont car", "Ed Sheeran", "I Don't Care (with Justin Bieber)"),
    ("Ed Sheeran - I Don't Care", "Ed Sheeran", "I Don't Care (with Justin Bieber)"),
    ("beyonce halo", "Beyoncé", "Halo"),
    ("BEYONCÉ HALO", "Beyoncé", "Halo"),
    ("halo beyonce", "Beyoncé", "Halo"),
    ("sigur ros hoppipola", "Sigur Rós", "Hoppípolla"),
    ("daft pnuk one more tim", "Daft Punk", "One More Time"),
    ("memories maroon", "Maroon 5", "Memories"),
    ("billie eilish bad g", "Billie Eilish", "bad guy"),
    ("edsheeran", "Ed Sheeran", "I Don't Care (with Justin Bieber)"),
])
def test_finds_song_first(cat, query, artist, title):
    hits = cat.search(query, limit=5)
    assert list(hits.columns) == ["index", "track_id", "artist", "track_name", "album", "year", "genre", "label",
                                  "description", "score", "confident"]
    top = hits.iloc[0]
    assert (top["artist"], top["track_name"]) == (artist, title)
    assert top["label"] == f"{artist} - {title}" == cat.label(top["index"])
    assert top["score"] >= 60


def test_exact_then_prefix_then_fuzzy(cat):
    hits = cat.search("don't care", limit=3)
    # exact title first, then the titles that start with it... then songs holding both words
    assert hits.iloc[0]["artist"] == "Offspin" and hits.iloc[0]["score"] == 100
    assert set(hits["artist"].iloc[1:]) == {"Ed Sheeran", "Fall Out Boy"}
    raw = SongSearch(cat.songs["artist"], cat.songs["track_name"]).search("i dont care", limit=3)
    assert raw["tier"].iloc[0] == 3  # Fall Out Boy - I Don't Care: exact title
    assert cat.songs.loc[raw["index"].iloc[0], "artist"] == "Fall Out Boy"


def test_no_match_and_empty_query(cat):
    assert cat.search("", limit=5).empty
    assert cat.search("   !!! ", limit=5).empty
    assert cat.search("zzqxv wvvkj", limit=5).empty
    assert len(cat.search("night", limit=3)) == 3


def test_big_catalog_fallback_free_path():
    # no full scan: a catalog larger than full_scan_max still finds typo'd queries via the word index
    artists = [f"Band {i}" for i in range(3000)] + ["Rihanna"]
    titles = [f"Song number {i}" for i in range(3000)] + ["Umbrella"]
    s = SongSearch(artists, titles, full_scan_max=10)
    assert s.search("rihana umbrela", limit=1)["index"].iloc[0] == 3000
    assert s.search("band 1234 song number 1234", limit=1)["index"].iloc[0] == 1234


@pytest.mark.real_data
@pytest.mark.slow
def test_real_catalog_search(real_csv):
    cat = load_catalog(real_csv)
    for query, artist, title_start in [("ed sheeran i dont care", "Ed Sheeran", "I Don't Care"),
                                       ("ed sheren i dont car", "Ed Sheeran", "I Don't Care"),
                                       ("beyonce halo", "Beyoncé", "Halo"),
                                       ("shkira hips dont lie", "Shakira", "Hips Don't Lie"),
                                       ("daft punk one more tim", "Daft Punk", "One More Time")]:
        top = cat.search(query, limit=3).iloc[0]
        assert top["artist"] == artist and top["track_name"].startswith(title_start), (query, top["label"])
