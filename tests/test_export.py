import csv
import io
import json

import numpy as np
import pytest

from disco.catalog import load_catalog
from disco.engine import build_playlist
from disco.export import FIELDS, playlist_frame, render, to_csv, to_json, to_m3u, to_table
from fakes import LinearRNN, arrays_from_songs


@pytest.fixture
def made(tidy_csv):
    cat = load_catalog(tidy_csv, cache=False)
    arrays = arrays_from_songs(cat.songs)
    pl = build_playlist([4, 9], np.arange(len(cat.songs)), 7, arrays=arrays, predictor=LinearRNN())
    return cat, pl


def test_playlist_frame_rows_and_seed_fields(made):
    cat, pl = made
    frame = playlist_frame(cat, pl)
    assert len(frame) == 7 and frame["position"].tolist() == list(range(1, 8))
    assert frame["track_id"].tolist() == cat.songs.track_id.iloc[pl.indices].tolist()
    assert frame["is_seed"].tolist() == [True, True] + [False] * 5
    assert frame.loc[:1, ["distance", "loss"]].isna().all().all()
    assert frame.loc[2:, "loss"].notna().all()
    assert set(FIELDS) <= set(frame.columns)


def test_json_schema(made):
    cat, pl = made
    doc = json.loads(to_json(cat, pl))
    assert set(doc) >= {"playlist", "total_loss", "settings"}
    rows = doc["playlist"]
    assert [set(r) for r in rows] == [set(FIELDS)] * 7
    assert rows[0]["loss"] is None and rows[1]["key_similarity"] is None
    assert rows[2]["loss"] == pytest.approx(pl.loss[2])
    assert doc["total_loss"] == pytest.approx(sum(r["loss"] for r in rows[2:]))
    assert rows[0]["camelot"].endswith(("A", "B")) or rows[0]["key"] == -1
    assert doc["settings"]["search"] == "greedy"


def test_csv_and_m3u(made):
    cat, pl = made
    rows = list(csv.DictReader(io.StringIO(to_csv(cat, pl))))
    assert len(rows) == 7 and rows[0]["loss"] == "" and rows[3]["track_id"] == cat.songs.track_id.iloc[pl.indices[3]]
    m3u = to_m3u(cat, pl).splitlines()
    assert m3u[0] == "#EXTM3U" and len(m3u) == 1 + 2 * 7
    first = cat.songs.iloc[pl.indices[0]]
    assert m3u[1] == f"#EXTINF:{round(first.duration_ms / 1000)},{first.artist} - {first.track_name}"
    assert m3u[2] == f"https://open.spotify.com/track/{first.track_id}"


def test_table_and_render(made):
    cat, pl = made
    table = to_table(cat, pl)
    assert cat.songs.artist.iloc[pl.indices[5]] in table and "total loss" in table
    assert render(cat, pl, "table") == table
    with pytest.raises(ValueError, match="format"):
        render(cat, pl, "xml")
